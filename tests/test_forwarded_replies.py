"""A campaigner forwards an authority's reply to the tool: it lands on the right request."""

from __future__ import annotations

import base64

from fakes.pdf import make_pdf
from flask import Flask
from reply_support import inbound_messages, request_state

from campaign.domain.vocabulary import MessageSource
from campaign.extensions import db
from campaign.models import Message
from campaign.services.ingest import store_inbound

CAMPAIGNER = "sam@campaign.example"
NOT_HELD = (
    "Dear Sam,\n\nFreedom of Information Act 2000 - Request reference: REQ04543\n\n"
    "Following a search of our records, I can confirm that the Council does not hold the "
    "information you requested. This information is not held.\n"
)


def forwarded_reply(sent, *, sender: str = CAMPAIGNER, marker: str | None = None) -> bytes:
    """Gmail's inline forward of the authority's reply, which had copied the reply address."""
    marker = marker or "---------- Forwarded message ---------"
    pdf = base64.encodebytes(make_pdf(["Request reference: REQ04543", "Not held."])).decode()
    return (
        f"From: Sam Campaigner <{sender}>\nTo: inbox@replies.example.org\n"
        "Subject: Fwd: RE: Freedom of Information request\n"
        "Date: Tue, 4 Sep 2018 09:12:00 +0100\nMessage-ID: <fwd-9@mail.campaign.example>\n"
        'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b0"\n\n'
        "--b0\nContent-Type: text/plain; charset=utf-8\n\n"
        "It came to my own address, filing it here.\n\n"
        f"{marker}\nFrom: FOI Team <{sent.authority_email}>\n"
        "Date: Mon, 3 Sep 2018 at 16:45\n"
        "Subject: RE: Freedom of Information request\n"
        f"To: Sam Campaigner <{sender}>\nCc: <{sent.reply_to}>\n\n{NOT_HELD}\n"
        '--b0\nContent-Type: application/pdf; name="response.pdf"\n'
        "Content-Transfer-Encoding: base64\n\n"
        f"{pdf}--b0--\n"
    ).encode()


def store(app: Flask, raw: bytes) -> int:
    with app.app_context():
        stored = store_inbound(raw, MessageSource.IMPORT)
        assert stored.ok, stored.error
        return stored.message_id


def test_a_team_members_forward_is_filed_as_the_authoritys_reply(app, sent_request, make_user):
    make_user("editor", email=CAMPAIGNER)
    sent = sent_request(status="awaiting_response")

    message_pk = store(app, forwarded_reply(sent))

    [message] = inbound_messages(app)
    assert message["request_id"] == sent.request_id
    assert (message["match_state"], message["match_method"]) == ("matched", "token")
    assert message["kind"] in ("response", "refusal")
    state = request_state(app, sent.request_id)
    assert state["reference_id"] == "REQ04543"
    assert state["status"] == "not_held"
    with app.app_context():
        row = db.session.get(Message, message_pk)
        assert row.from_address == sent.authority_email.lower()
        assert row.subject == "RE: Freedom of Information request"
        assert row.sent_at.isoformat().startswith("2018-09-03T15:45")
        assert row.body_text.startswith("Dear Sam,")
        assert [a.filename for a in row.attachments] == ["response.pdf"]
        provenance = " ".join(row.intake_notes)
        assert f"forwarded by {CAMPAIGNER}" in provenance
        assert "filing it here" in provenance


def test_the_same_forward_twice_is_stored_once(app, sent_request, make_user):
    make_user("editor", email=CAMPAIGNER)
    sent = sent_request(status="awaiting_response")

    first = store(app, forwarded_reply(sent))
    with app.app_context():
        again = store_inbound(forwarded_reply(sent), MessageSource.IMPORT)
    assert again.duplicate and again.message_id == first
    assert len(inbound_messages(app)) == 1


def test_a_strangers_forward_is_not_unwrapped(app, sent_request):
    sent = sent_request(status="awaiting_response")

    message_pk = store(app, forwarded_reply(sent, sender="someone@elsewhere.example"))

    with app.app_context():
        row = db.session.get(Message, message_pk)
        assert row.from_address == "someone@elsewhere.example"
        assert not any("forwarded by" in note for note in row.intake_notes)


def test_a_malformed_forward_from_the_team_is_kept_as_it_came(app, sent_request, make_user):
    make_user("editor", email=CAMPAIGNER)
    sent = sent_request(status="awaiting_response")
    raw = forwarded_reply(sent).replace(b"From: FOI Team", b"Frm: FOI Team")

    message_pk = store(app, raw)

    with app.app_context():
        row = db.session.get(Message, message_pk)
        assert row.from_address == CAMPAIGNER
        assert row.processing_state == "processed"
