"""Replies stored, read, matched and applied: the tracking half, through store_inbound."""

from __future__ import annotations

import threading
from datetime import date

import pytest
import sqlalchemy as sa
from fakes.pdf import make_pdf
from fakes.replies import reply_email
from flask import Flask
from reply_support import inbound_messages, request_state

from campaign.domain.vocabulary import MessageSource
from campaign.extensions import db
from campaign.models import AuthorityAddress, Message, Request
from campaign.services import replies
from campaign.services.files import blob_path
from campaign.services.ingest import store_inbound
from campaign.services.replies import assign_message, process_message, retry_message
from campaign.services.statuses import set_status_by_hand

ACK = (
    "Dear Sir or Madam,\n\nThank you for your request for information, which we received on "
    "3 May 2018. Your request is being dealt with under the Freedom of Information Act 2000 "
    "and we will respond within 20 working days.\n\nYour reference number is FOI/2018/1234.\n"
)
NOT_HELD = [
    "Freedom of Information Act 2000 - Request reference: REQ04543",
    "Thank you for your request for information.",
    "Following a search of our records, I can confirm that the Council does not hold",
    "the information you requested. This information is not held.",
    "If you are dissatisfied with the handling of your request, you have the right to ask",
    "for an internal review within 40 working days.",
]


def store(app: Flask, raw: bytes, **kwargs) -> int:
    with app.app_context():
        stored = store_inbound(raw, kwargs.pop("source", MessageSource.IMPORT), **kwargs)
        assert stored.ok, stored.error
        return stored.message_id


def test_an_acknowledgement_to_the_reply_address_sets_reference_and_status(app, sent_request):
    sent = sent_request()
    store(app, reply_email(to=sent.reply_to, sender=sent.authority_email, body=ACK))
    [message] = inbound_messages(app)
    assert message["request_id"] == sent.request_id
    assert (message["match_state"], message["match_method"]) == ("matched", "token")
    assert message["kind"] == "acknowledgement"
    state = request_state(app, sent.request_id)
    assert state["status"] == "awaiting_response"
    assert state["reference_id"] == "FOI/2018/1234"
    assert "message" in state["reference_source"]
    kinds = [kind for kind, *_ in state["events"]]
    assert kinds == ["message_received", "reference_recorded", "status_changed"]


def test_a_pdf_reply_is_stored_content_addressed_and_read(app, sent_request):
    sent = sent_request(status="awaiting_response")
    pdf = make_pdf([NOT_HELD])
    raw = reply_email(
        to=sent.reply_to,
        sender="jane.smith@test-borough-1.gov.uk",
        subject="Your request for information",
        body="Please find our response attached.",
        attachments=[("response.pdf", "application/pdf", pdf)],
    )
    store(app, raw)
    [message] = inbound_messages(app)
    [(filename, sha256, parse_state)] = message["attachments"]
    assert filename == "response.pdf" and parse_state == "parsed"
    with app.app_context():
        assert blob_path(sha256).read_bytes() == pdf
        stored = db.session.get(Message, message["id"])
        assert blob_path(stored.raw_sha256).read_bytes() == raw
        assert "not hold" in " ".join(stored.attachments[0].pages)
    assert message["kind"] == "response"
    state = request_state(app, sent.request_id)
    assert state["status"] == "not_held"
    assert state["reference_id"] == "REQ04543"


def test_the_same_email_twice_is_stored_once(app, sent_request):
    sent = sent_request()
    raw = reply_email(to=sent.reply_to, sender=sent.authority_email, body=ACK)
    first = store(app, raw)
    with app.app_context():
        again = store_inbound(raw, MessageSource.WEBHOOK)
    assert again.duplicate and again.message_id == first
    assert len(inbound_messages(app)) == 1


def test_a_reply_in_thread_without_the_token_matches_by_message_id(app, sent_request):
    sent = sent_request()
    raw = reply_email(
        to="foi-replies@elsewhere.example",
        sender=sent.authority_email,
        body=ACK,
        in_reply_to=sent.letter_message_id,
    )
    store(app, raw)
    [message] = inbound_messages(app)
    assert (message["request_id"], message["match_method"]) == (sent.request_id, "thread")


