"""The baseline for bench/ingest.py: a Flask endpoint that reads Mailgun's inbound post and
verifies its signature, and does nothing else (no storage, no queue)."""

from __future__ import annotations

import os

from flask import Flask, jsonify, request

from campaign.mail.signatures import SignatureCheck, check_signature

app = Flask(__name__)
KEY = os.environ.get("MAILGUN_WEBHOOK_SIGNING_KEY", "")


@app.post("/webhooks/mailgun/inbound")
def inbound():
    form = request.form
    check = check_signature(KEY, form.get("timestamp", ""), form.get("token", ""),
                            form.get("signature", ""))  # fmt: skip
    if check is not SignatureCheck.VALID:
        return jsonify(error=f"signature {check.value}"), 406
    for upload in request.files.values():
        upload.read()
    return jsonify(status="verified"), 200
