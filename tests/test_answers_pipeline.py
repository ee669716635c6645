"""A final reply that arrives through the real pipeline gets its answers read with its
campaign's questions and stored with their source page; mail filed by hand later gets the same.

The replies here answer unmistakably (each question quoted, its answer beneath), so what they
check is the storing; the outcomes themselves come from the per-question reader.
"""

from __future__ import annotations

import sqlalchemy as sa
from fakes.pdf import make_pdf
from fakes.replies import reply_email
from test_answers_support import QUESTIONS, answers_of, live_campaign

from campaign.domain.vocabulary import MessageSource
from campaign.extensions import db
from campaign.mail.compose import reply_address
from campaign.models import Authority, Event, Message, Request
from campaign.services.ingest import store_inbound
from campaign.services.replies import assign_message

ANSWERED_IN_THE_BODY = f"""Dear Requester,

Freedom of Information request, our reference FOI-2026-0412

Thank you for your request for information. Our response is below.

1. {QUESTIONS[0]}
The information is not held.

2. {QUESTIONS[1]}
The software is supplied by Xantura. Please find attached the contract summary.

3. {QUESTIONS[2]}
The information is not held.

Yours sincerely,
Information Governance Team
"""

COVER_NOTE = "Dear Requester,\n\nPlease find attached our response to your request.\n\nFOI Team"
LETTER_PAGES = [
    [
        "Freedom of Information Act 2000 - our reference FOI-2026-0413",
        "Dear Requester,",
        "Thank you for your request for information received on 1 March.",
    ],
    [
        f"1. {QUESTIONS[0]}",
        "The information is not held.",
        f"2. {QUESTIONS[1]}",
        "The information is not held.",
        f"3. {QUESTIONS[2]}",
        "The information is not held.",
    ],
]


def reply_to(app, request_id: int, **fields) -> int:
    """A reply to the request's token address, stored and processed by the real pipeline."""
    with app.app_context():
        request = db.session.get(Request, request_id)
        raw = reply_email(
            to=reply_address(request.token, app.config["MAIL_DOMAIN"]),
            sender=request.sent_to,
            subject="RE: Freedom of Information request",
            **fields,
        )
        return store_inbound(raw, MessageSource.WEBHOOK).message_id


def test_a_reply_answering_in_its_body_fills_every_question(app):
    """Depends on the per-question reader for the outcomes."""
    setup = live_campaign(app)
    request_id = setup.request_ids[0]
    message_id = reply_to(app, request_id, body=ANSWERED_IN_THE_BODY)
    with app.app_context():
        message = db.session.get(Message, message_id)
        assert (message.request_id, message.kind) == (request_id, "response")
    answers = answers_of(app, request_id)
    assert [answers[n].outcome for n in (1, 2, 3)] == ["not_held", "disclosed", "not_held"]
    assert all(a.message_id == message_id and a.attachment_id is None for a in answers.values())
    assert all(a.page == 1 for a in answers.values())
    assert "not held" in answers[1].excerpt


def test_a_letter_attached_as_a_pdf_points_at_its_page(app):
    """Depends on the per-question reader for the outcomes and pages."""
    setup = live_campaign(app)
    request_id = setup.request_ids[0]
    message_id = reply_to(
        app,
        request_id,
        body=COVER_NOTE,
        attachments=[("FOI-2026-0413 response.pdf", "application/pdf", make_pdf(LETTER_PAGES))],
    )
    with app.app_context():
        message = db.session.get(Message, message_id)
        assert message.kind in ("response", "refusal")
        [pdf] = message.attachments
    answers = answers_of(app, request_id)
    assert {a.outcome for a in answers.values()} == {"not_held"}
    assert {(a.attachment_id, a.page) for a in answers.values()} == {(pdf.id, 2)}


def test_an_acknowledgement_stores_no_answers(app):
    setup = live_campaign(app)
    request_id = setup.request_ids[0]
    reply_to(
        app,
        request_id,
        body="Thank you for your request. We will respond within 20 working days. Ref FOI-1.",
    )
    assert answers_of(app, request_id) == {}


def test_a_reply_filed_by_hand_from_the_inbox_gets_its_answers(app, make_user):
    """Depends on the per-question reader for the outcomes."""
    setup = live_campaign(app)
    request_id = setup.request_ids[0]
    make_user("editor", email="filer@example.org")
    with app.app_context():
        raw = reply_email(
            to="someone-else@example.org",
            sender="records@elsewhere.example",
            subject="Your information request",
            body=ANSWERED_IN_THE_BODY,
        )
        message_id = store_inbound(raw, MessageSource.WEBHOOK).message_id
        message = db.session.get(Message, message_id)
        assert message.request_id is None and message.kind == "response"
    assert answers_of(app, request_id) == {}
    with app.app_context():
        from campaign.models import User

        user = db.session.scalar(sa.select(User).where(User.email == "filer@example.org"))
        assign_message(
            db.session.get(Message, message_id),
            db.session.get(Request, request_id),
            user.id,
            learn_sender=False,
        )
    answers = answers_of(app, request_id)
    assert answers[1].outcome == "not_held" and answers[1].message_id == message_id
    with app.app_context():
        kinds = db.session.scalars(
            sa.select(Event.kind).where(Event.request_id == request_id).order_by(Event.id)
        ).all()
    assert "answers_read" in kinds


def test_a_failing_reader_still_files_the_reply_and_says_so_on_the_timeline(app, monkeypatch):
    def broken(analysis, questions):
        raise RuntimeError("reader bug")

    monkeypatch.setattr("campaign.services.answers.answers_for", broken)
    setup = live_campaign(app)
    request_id = setup.request_ids[0]
    message_id = reply_to(app, request_id, body=ANSWERED_IN_THE_BODY)
    with app.app_context():
        message = db.session.get(Message, message_id)
        assert message.processing_state == "processed" and message.request_id == request_id
        request = db.session.get(Request, request_id)
        assert request.status != "awaiting_response"
        event = db.session.scalar(
            sa.select(Event).where(Event.request_id == request_id, Event.kind == "answers_not_read")
        )
        assert "reader bug" in event.detail["error"]
        assert db.session.get(Authority, request.authority_id) is not None
    assert answers_of(app, request_id) == {}