def test_a_known_reference_id_matches(app, sent_request):
    sent = sent_request()
    with app.app_context():
        db.session.get(Request, sent.request_id).reference_id = "FOI/2018/1234"
        db.session.commit()
    store(app, reply_email(to="someone@elsewhere.example", sender=sent.authority_email, body=ACK))
    [message] = inbound_messages(app)
    assert (message["request_id"], message["match_method"]) == (sent.request_id, "reference")


def test_sender_domain_and_subject_match_without_token(app, sent_request):
    sent = sent_request()
    raw = reply_email(
        to="someone@elsewhere.example",
        sender="case.officer@test-borough-1.gov.uk",
        subject="RE: Freedom of Information request: data analytics and algorithmic systems",
        body=ACK,
    )
    store(app, raw)
    [message] = inbound_messages(app)
    assert (message["request_id"], message["match_method"]) == (sent.request_id, "sender")


def test_sender_known_but_subject_unrelated_waits_with_a_suggestion(app, sent_request):
    sent = sent_request()
    raw = reply_email(to="x@elsewhere.example", sender=sent.authority_email, subject="Hello")
    store(app, raw)
    [message] = inbound_messages(app)
    assert message["request_id"] is None and message["match_state"] == "unmatched"
    assert message["suggested_request_id"] == sent.request_id


def test_a_token_one_character_off_is_suggested_not_applied(app, sent_request):
    sent = sent_request()
    swapped = sent.token[:4] + ("0" if sent.token[4] != "0" else "1") + sent.token[5:]
    raw = reply_email(to=f"foi+{swapped}@replies.example.org", sender="a@b.example")
    store(app, raw)
    [message] = inbound_messages(app)
    assert message["request_id"] is None and message["match_state"] == "unmatched"
    assert message["suggested_request_id"] == sent.request_id
    assert request_state(app, sent.request_id)["status"] == "sent"


def test_a_stranger_writing_to_a_valid_token_is_held_until_a_person_vouches(app, sent_request):
    sent = sent_request()
    raw = reply_email(
        to=sent.reply_to, sender="foi@outsourced-foi.example", body=ACK, message_id="one@x"
    )
    store(app, raw)
    [message] = inbound_messages(app)
    assert message["match_state"] == "held" and message["request_id"] is None
    assert message["suggested_request_id"] == sent.request_id
    assert request_state(app, sent.request_id)["status"] == "sent"

    with app.app_context():
        held = db.session.get(Message, message["id"])
        assign_message(held, db.session.get(Request, sent.request_id), None, learn_sender=True)
        learned = db.session.scalars(sa.select(AuthorityAddress.address)).all()
    assert learned == ["foi@outsourced-foi.example"]
    state = request_state(app, sent.request_id)
    assert state["status"] == "awaiting_response" and state["reference_id"] == "FOI/2018/1234"

    # The next message from that address is trusted.
    store(app, reply_email(to=sent.reply_to, sender="foi@outsourced-foi.example", body="More"))
    assert inbound_messages(app)[1]["match_state"] == "matched"


def test_unrelated_mail_waits_in_the_inbox(app, sent_request):
    sent_request()
    store(app, reply_email(to="info@elsewhere.example", sender="news@shop.example", body="Sale"))
    [message] = inbound_messages(app)
    assert message["match_state"] == "unmatched" and message["suggested_request_id"] is None


def test_out_of_office_never_counts_as_a_response(app, sent_request):
    sent = sent_request()
    raw = reply_email(
        to=sent.reply_to,
        sender=sent.authority_email,
        subject="Automatic reply: Freedom of Information request",
        body="I am out of the office until Monday 14 May with no access to email.",
        headers={"Auto-Submitted": "auto-replied"},
    )
    store(app, raw)
    [message] = inbound_messages(app)
    assert message["kind"] == "other" and message["request_id"] == sent.request_id
    assert request_state(app, sent.request_id)["status"] == "sent"


