"""Done when: a campaigner loads the UK councils, writes one request in the forms, sends it to
every English county council, and each council gets exactly one letter with its own reply
address, through the outbox and through Mailgun's SDK."""

from __future__ import annotations

import html
import re
from collections import Counter
from email import message_from_bytes, policy
from email.utils import parseaddr
from pathlib import Path

import pytest
import sqlalchemy as sa
from fakes import FakeMailgun

from campaign.extensions import db
from campaign.mail.compose import token_from_address
from campaign.models import Authority, Campaign, Message

SLUG = "county-ai"
QUESTIONS = (
    "Does the council use algorithms or AI to assess social care needs?\n"
    "Which suppliers provide them, and at what annual cost?"
)


def text_of(response) -> str:
    page = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return " ".join(html.unescape(page).split())


@pytest.fixture
def transport() -> str:
    """The outbox unless a test parametrizes this with "mailgun"."""
    return "outbox"


@pytest.fixture
def mailgun():
    with FakeMailgun() as server:
        yield server


@pytest.fixture
def app(make_app, transport: str, request: pytest.FixtureRequest):
    """The app with the transport under test; Mailgun means the real SDK against the fake."""
    if transport == "outbox":
        return make_app()
    fake: FakeMailgun = request.getfixturevalue("mailgun")
    return make_app(
        MAIL_TRANSPORT="mailgun",
        MAILGUN_API_KEY=fake.api_key,
        MAILGUN_DOMAIN=fake.domain,
        MAIL_DOMAIN=fake.domain,
        MAILGUN_API_URL=fake.url,
        MAILGUN_TIMEOUT_SECONDS=5,
    )


@pytest.fixture
def county_councils(app, runner) -> dict[str, str]:
    """The real register loaded with `campaign authorities load-uk`; every English county
    council given an FOI address (the register has none). Name -> address."""
    from campaign.cli import register_commands

    register_commands(app)
    result = runner.invoke(args=["authorities", "load-uk"])
    assert result.exit_code == 0, result.output
    addresses = {}
    with app.app_context():
        counties = db.session.scalars(
            sa.select(Authority).where(
                Authority.authority_type == "County", Authority.nation == "England"
            )
        ).all()
        for council in counties:
            council.foi_email = f"foi@{council.short_name.lower().replace(' ', '')}.gov.uk"
            addresses[council.name] = council.foi_email
        db.session.commit()
    assert len(addresses) >= 20, "the register's English county councils"
    assert "Kent County Council" in addresses and "Lancashire County Council" in addresses
    return addresses


def launch_to_county_councils(app, auth, forms, client, councils: dict[str, str]) -> dict:
    """Write, target, preview and launch the campaign through the pages, as an editor would."""
    from campaign.services.campaigns import DEFAULT_BODY, DEFAULT_SUBJECT

    auth.login("editor")
    created = forms.submit(
        "/campaigns/new",
        {
            "title": "County councils and AI in social care",
            "slug": SLUG,
            "description": "",
            "law": "own",
            "subject": DEFAULT_SUBJECT,
            "body": DEFAULT_BODY,
            "questions": QUESTIONS,
        },
    )
    assert created.status_code == 302, text_of(created)[:2000]
    assert created.headers["Location"] == f"/campaigns/{SLUG}/targets"

    targeted = forms.submit(
        f"/campaigns/{SLUG}/targets", {"nations": "England", "types": "County", "submit": "y"}
    )
    assert targeted.status_code == 302, text_of(targeted)[:2000]
    page = text_of(client.get(f"/campaigns/{SLUG}/targets"))
    assert f"{len(councils)} authorities will be sent the request" in page

    with app.app_context():
        ids = dict(
            db.session.execute(
                sa.select(Authority.name, Authority.id).where(Authority.name.in_(councils))
            ).all()
        )
    for name in ("Kent County Council", "Lancashire County Council"):
        preview = text_of(client.get(f"/campaigns/{SLUG}/preview?authority={ids[name]}"))
        assert f"Letter to {name}" in preview
        assert f"Dear {name}," in preview
        assert "section 1 of the Freedom of Information Act 2000" in preview
        assert "Does the council use algorithms or AI to assess social care needs?" in preview

    confirm = text_of(client.get(f"/campaigns/{SLUG}/launch"))
    assert f"This sends {len(councils)} requests and skips 0 authorities." in confirm
    launched = forms.submit(f"/campaigns/{SLUG}/launch", {"submit": "y"})
    assert launched.status_code == 200
    assert f"{len(councils)} requests queued for sending." in text_of(launched)

    with app.app_context():
        campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == SLUG))
        return {
            r.authority.name: {"token": r.token, "status": r.status, "sent_to": r.sent_to}
            for r in campaign.requests
        }


