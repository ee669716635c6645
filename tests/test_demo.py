"""`campaign demo`: the 2018 request to the councils, replies through the importer, and removal.

The demo runs on 30 councils here (the five with real replies among them); the command sends
to every council. One run per database backend carries the whole story, because the demo reads
a scanned PDF by OCR and that is the slow part.
"""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest
import sqlalchemy as sa

from campaign.cli_demo import demo
from campaign.domain.vocabulary import RequestStatus
from campaign.extensions import db
from campaign.mail.transports import outbox_file_name
from campaign.models import (
    Answer,
    Attachment,
    Authority,
    AuthorityTag,
    Campaign,
    Event,
    Message,
    Question,
    Request,
)
from campaign.services.authorities import load_uk_councils
from campaign.services.demo import DEMO_SLUG, DEMO_TAG, demo_data, mbox_path
from campaign.services.demo_mail import DEMO_MESSAGE_DOMAIN
from campaign.services.files import blob_path, store_blob

LIMIT = 30
KENT_ADDRESS = "foi@kent.gov.uk.example"
SLUG = f"{DEMO_SLUG}-2"  # the test's own campaign has the demo's usual name
REAL_REPLIES = {
    "Coventry City Council": "REQ04543",
    "Kent County Council": "1189733",
    "Manchester City Council": "SOL/AYCBWB",
    "London Borough of Southwark": "943388",
    "Suffolk County Council": "16079",
}


@pytest.fixture
def runner(app):
    app.cli.add_command(demo)
    return app.test_cli_runner()


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0


def _row_counts() -> dict[str, int]:
    return {
        model.__name__: _count(model)
        for model in (Campaign, Question, Request, Message, Answer, Event, AuthorityTag)
    }


def _stored_files(app) -> set[Path]:
    roots = [Path(app.config["FILES_DIR"]), Path(app.config["OUTBOX_DIR"])]
    return {p for root in roots if root.exists() for p in root.rglob("*") if p.is_file()}


def _own_campaign(app, make_authority) -> tuple[int, int]:
    """A campaign of the user's own with a reply on file, which the demo must never touch."""
    from campaign.models.base import utcnow

    authority_id = make_authority(name="Own Borough Council", foi_email="foi@own.gov.uk")
    with app.app_context():
        # Named as the demo would be: the demo must take another name, not this campaign.
        campaign = Campaign(slug=DEMO_SLUG, title="Our own campaign")
        request = Request(
            campaign=campaign, authority_id=authority_id, token="owntoken1", status="sent"
        )
        request.sent_at = utcnow()
        db.session.add_all([campaign, request])
        db.session.flush()
        # The same PDF as one of the demo's replies: a file both use must outlive the demo.
        pdf = demo_data("replies/djl-southwark-943388.pdf").read_bytes()
        message = Message(
            request_id=request.id,
            direction="inbound",
            kind="acknowledgement",
            message_id="own-ack@own.gov.uk",
            inbound_key="own-ack@own.gov.uk",
            subject="Thanks",
        )
        message.attachments.append(
            Attachment(sha256=store_blob(pdf), filename="943388.pdf", size=len(pdf))
        )
        db.session.add(message)
        db.session.commit()
        return campaign.id, authority_id