def test_an_extension_moves_the_due_date_out(app, sent_request):
    sent = sent_request(status="awaiting_response")
    with app.app_context():
        db.session.get(Request, sent.request_id).due_on = date(2018, 6, 1)
        db.session.commit()
    body = (
        "Dear Requester,\n\nWe are considering the public interest test under section 10(3) of "
        "the Freedom of Information Act in relation to the section 31 exemption, and need to "
        "extend the time for responding to your request. We now expect to respond by "
        "29 June 2018.\n"
    )
    store(app, reply_email(to=sent.reply_to, sender=sent.authority_email, body=body))
    state = request_state(app, sent.request_id)
    assert state["status"] == "extended"
    assert state["due_on"] == date(2018, 6, 29)


def test_a_status_set_by_hand_wins_over_later_replies(app, sent_request):
    sent = sent_request()
    with app.app_context():
        set_status_by_hand(db.session.get(Request, sent.request_id), "withdrawn", None, "dropped")
    store(app, reply_email(to=sent.reply_to, sender=sent.authority_email, body=ACK))
    state = request_state(app, sent.request_id)
    assert state["status"] == "withdrawn" and state["manual"]
    # Withdrawn never moves, so no suggestion either; try again with a status that could move.
    with app.app_context():
        set_status_by_hand(db.session.get(Request, sent.request_id), "sent", None, "")
    raw = reply_email(to=sent.reply_to, sender=sent.authority_email, body=ACK, message_id="2@x")
    store(app, raw)
    state = request_state(app, sent.request_id)
    assert state["status"] == "sent"
    assert ("status_suggested", None, None) in state["events"]


def test_a_second_copy_of_the_job_finishing_first_is_not_applied_again(
    app, sent_request, monkeypatch
):
    """A job queued twice (a restart, `mail process-stored`) reads the reply twice but applies
    it once: the copy that reaches its first write after the other committed stands down."""
    sent = sent_request()
    message_pk = store(app, reply_email(to=sent.reply_to, sender=sent.authority_email, body=ACK),
                       queue=False)  # fmt: skip
    read = replies.analyse_reply
    others: list[object] = []
    started = threading.Event()

    def other_worker(pk: int) -> None:
        with app.app_context():  # its own session and connection
            others.append(process_message(pk))

    def read_while_another_copy_finishes(**kwargs):
        if not started.is_set():  # only the first copy to read starts the other
            started.set()
            thread = threading.Thread(target=other_worker, args=(message_pk,))
            thread.start()
            thread.join(60)
        return read(**kwargs)

    monkeypatch.setattr(replies, "analyse_reply", read_while_another_copy_finishes)
    with app.app_context():
        mine = process_message(message_pk)
    [other] = others
    assert other.state.value == mine.state.value == "processed"
    assert mine.kind == "acknowledgement" and mine.match_state == "matched"
    state = request_state(app, sent.request_id)
    kinds = [kind for kind, *_ in state["events"]]
    assert kinds == ["message_received", "reference_recorded", "status_changed"]
    [message] = inbound_messages(app)
    assert (message["processing_state"], message["processing_error"]) == ("processed", None)


def test_failed_processing_is_kept_with_its_error_and_retried(app, sent_request):
    sent = sent_request()
    raw = reply_email(to=sent.reply_to, sender=sent.authority_email, body=ACK)
    with app.app_context():
        stored = store_inbound(raw, MessageSource.IMPORT, queue=False)
        message = db.session.get(Message, stored.message_id)
        path = blob_path(message.raw_sha256)
        away = path.with_name(path.name + ".away")
        path.rename(away)
        from campaign.services.replies import process_message

        result = process_message(message.id)
    assert result.error and "FileNotFoundError" in result.error
    [failed] = inbound_messages(app)
    assert (
        failed["processing_state"] == "failed" and "FileNotFoundError" in failed["processing_error"]
    )
    away.rename(path)
    with app.app_context():
        retry_message(db.session.get(Message, stored.message_id))
    [done] = inbound_messages(app)
    assert done["processing_state"] == "processed" and done["request_id"] == sent.request_id


@pytest.mark.parametrize("body", [b"", b"   \r\n  "])
def test_empty_input_is_refused_with_a_reason(app, body):
    with app.app_context():
        stored = store_inbound(body, MessageSource.UPLOAD)
    assert not stored.ok and stored.error == "message is empty"
    assert inbound_messages(app) == []