def assert_one_letter_each(councils: dict[str, str], requests: dict, letters: list) -> None:
    """`letters` is (to, reply-to, from) per letter sent: one per council, each its own."""
    assert sorted(requests) == sorted(councils)
    assert {name: r["status"] for name, r in requests.items()} == dict.fromkeys(councils, "sent")
    assert Counter(to for to, _, _ in letters) == Counter(councils.values())
    reply_addresses = [reply_to for _, reply_to, _ in letters]
    assert len(set(reply_addresses)) == len(councils), "every letter has its own reply address"
    tokens = {r["token"]: name for name, r in requests.items()}
    for to, reply_to, sender in letters:
        assert reply_to == sender and reply_to.startswith("foi+")
        name = tokens[token_from_address(reply_to)]
        assert councils[name] == to, f"{name}'s reply address went to {to}"


def test_a_campaign_launched_in_the_forms_puts_one_letter_per_county_council_in_the_outbox(
    app, auth, forms, client, county_councils
):
    requests = launch_to_county_councils(app, auth, forms, client, county_councils)

    files = sorted(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))
    assert len(files) == len(county_councils)
    letters = []
    for path in files:
        email = message_from_bytes(path.read_bytes(), policy=policy.default)
        letters.append(
            (
                parseaddr(email["To"])[1],
                parseaddr(email["Reply-To"])[1],
                parseaddr(email["From"])[1],
            )
        )
        name = next(n for n, a in county_councils.items() if a == letters[-1][0])
        body = email.get_body(preferencelist=("plain",)).get_content()
        assert f"Dear {name}," in body
        assert "section 1 of the Freedom of Information Act 2000" in body
        assert f"Please send your reply to {letters[-1][1]}, the address" in body
        assert (
            email["Subject"]
            == "Freedom of Information request: County councils and AI in social care"
        )
    assert_one_letter_each(county_councils, requests, letters)
    domain = app.config["MAIL_DOMAIN"]
    assert all(reply_to.endswith(f"@{domain}") for _, reply_to, _ in letters)

    campaign_page = text_of(client.get(f"/campaigns/{SLUG}"))
    n = len(county_councils)
    assert f"{n} of {n} processed." in campaign_page
    outbox = client.get(f"/outbox?campaign={SLUG}")
    page = text_of(outbox)
    assert f"{n} letters, newest first" in page
    for to, reply_to, _ in letters:
        assert to in page and reply_to in page
    listing = text_of(client.get(f"/campaigns/{SLUG}/requests"))
    assert f"All {n} sent {n}" in listing


@pytest.mark.parametrize("transport", ["mailgun"])
def test_the_same_launch_through_mailgun_sends_one_message_per_county_council(
    app, auth, forms, client, county_councils, mailgun, transport
):
    requests = launch_to_county_councils(app, auth, forms, client, county_councils)

    received = mailgun.messages
    assert len(received) == len(county_councils) == mailgun.post_count
    # Through the SDK's sending endpoints (the fake refuses a wrong key or domain)
    assert {m.endpoint for m in received} <= {"messages", "messages.mime"}
    assert {m.domain for m in received} == {mailgun.domain}
    letters = [
        (
            m.form_value("to"),
            parseaddr(m.headers["reply-to"])[1],
            parseaddr(m.headers["from"])[1],
        )
        for m in received
    ]
    assert_one_letter_each(county_councils, requests, letters)
    assert all(reply_to.endswith(f"@{mailgun.domain}") for _, reply_to, _ in letters)
    # Mailgun's events come back with the request they are about
    tokens = {r["token"] for r in requests.values()}
    assert {m.variables["token"] for m in received} == tokens
    assert not list(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))
    with app.app_context():
        ids = set(db.session.scalars(sa.select(Message.transport_id)))
    assert ids == {m.id for m in received}
