"""Mailgun's inbound route posting replies to /webhooks/mailgun/inbound, signed like Mailgun."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest
from fakes.pdf import make_pdf
from fakes.replies import forward_form, reply_email, signature_fields
from flask import Flask
from reply_support import inbound_messages, request_state

KEY = "key-inbound-signing-test"
URL = "/webhooks/mailgun/inbound"
ACK = (
    "Thank you for your request for information, received on 3 May 2018. We will respond "
    "within 20 working days. Our ref: FOI/2018/1234"
)


@pytest.fixture
def app(make_app) -> Flask:
    return make_app(MAILGUN_WEBHOOK_SIGNING_KEY=KEY, INBOUND_MAX_MB=2)


def incoming_markers(app: Flask) -> list[str]:
    """Accepted messages not yet stored by the worker."""
    directory = Path(app.config["FILES_DIR"]) / "incoming"
    return sorted(p.name for p in directory.iterdir()) if directory.is_dir() else []


def post(client, form: dict, url: str = URL):
    return client.post(url, data=form, content_type="multipart/form-data")


def test_a_forwarded_reply_with_a_pdf_is_stored_matched_and_read(app, client, sent_request):
    sent = sent_request()
    pdf = make_pdf([["Request reference: REQ04543", "This information is not held."]])
    form = forward_form(
        KEY,
        recipient=sent.reply_to,
        sender=sent.authority_email,
        body="Please find attached our response.",
        attachments=[("Response REQ04543.pdf", "application/pdf", pdf)],
    )
    response = post(client, form)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["status"] == "accepted"
    [message] = inbound_messages(app)
    assert message["source"] == "webhook" and message["request_id"] == sent.request_id
    assert [a[0] for a in message["attachments"]] == ["Response REQ04543.pdf"]
    assert request_state(app, sent.request_id)["reference_id"] == "REQ04543"


def test_the_raw_mime_variant_takes_the_same_path(app, client, sent_request):
    sent = sent_request()
    raw = reply_email(to=sent.reply_to, sender=sent.authority_email, body=ACK)
    form = {"recipient": sent.reply_to, "body-mime": raw.decode(), **signature_fields(KEY)}
    response = post(client, form, url=URL + "/mime")
    assert response.status_code == 200
    [message] = inbound_messages(app)
    assert message["request_id"] == sent.request_id and message["kind"] == "acknowledgement"


def test_redelivery_of_the_same_message_is_stored_once(app, client, sent_request):
    sent = sent_request()
    first = forward_form(KEY, recipient=sent.reply_to, message_id="same@council.example")
    again = forward_form(KEY, recipient=sent.reply_to, message_id="same@council.example")
    assert post(client, first).json["status"] == "accepted"
    response = post(client, again)
    assert response.status_code == 200 and response.json["status"] == "accepted"
    assert len(inbound_messages(app)) == 1
    assert incoming_markers(app) == []


@pytest.mark.parametrize(
    ("signature", "reason"),
    [
        ({"signature": "0" * 64}, "signature invalid"),
        ({"age": 16 * 60}, "signature stale"),
        ({"age": -16 * 60}, "signature future"),
        ({"timestamp": "soon"}, "signature malformed"),
    ],
)
def test_bad_signatures_are_refused_and_nothing_is_stored(
    app, client, sent_request, signature, reason
):
    sent = sent_request()
    form = forward_form(
        KEY, recipient=sent.reply_to, **{k: v for k, v in signature.items() if k == "age"}
    )
    form.update({k: v for k, v in signature.items() if k != "age"})
    response = post(client, form)
    assert response.status_code == 406 and response.json["error"] == reason
    assert inbound_messages(app) == []


def test_a_forged_key_is_refused(app, client, sent_request):
    sent = sent_request()
    response = post(client, forward_form("another-key", recipient=sent.reply_to))
    assert response.status_code == 406
    assert inbound_messages(app) == []


def test_a_replayed_post_is_refused(app, client, sent_request):
    sent = sent_request()
    form = forward_form(KEY, recipient=sent.reply_to)
    assert post(client, dict(form)).status_code == 200
    replay = dict(form, **{"message-headers": "[]", "Message-Id": "<other@x>"})
    response = post(client, replay)
    assert response.status_code == 406 and "replay" in response.json["error"]
    assert len(inbound_messages(app)) == 1
    assert incoming_markers(app) == []  # the replayed body is never stored


@pytest.mark.parametrize("missing", ["timestamp", "token", "signature"])
def test_missing_signature_fields_are_a_clear_400(app, client, sent_request, missing):
    sent = sent_request()
    form = forward_form(KEY, recipient=sent.reply_to)
    del form[missing]
    response = post(client, form)
    assert response.status_code == 400 and missing in response.json["error"]


def test_an_oversized_post_is_refused_before_reading(app, client, sent_request):
    sent = sent_request()
    big = ("big.pdf", "application/pdf", b"%PDF-1.4\n" + b"0" * (4 * 1024 * 1024))
    response = post(client, forward_form(KEY, recipient=sent.reply_to, attachments=[big]))
    assert response.status_code == 413
    assert inbound_messages(app) == []


def test_without_a_signing_key_the_webhook_is_off(make_app):
    app = make_app(MAILGUN_WEBHOOK_SIGNING_KEY="")
    response = app.test_client().post(URL, data={"x": "y"})
    assert response.status_code == 503


def test_malformed_mime_is_stored_with_notes_not_crashed(app, client):
    junk = (
        b"From: \xff\xfe broken\r\nSubject: =?bogus?Q?x?=\r\n"
        b"Content-Type: multipart/mixed; boundary=zz\r\n\r\n"
        b"--zz\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!notbase64\r\n"
    )
    form = {"body-mime": junk.decode("latin-1"), **signature_fields(KEY)}
    response = post(client, form, url=URL + "/mime")
    assert response.status_code == 200
    [message] = inbound_messages(app)
    assert message["processing_state"] == "processed" and message["match_state"] == "unmatched"


def test_html_with_scripts_and_tracking_pixels_is_stored_raw(app, client, sent_request):
    sent = sent_request()
    form = forward_form(KEY, recipient=sent.reply_to, sender=sent.authority_email)
    form["body-html"] = '<p>Hi</p><script>alert(1)</script><img src="https://t.example/p.gif">'
    assert post(client, form).status_code == 200
    assert inbound_messages(app)[0]["request_id"] == sent.request_id


def test_many_attachments_are_kept_up_to_the_limit_and_the_rest_noted(app, client, sent_request):
    sent = sent_request()
    files = [(f"page-{n}.txt", "text/plain", f"page {n}".encode()) for n in range(120)]
    form = forward_form(
        KEY, recipient=sent.reply_to, sender=sent.authority_email, attachments=files
    )
    assert post(client, form).status_code == 200
    [message] = inbound_messages(app)
    assert len(message["attachments"]) == 100
    assert sum("not kept" in note for note in message["notes"]) == 20


def test_a_zip_of_pdfs_is_listed_and_extracted(app, client, sent_request):
    import zipfile

    sent = sent_request()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("response/letter.pdf", make_pdf([["This information is not held."]]))
        archive.writestr("../../etc/passwd.pdf", make_pdf([["Annex"]]))
    form = forward_form(
        KEY,
        recipient=sent.reply_to,
        sender=sent.authority_email,
        attachments=[("documents.zip", "application/zip", buffer.getvalue())],
    )
    assert post(client, form).status_code == 200
    [message] = inbound_messages(app)
    names = sorted(a[0] for a in message["attachments"])
    assert names == ["documents.zip", "letter.pdf", "passwd.pdf"]


def test_a_message_whose_job_was_lost_is_stored_by_the_sweep(app, sent_request):
    from campaign.domain.vocabulary import MessageSource
    from campaign.services.ingest import accept_inbound
    from campaign.tasks import process_stored_messages

    sent = sent_request()
    raw = reply_email(to=sent.reply_to, sender=sent.authority_email, body=ACK)
    with app.app_context():
        accepted = accept_inbound(raw, MessageSource.WEBHOOK)  # durable, but never queued
    [marker] = incoming_markers(app)
    assert marker == f"{accepted.sha256}.webhook"
    with app.app_context():
        # Too recent: its job may still be on its way.
        assert process_stored_messages.call_local() == 0
    old = time.time() - 600
    os.utime(Path(app.config["FILES_DIR"]) / "incoming" / marker, (old, old))
    with app.app_context():
        assert process_stored_messages.call_local() == 1
    [message] = inbound_messages(app)
    assert message["request_id"] == sent.request_id and message["source"] == "webhook"
    assert incoming_markers(app) == []
