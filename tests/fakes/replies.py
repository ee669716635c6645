"""Replies as authorities send them: raw emails and Mailgun inbound-route posts, for tests."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from campaign.mail.signatures import sign


def reply_email(
    *,
    to: str,
    sender: str = "foi@test-borough-1.gov.uk",
    subject: str = "RE: Freedom of Information request",
    body: str = "Thank you for your request.",
    html: str | None = None,
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: list[str] | None = None,
    attachments: list[tuple[str, str, bytes]] = (),
    headers: dict[str, str] | None = None,
) -> bytes:
    """One reply as raw RFC 5322 bytes."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = to
    email["Subject"] = subject
    email["Date"] = format_datetime(datetime.now(UTC))
    email["Message-ID"] = f"<{message_id}>" if message_id else make_msgid(domain="council.example")
    if in_reply_to:
        email["In-Reply-To"] = f"<{in_reply_to}>"
    if references:
        email["References"] = " ".join(f"<{ref}>" for ref in references)
    for name, value in (headers or {}).items():
        email[name] = value
    email.set_content(body)
    if html is not None:
        email.add_alternative(html, subtype="html")
    for filename, content_type, data in attachments:
        maintype, _, subtype = content_type.partition("/")
        email.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return email.as_bytes()


def signature_fields(key: str, *, age: int = 0, token: str | None = None) -> dict[str, str]:
    timestamp = str(int(time.time()) - age)
    token = token or secrets.token_hex(25)
    return {"timestamp": timestamp, "token": token, "signature": sign(key, timestamp, token)}


def forward_form(
    key: str,
    *,
    recipient: str,
    sender: str = "foi@test-borough-1.gov.uk",
    subject: str = "RE: Freedom of Information request",
    body: str = "Thank you for your request.",
    message_id: str | None = None,
    attachments: list[tuple[str, str, bytes]] = (),
    **signature: Any,
) -> dict[str, Any]:
    """Mailgun's parsed forward() post: fields plus attachment-N files (for the test client)."""
    import io
    import json

    message_id = message_id or make_msgid(domain="council.example")[1:-1]
    headers = [
        ["From", sender],
        ["To", recipient],
        ["Subject", subject],
        ["Message-Id", f"<{message_id}>"],
        ["Date", format_datetime(datetime.now(UTC))],
    ]
    form: dict[str, Any] = {
        "recipient": recipient,
        "sender": sender,
        "from": sender,
        "subject": subject,
        "body-plain": body,
        "stripped-text": body,
        "message-headers": json.dumps(headers),
        "Message-Id": f"<{message_id}>",
        "attachment-count": str(len(attachments)),
        **signature_fields(key, **signature),
    }
    for n, (filename, content_type, data) in enumerate(attachments, start=1):
        form[f"attachment-{n}"] = (io.BytesIO(data), filename, content_type)
    return form
