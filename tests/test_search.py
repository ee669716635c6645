"""Full-text search of replies: indexed as replies are read, scoped, ranked and safe to query."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from fakes.pdf import make_pdf
from fakes.replies import reply_email
from flask import Flask
from reply_support import DOMAIN, SUBJECT

from campaign.domain.tokens import new_token
from campaign.domain.vocabulary import MessageSource
from campaign.extensions import db
from campaign.mail.compose import new_message_id, reply_address
from campaign.models import (
    Attachment,
    Authority,
    Campaign,
    Message,
    Request,
    SearchEntry,
    User,
)
from campaign.services.ingest import store_inbound
from campaign.services.replies import assign_message, process_message
from campaign.services.search import authorities_mentioning, parse_query, search
from campaign.services.search_index import reindex

XANTURA_PAGE = [
    "Freedom of Information Act 2000 - Request reference: FOI-1234",
    "The Council has used the Xantura OneView product since 2017 for early help.",
    "Contact foi@example.gov.uk for anything else.",
]
OTHER_PAGE = ["Children's services use Capita One and FFT Aspire for school data."]


@dataclass
class Target:
    campaign_id: int
    slug: str
    request_id: int
    authority: str
    reply_to: str
    sender: str


def make_campaign(app: Flask, *authority_names: str) -> list[Target]:
    """A campaign with one sent request per authority, ready to receive replies."""
    with app.app_context():
        campaign = Campaign(slug=f"c-{uuid.uuid4().hex[:8]}", title="Data analytics")
        db.session.add(campaign)
        targets = []
        for name in authority_names:
            domain = f"{uuid.uuid4().hex[:6]}.gov.uk"
            authority = Authority(name=name, nation="England", foi_email=f"foi@{domain}")
            token = new_token()
            request = Request(
                campaign=campaign,
                authority=authority,
                token=token,
                status="awaiting_response",
                sent_to=authority.foi_email,
            )
            letter = Message(
                request=request,
                direction="outbound",
                kind="request",
                subject=SUBJECT,
                message_id=new_message_id(token, DOMAIN),
                from_address=reply_address(token, DOMAIN),
                to_address=authority.foi_email,
            )
            db.session.add_all([authority, request, letter])
            db.session.flush()
            targets.append(
                Target(
                    campaign.id,
                    campaign.slug,
                    request.id,
                    name,
                    reply_address(token, DOMAIN),
                    authority.foi_email,
                )
            )
        db.session.commit()
        return targets


def reply(app: Flask, target: Target | None, body: str = "Please find our response attached.",
          pages: list[list[str]] | None = None, to: str | None = None) -> int:  # fmt: skip
    attachments = [("response.pdf", "application/pdf", make_pdf(pages))] if pages else []
    raw = reply_email(
        to=to or target.reply_to,
        sender=target.sender if target else "someone@nowhere.example",
        subject="Your request for information",
        body=body,
        attachments=attachments,
    )
    with app.app_context():
        stored = store_inbound(raw, MessageSource.IMPORT)
        assert stored.ok, stored.error
        return stored.message_id


def entries(app: Flask, message_id: int | None = None) -> list[tuple]:
    with app.app_context():
        query = sa.select(SearchEntry.message_id, SearchEntry.attachment_id, SearchEntry.page)
        if message_id is not None:
            query = query.where(SearchEntry.message_id == message_id)
        return sorted(db.session.execute(query).all(), key=repr)


def test_a_pdf_reply_is_searchable_by_page_as_soon_as_it_is_read(app):
    [kent] = make_campaign(app, "Kent County Council")
    message_id = reply(app, kent, pages=[OTHER_PAGE, XANTURA_PAGE])
    with app.app_context():
        results = search("xantura")
        assert results.total == 1
        [hit] = results.hits
        assert (hit.authority_name, hit.request_id, hit.message_id) == (
            "Kent County Council",
            kent.request_id,
            message_id,
        )
        assert (hit.filename, hit.page, hit.campaign_slug) == ("response.pdf", 2, kent.slug)
        assert hit.matched == ("Xantura",)
        text = "".join(segment for segment, _ in hit.snippet)
        assert "OneView" in text


def test_the_email_body_is_searched_without_the_letter_it_quotes(app):
    [leeds] = make_campaign(app, "Leeds City Council")
    body = (
        "We do not use Nexus for anything.\n\n"
        "-----Original Message-----\n"
        "Do you use Xantura or any other predictive analytics?\n"
    )
    reply(app, leeds, body=body)
    with app.app_context():
        assert search("nexus").total == 1
        assert search("nexus").hits[0].document == "email body"
        assert search("xantura").total == 0


def test_stemming_finds_other_forms_of_a_word(app):
    [york] = make_campaign(app, "City of York Council")
    reply(app, york, body="The council mentions predictive systems in several reports.")
    with app.app_context():
        [hit] = search("mention report").hits
        assert set(hit.matched) == {"mentions", "reports"}


def test_phrases_must_appear_together(app):
    [a, b] = make_campaign(app, "Alpha Council", "Beta Council")
    reply(app, a, body="We use Capita One for education records.")
    reply(app, b, body="One system is supplied by Capita.")
    with app.app_context():
        assert search("capita one").total == 2
        [hit] = search('"capita one"').hits
        assert hit.authority_name == "Alpha Council"
        assert hit.matched == ("Capita", "One")


def test_reading_a_reply_again_replaces_its_entries(app):
    [kent] = make_campaign(app, "Kent County Council")
    message_id = reply(app, kent, body="Xantura is used.", pages=[XANTURA_PAGE, OTHER_PAGE])
    before = entries(app, message_id)
    assert len(before) == 3  # the body and two pages
    with app.app_context():
        message = db.session.get(Message, message_id)
        message.processing_state = "stored"
        db.session.commit()
        assert process_message(message_id).state.value == "processed"
    assert entries(app, message_id) == before
    with app.app_context():
        assert search("xantura").total == 2
        reindex()
        reindex([kent.campaign_id])
        assert search("xantura").total == 2
    assert entries(app, message_id) == before


def test_an_inbox_message_is_indexed_only_once_filed_and_follows_its_request(app, make_user):
    [kent, leeds] = make_campaign(app, "Kent County Council", "Leeds City Council")
    message_id = reply(app, None, body="Our council uses Xantura.", to="lost@elsewhere.example")
    assert entries(app, message_id) == []
    email, _ = make_user("owner")
    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(User.email == email))
        message = db.session.get(Message, message_id)
        assert message.request_id is None
        assign_message(message, db.session.get(Request, kent.request_id), user_id, False)
        assert [h.authority_name for h in search("xantura").hits] == ["Kent County Council"]
        # Filed on another request: found there, with no stale entry left behind.
        message = db.session.get(Message, message_id)
        assign_message(message, db.session.get(Request, leeds.request_id), user_id, False)
        assert [h.authority_name for h in search("xantura").hits] == ["Leeds City Council"]
    assert len(entries(app, message_id)) == 1


def test_deleting_a_reply_or_its_file_removes_its_entries(app):
    [kent] = make_campaign(app, "Kent County Council")
    message_id = reply(app, kent, body="Xantura is used.", pages=[XANTURA_PAGE])
    with app.app_context():
        attachment = db.session.scalar(
            sa.select(Attachment).where(Attachment.message_id == message_id)
        )
        db.session.delete(attachment)
        db.session.commit()
        assert [hit.document for hit in search("xantura").hits] == ["email body"]
        db.session.execute(sa.delete(Message).where(Message.id == message_id))
        db.session.commit()
        assert search("xantura").total == 0
        assert db.session.scalar(sa.select(sa.func.count(SearchEntry.id))) == 0


def test_search_is_scoped_to_the_campaigns_asked_for(app):
    [kent] = make_campaign(app, "Kent County Council")
    [leeds] = make_campaign(app, "Leeds City Council")
    reply(app, kent, pages=[XANTURA_PAGE])
    reply(app, leeds, body="Xantura was trialled in 2019 and dropped.")
    with app.app_context():
        assert search("xantura").total == 2
        assert {h.campaign_slug for h in search("xantura").hits} == {kent.slug, leeds.slug}
        only_leeds = search("xantura", campaign_ids=[leeds.campaign_id])
        assert [h.authority_name for h in only_leeds.hits] == ["Leeds City Council"]
        assert search("xantura", campaign_ids=[]).total == 0
        assert search("xantura", campaign_ids=[999_999]).total == 0


def test_which_councils_mention_a_vendor(app):
    kent, leeds, york = make_campaign(app, "Kent County Council", "Leeds City Council", "York")
    reply(app, kent, body="Xantura provides our model.", pages=[XANTURA_PAGE, XANTURA_PAGE])
    reply(app, leeds, body="We considered Xantura.")
    reply(app, york, body="Nothing held.")
    with app.app_context():
        mentions = authorities_mentioning("xantura", [kent.campaign_id])
        assert [(m.name, m.hits, m.requests) for m in mentions] == [
            ("Kent County Council", 3, 1),
            ("Leeds City Council", 1, 1),
        ]
        assert authorities_mentioning("", None) == []


def test_results_are_ranked_and_paged(app):
    targets = make_campaign(app, *[f"Council {n}" for n in range(5)])
    for n, target in enumerate(targets):
        reply(app, target, body=" ".join(["Xantura"] * (n + 1) + ["filler words here"] * 20))
    with app.app_context():
        first = search("xantura", limit=2)
        assert first.total == 5 and first.pages == 3 and len(first.hits) == 2
        assert first.hits[0].authority_name == "Council 4"  # says it most often
        rest = search("xantura", limit=2, offset=2).hits + search("xantura", limit=2, offset=4).hits
        names = {h.authority_name for h in first.hits + rest}
        assert len(names) == 5


FULL_WIDTH = "\uff38\uff41\uff4e\uff54\uff55\uff52\uff41"  # "Xantura" in full-width letters
HOSTILE = [
    '"',
    '""',
    '"unclosed phrase',
    "xantura*",
    "NEAR(xantura council)",
    "xantura AND NOT council",
    "-xantura",
    "body:xantura",
    "^xantura",
    "xantura OR 1=1",
    "'; DROP TABLE search_entry; --",
    "Robert'); DROP TABLE message;--",
    "x & y | !z <-> w",
    "xantura:*",
    "(xantura",
    "{xantura}",
    "Ynys Môn",
    FULL_WIDTH,
    "데이터 분석",
    "☃ 💩",
    "\x00xantura\x02\x03",
    "e\u0301",
    "the and of",
    "a" * 200,
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_are_only_ever_words(app, query):
    [kent] = make_campaign(app, "Kent County Council")
    reply(app, kent, body="Xantura is used by the council in Ynys Mon.", pages=[XANTURA_PAGE])
    with app.app_context():
        results = search(query)
        mentions = authorities_mentioning(query)
        assert results.total >= 0 and isinstance(mentions, list)
        assert db.session.scalar(sa.select(sa.func.count(SearchEntry.id))) == 2


def test_quoting_operators_still_finds_the_words(app):
    [kent] = make_campaign(app, "Kent County Council")
    reply(app, kent, body="Xantura is used by the council in Ynys Môn.")
    with app.app_context():
        assert search("xantura NEAR").total == 0  # "near" is a word, and not in the reply
        assert search("(xantura) -council:").total == 1
        assert search("xantura*").total == 1
        assert search(FULL_WIDTH).total == 1  # full-width letters fold to ASCII
        assert search("ynys môn").total == 1


@pytest.mark.parametrize(
    ("typed", "problem"),
    [("", "Type a word"), ("   ", "Type a word"), ("x" * 201, "too long"), ('"" -- !', "Nothing")],
)
def test_a_query_with_nothing_to_search_says_why(app, typed, problem):
    with app.app_context():
        results = search(typed)
    assert problem in results.query.problem and results.total == 0 and results.hits == []


def test_query_parsing_quotes_every_word():
    query = parse_query('Capita "risk based verification" NEAR( x* "')
    assert query.phrases == (("capita",), ("risk", "based", "verification"), ("near",), ("x",))
    assert parse_query("a " * 13).problem is None  # repeated words count once
    assert "Too many" in parse_query(" ".join(f"w{n}" for n in range(13))).problem


def test_random_text_never_breaks_a_search(app):
    """Anything typed is only ever words: random strings from operator-rich alphabets."""
    import random

    [kent] = make_campaign(app, "Kent County Council")
    reply(app, kent, body="Xantura is used by the council.")
    alphabet = "xantura \"*-:^()+{}[]&|!<>'\\;%_,.~ \t\nANDORNOTNEAR\u0301é데ⅷ²\u200b"
    chance = random.Random(7)
    with app.app_context():
        for _ in range(200):
            typed = "".join(chance.choice(alphabet) for _ in range(chance.randint(1, 60)))
            results = search(typed)
            assert results.query.problem or results.total in (0, 1), typed
            authorities_mentioning(typed)


def test_a_very_long_page_is_indexed_in_parts_and_found_to_its_end(app):
    [kent] = make_campaign(app, "Kent County Council")
    filler = " ".join(f"budget{n % 977}" for n in range(40_000))  # ~330,000 characters
    message_id = reply(app, kent, body=f"{filler} Xantura {filler} Capita")
    assert len(entries(app, message_id)) >= 4
    with app.app_context():
        assert search("xantura").total == 1 and search("capita").total == 1
        [hit] = search("capita").hits
        assert hit.matched == ("Capita",) and len("".join(t for t, _ in hit.snippet)) < 1000
