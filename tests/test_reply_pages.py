"""The request page shows the whole thread safely; the Inbox lets a person file stray mail."""

from __future__ import annotations

import io

import pytest
from fakes.pdf import make_pdf
from fakes.replies import reply_email
from reply_support import inbound_messages, request_state

from campaign.domain.vocabulary import MessageSource
from campaign.extensions import db
from campaign.models import Message
from campaign.services.ingest import store_inbound

ACK = "Thank you for your request. We will respond within 20 working days. Our ref: CRN00166467"
HOSTILE_HTML = (
    '<p>Our response</p><script>alert("x")</script>'
    '<img src="https://tracker.example/pixel.gif" width="1" height="1">'
    '<a href="javascript:alert(1)">click</a><img src=x onerror="alert(2)">'
)


def store(app, raw: bytes) -> int:
    with app.app_context():
        return store_inbound(raw, MessageSource.WEBHOOK).message_id


def test_the_thread_shows_replies_with_sanitised_html(app, client, auth, sent_request):
    sent = sent_request()
    raw = reply_email(
        to=sent.reply_to,
        sender=sent.authority_email,
        body="",
        html=HOSTILE_HTML,
        attachments=[("response.pdf", "application/pdf", make_pdf([["Not held."]]))],
    )
    store(app, raw)
    auth.login("viewer")
    page = client.get(f"/requests/{sent.request_id}").get_data(as_text=True)
    assert "Our response" in page
    assert "<script>alert" not in page and "tracker.example" not in page
    assert "javascript:" not in page and "onerror" not in page
    assert "response.pdf" in page and "Download the original email" in page


def test_attachments_download_with_safe_headers(app, client, auth, sent_request):
    sent = sent_request()
    pdf = make_pdf([["Not held."]])
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    raw = reply_email(
        to=sent.reply_to,
        sender=sent.authority_email,
        attachments=[("a.pdf", "application/pdf", pdf), ("chart.svg", "image/svg+xml", svg)],
    )
    message_pk = store(app, raw)
    auth.login("viewer")
    with app.app_context():
        pdf_id, svg_id = [a.id for a in db.session.get(Message, message_pk).attachments]
    response = client.get(f"/attachments/{pdf_id}")
    assert response.status_code == 200 and response.data == pdf
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # A type a browser would run is never served as itself.
    risky = client.get(f"/attachments/{svg_id}")
    assert risky.mimetype == "application/octet-stream"
    assert "sandbox" in risky.headers["Content-Security-Policy"]
    raw_download = client.get(f"/messages/{message_pk}.eml")
    assert raw_download.data == raw and raw_download.mimetype == "message/rfc822"


def test_downloads_need_sign_in(app, client, sent_request):
    sent = sent_request()
    message_pk = store(app, reply_email(to=sent.reply_to, sender=sent.authority_email))
    assert client.get(f"/messages/{message_pk}.eml").status_code == 302


def test_a_pdf_posted_by_hand_is_filed_and_read(app, client, auth, forms, sent_request):
    sent = sent_request(status="awaiting_response")
    auth.login("editor")
    pdf = make_pdf([["Our ref: EIR 12/345", "The information you requested is not held."]])
    response = forms.submit(
        f"/requests/{sent.request_id}/upload",
        {"file": (io.BytesIO(pdf), "letter.pdf", "application/pdf")},
        page=f"/requests/{sent.request_id}",
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    [message] = inbound_messages(app)
    assert message["request_id"] == sent.request_id and message["match_method"] == "manual"
    assert message["source"] == "upload"
    state = request_state(app, sent.request_id)
    assert state["reference_id"] == "EIR 12/345" and state["status"] == "not_held"
    # The same file again is recognised, not stored twice.
    forms.submit(
        f"/requests/{sent.request_id}/upload",
        {"file": (io.BytesIO(pdf), "letter.pdf", "application/pdf")},
        page=f"/requests/{sent.request_id}",
        content_type="multipart/form-data",
    )
    assert len(inbound_messages(app)) == 1


def test_an_empty_upload_is_refused_with_a_reason(app, client, auth, forms, sent_request):
    sent = sent_request()
    auth.login("editor")
    response = forms.submit(
        f"/requests/{sent.request_id}/upload",
        {"file": (io.BytesIO(b""), "blank.pdf", "application/pdf")},
        page=f"/requests/{sent.request_id}",
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "blank.pdf is empty" in response.get_data(as_text=True)
    assert inbound_messages(app) == []


def test_viewers_cannot_upload(app, client, auth, forms, sent_request):
    sent = sent_request()
    auth.login("viewer")
    response = forms.submit(
        f"/requests/{sent.request_id}/upload",
        {"file": (io.BytesIO(b"%PDF-1.4"), "letter.pdf", "application/pdf")},
        page=f"/requests/{sent.request_id}",
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    assert inbound_messages(app) == []


def test_an_eml_uploaded_to_the_inbox_is_matched(app, client, auth, forms, sent_request):
    sent = sent_request()
    auth.login("editor")
    raw = reply_email(to=sent.reply_to, sender=sent.authority_email, body=ACK)
    response = forms.submit(
        "/inbox/upload",
        {"file": (io.BytesIO(raw), "reply.eml", "message/rfc822")},
        page="/inbox",
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/requests/{sent.request_id}")
    assert request_state(app, sent.request_id)["reference_id"] == "CRN00166467"


def test_the_inbox_lists_unmatched_mail_and_a_person_assigns_it(
    app, client, auth, forms, sent_request
):
    sent = sent_request(name="Kent County Council", foi_email="foi@kent.gov.uk")
    raw = reply_email(to="info@elsewhere.example", sender="officer@contractor.example", body=ACK)
    message_pk = store(app, raw)
    auth.login("editor")
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "officer@contractor.example" in inbox
    found = client.get(f"/inbox/{message_pk}?q=kent").get_data(as_text=True)
    assert "Kent County Council" in found
    response = forms.submit(
        f"/inbox/{message_pk}/assign",
        {"request_id": sent.request_id, "learn_sender": "y"},
        page=f"/inbox/{message_pk}",
    )
    assert response.headers["Location"] == f"/requests/{sent.request_id}"
    [message] = inbound_messages(app)
    assert message["request_id"] == sent.request_id and message["match_method"] == "manual"
    assert request_state(app, sent.request_id)["reference_id"] == "CRN00166467"
    assert "Nothing waiting" in client.get("/inbox").get_data(as_text=True)


def test_a_person_sets_the_status_and_it_shows_as_manual(app, client, auth, forms, sent_request):
    sent = sent_request()
    auth.login("editor")
    forms.submit(
        f"/requests/{sent.request_id}/status",
        {"status": "successful", "reason": "answered by post"},
        page=f"/requests/{sent.request_id}",
    )
    state = request_state(app, sent.request_id)
    assert state["status"] == "successful" and state["manual"]
    page = client.get(f"/requests/{sent.request_id}").get_data(as_text=True)
    assert "set by hand" in page
    forms.submit(
        f"/requests/{sent.request_id}/status",
        {"status": "automatic"},
        page=f"/requests/{sent.request_id}",
    )
    assert not request_state(app, sent.request_id)["manual"]


@pytest.mark.parametrize("status", ["answered", "", "<script>"])
def test_unknown_statuses_are_refused(app, client, auth, forms, sent_request, status):
    sent = sent_request()
    auth.login("editor")
    forms.submit(
        f"/requests/{sent.request_id}/status",
        {"status": status},
        page=f"/requests/{sent.request_id}",
    )
    assert request_state(app, sent.request_id)["status"] == "sent"