def test_oversized_input_is_refused_with_a_reason(make_app):
    app = make_app(INBOUND_MAX_MB=1)
    with app.app_context():
        stored = store_inbound(b"x" * (1024 * 1024 + 1), MessageSource.UPLOAD)
    assert not stored.ok and "1 MB" in stored.error


def test_a_30_mb_attachment_is_stored_whole(app, sent_request):
    sent = sent_request()
    big = b"%PDF-1.4\n" + bytes(range(256)) * (30 * 1024 * 4)
    raw = reply_email(
        to=sent.reply_to,
        sender=sent.authority_email,
        attachments=[("scan.pdf", "application/pdf", big)],
    )
    store(app, raw)
    [message] = inbound_messages(app)
    [(filename, sha256, parse_state)] = message["attachments"]
    with app.app_context():
        assert blob_path(sha256).stat().st_size == len(big)
    assert filename == "scan.pdf" and parse_state == "unparseable"  # not a readable PDF
    assert message["processing_state"] == "processed"


def test_500_attachments_keep_the_first_hundred_and_say_so(app, sent_request):
    sent = sent_request()
    files = [(f"annex-{n}.txt", "text/plain", f"annex {n}".encode()) for n in range(500)]
    store(app, reply_email(to=sent.reply_to, sender=sent.authority_email, attachments=files))
    [message] = inbound_messages(app)
    assert len(message["attachments"]) == 100
    assert any("not kept" in note for note in message["notes"])
    assert message["processing_state"] == "processed"


def test_missing_message_id_and_8bit_headers_are_stored_and_deduplicated(app, sent_request):
    sent = sent_request()
    raw = (
        b"From: Gw\xc3\xa9n Jones <" + sent.authority_email.encode() + b">\r\n"
        b"To: " + sent.reply_to.encode() + b"\r\n"
        b"Subject: Cais Rhyddid Gwybodaeth \xe2\x80\x93 ateb\r\n"
        b"Content-Type: text/plain; charset=x-unknown\r\n\r\n"
        b"Diolch am eich cais. We will respond within 20 working days.\r\n"
        b"Our ref: FOI/2018/1234\r\n"
    )
    first = store(app, raw)
    with app.app_context():
        again = store_inbound(raw, MessageSource.IMPORT)
        message = db.session.get(Message, first)
        assert message.subject.startswith("Cais Rhyddid Gwybodaeth")
        assert message.from_name == "Gwén Jones"
        assert message.intake_notes[0].startswith("no Message-Id header")
    assert again.duplicate and again.message_id == first
    assert inbound_messages(app)[0]["request_id"] == sent.request_id


def delivery_report(to: str, action: str, recipient: str, letter_id: str) -> bytes:
    """A DSN as mail servers send it: multipart/report with a message/delivery-status part."""
    return (
        f"From: Mail Delivery System <MAILER-DAEMON@mx.test-borough-1.gov.uk>\r\n"
        f"To: {to}\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: <dsn-{action}-{letter_id}>\r\nIn-Reply-To: <{letter_id}>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\n"
        "This is the mail system. Your message could not be delivered.\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.test-borough-1.gov.uk\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: {action}\r\n"
        "Status: 5.1.1\r\n\r\n--b--\r\n"
    ).encode()


def test_a_delivery_report_naming_the_letters_address_fails_the_request(app, sent_request):
    sent = sent_request()
    store(
        app, delivery_report(sent.reply_to, "failed", sent.authority_email, sent.letter_message_id)
    )
    [message] = inbound_messages(app)
    assert message["kind"] == "bounce" and message["request_id"] == sent.request_id
    assert request_state(app, sent.request_id)["status"] == "delivery_failed"


@pytest.mark.parametrize(("action", "recipient"), [("delayed", None), ("failed", "other@x.org")])
def test_a_delay_or_someone_elses_bounce_changes_nothing(app, sent_request, action, recipient):
    sent = sent_request()
    raw = delivery_report(
        sent.reply_to, action, recipient or sent.authority_email, sent.letter_message_id
    )
    store(app, raw)
    assert request_state(app, sent.request_id)["status"] == "sent"