def test_demo_tells_the_whole_story_and_goes_away_cleanly(
    app, runner, client, auth, make_authority
):
    own_campaign_id, own_authority_id = _own_campaign(app, make_authority)
    with app.app_context():  # one council already has an address a person typed in
        load_uk_councils()
        kent = db.session.scalar(sa.select(Authority).where(Authority.code == "KEN"))
        kent.foi_email = KENT_ADDRESS
        db.session.commit()

    result = runner.invoke(args=["demo", "--limit", str(LIMIT)])
    assert result.exit_code == 0, result.output
    assert f"Authorities: {LIMIT} councils" in result.output
    assert f"Letters written to the outbox: {LIMIT}." in result.output
    for path in (f"/campaigns/{SLUG}", f"/campaigns/{SLUG}/dashboard", f"/p/{SLUG}"):
        assert path in result.output

    with app.app_context():
        campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == SLUG))
        # Labelled as demo data everywhere it shows.
        assert campaign.is_demo and "(demo)" in campaign.title
        assert "DEMONSTRATION DATA" in campaign.methodology
        assert campaign.is_public and campaign.published_at is not None
        questions = [q.text for q in campaign.questions]
        assert len(questions) == 7 and questions[6] == "Any contracts relating to the systems."

        requests = db.session.scalars(
            sa.select(Request).where(Request.campaign_id == campaign.id)
        ).all()
        assert len(requests) == LIMIT
        assert any(r.law == "foisa" for r in requests), "a Scottish council goes under FOISA"
        outbox = Path(app.config["OUTBOX_DIR"])
        for request in requests:
            if request.authority.code == "KEN":  # the demo gives addresses only where none is
                assert request.authority.foi_email == KENT_ADDRESS
                assert DEMO_TAG not in request.authority.tag_names
                continue
            assert request.authority.foi_email.endswith(".demo.invalid")
            assert DEMO_TAG in request.authority.tag_names
            letter = next(m for m in request.messages if m.kind == "request")
            assert (
                letter.sent_at is not None
                and (outbox / outbox_file_name(letter.message_id)).exists()
            )
            assert (letter.created_at.date() - campaign.published_at.date()).days <= -40

        # Each real reply lands on its own council's request with the reference it states.
        by_name = {r.authority.name: r for r in requests}
        for name, reference in REAL_REPLIES.items():
            request = by_name[name]
            assert request.reference_id == reference, name
            replies = [m for m in request.messages if m.direction == "inbound"]
            assert replies and all(
                m.source == "import" and m.match_state == "matched" for m in replies
            )
        assert by_name["Coventry City Council"].status == RequestStatus.PARTIALLY_SUCCESSFUL.value
        assert by_name["London Borough of Southwark"].status == RequestStatus.NOT_HELD.value

        statuses = {r.status for r in requests}
        assert {"overdue", "awaiting_clarification", "delivery_failed", "extended"} <= statuses
        assert "review_requested" in statuses
        kinds = {m.kind for r in requests for m in r.messages}
        assert {"acknowledgement", "clarification", "bounce", "extension", "refusal"} <= kinds
        assert {"chaser", "review_request"} <= kinds
        auto_reply = [m for r in requests for m in r.messages if m.subject.startswith("Automatic")]
        assert auto_reply and auto_reply[0].kind == "other"
        # Every demo reply says it is one, except the councils' own words.
        for request in requests:
            for message in request.messages:
                if message.direction == "inbound" and request.authority.name not in REAL_REPLIES:
                    assert "Demonstration" in message.body_text or message.kind == "bounce"
                    assert message.message_id.endswith(f"@{DEMO_MESSAGE_DOMAIN}")

        # A reply from an officer's own address waits in the Inbox for a person to confirm.
        held = db.session.scalars(sa.select(Message).where(Message.match_state == "held")).all()
        assert len(held) == 1 and held[0].request_id is None
        assert held[0].suggested_request_id in {r.id for r in requests}

        # The Scottish Act numbers its sections differently: no UK Act sections cited there.
        for request in requests:
            if request.law == "foisa":
                for message in request.messages:
                    if message.direction == "inbound":
                        for section in ("10(3)", "section 12", "section 21", "40(2)", "43(2)"):
                            assert section not in message.body_text

        # Replies are dated between the letters and today, and came through the mbox.
        reply_times = [
            m.received_at for r in requests for m in r.messages if m.direction == "inbound"
        ]
        assert min(reply_times) > min(r.sent_at for r in requests)
        imported = _count(Message, Message.message_id.endswith(f"@{DEMO_MESSAGE_DOMAIN}"))
        assert len(mailbox.mbox(mbox_path())) == imported == len(reply_times) + 1  # + held one

        # Answers per question, with per-question outcomes (refused under s12, s43 ...).
        answers = db.session.scalars(
            sa.select(Answer).join(Request).where(Request.campaign_id == campaign.id)
        ).all()
        assert {a.question.position for a in answers} == set(range(1, 8))
        outcomes = {a.outcome for a in answers}
        assert {"disclosed", "not_held", "refused", "published_elsewhere"} <= outcomes
        assert {"s12", "s43", "s40", "s21"} <= {e for a in answers for e in a.exemptions}
        mentions = {m.name for r in requests for m in r.mentions}
        assert {"Capita One", "FFT Aspire", "Xantura", "Risk Based Verification"} <= mentions
        coventry = {
            a.question.position: a.outcome for a in by_name["Coventry City Council"].answers
        }
        assert coventry[2] == "not_held" and coventry[7] == "published_elsewhere"

        before = _row_counts()
    files_before = _stored_files(app)

    # Running it again adds nothing.
    again = runner.invoke(args=["demo", "--limit", str(LIMIT)])
    assert again.exit_code == 0, again.output
    assert "already exists" in again.output and "campaign demo --remove" in again.output
    with app.app_context():
        assert _row_counts() == before
    assert _stored_files(app) == files_before

    # The pages have something to show, and say it is a demo.
    public = client.get(f"/p/{SLUG}")
    assert public.status_code == 200 and "DEMONSTRATION DATA" in public.get_data(as_text=True)
    auth.login()
    listing = client.get("/campaigns/").get_data(as_text=True)
    assert "(demo)" in listing and 'class="badge">demo<' in listing
    overdue = client.get(f"/campaigns/{SLUG}/overdue")
    assert overdue.status_code == 200 and "demo" in overdue.get_data(as_text=True)
    for page in (f"/campaigns/{SLUG}", f"/campaigns/{SLUG}/dashboard"):
        response = client.get(page)
        assert response.status_code == 200, page
        assert "Coventry City Council" in response.get_data(as_text=True) or "dashboard" in page

    removed = runner.invoke(args=["demo", "--remove"])
    assert removed.exit_code == 0, removed.output
    assert "Removed the demo: 1 campaign(s)" in removed.output
    with app.app_context():
        assert _count(Campaign, Campaign.is_demo.is_(True)) == 0
        assert _count(Request, Request.campaign_id != own_campaign_id) == 0
        assert _count(Message, Message.message_id.endswith(f"@{DEMO_MESSAGE_DOMAIN}")) == 0
        assert _count(Message) == 1, "only our own campaign's message is left"
        assert _count(Answer) == 0
        assert _count(AuthorityTag, AuthorityTag.tag == DEMO_TAG) == 0
        assert _count(Authority, Authority.foi_email.endswith(".demo.invalid")) == 0
        # The councils stay, and so does everything of our own.
        assert _count(Authority, Authority.code.isnot(None)) >= LIMIT
        assert _count(Authority, Authority.foi_email == KENT_ADDRESS) == 1
        own = db.session.get(Authority, own_authority_id)
        assert own.foi_email == "foi@own.gov.uk"
        own_campaign = db.session.get(Campaign, own_campaign_id)
        assert own_campaign.title == "Our own campaign" and own_campaign.slug == DEMO_SLUG
        assert _count(Request, Request.campaign_id == own_campaign_id) == 1
    assert not mbox_path_exists(app)
    with app.app_context():
        shared = blob_path(db.session.scalar(sa.select(Attachment.sha256)))
    assert _stored_files(app) == {shared}, "every file only the demo used is gone"

    nothing = runner.invoke(args=["demo", "--remove"])
    assert nothing.exit_code == 0 and "no demo to remove" in nothing.output


def mbox_path_exists(app) -> bool:
    with app.app_context():
        return mbox_path().exists()


def test_the_demo_refuses_to_run_on_a_real_mail_service(make_app):
    app = make_app(
        MAIL_TRANSPORT="mailgun",
        MAILGUN_API_KEY="key-test",
        MAILGUN_DOMAIN="mg.example.org",
        MAIL_DOMAIN="mg.example.org",
    )
    app.cli.add_command(demo)
    result = app.test_cli_runner().invoke(args=["demo", "--limit", "5"])
    assert result.exit_code != 0
    assert "outbox" in result.output
    with app.app_context():
        assert _count(Campaign) == 0 and _count(Authority) == 0
