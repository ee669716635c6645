"""Stored mail as people see it: sanitised bodies, attachments and raw .eml downloads.

Everything here came from outside. Bodies are shown as text, or as HTML cleaned by nh3 with
no scripts and no remote images; files are always downloads (never rendered in our origin)
with the stored type only when it is a well-formed media type, and nosniff.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Blueprint, Response, abort, send_file

from campaign.extensions import db
from campaign.mail.sanitise import sanitise_html
from campaign.models import Attachment, Message
from campaign.services.files import blob_path

bp = Blueprint("messages", __name__)

_MEDIA_TYPE_RE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")
# Types a browser would run or render as a page even as a download target.
_ACTIVE_TYPES = {
    "text/html",
    "application/xhtml+xml",
    "image/svg+xml",
    "text/xml",
    "application/xml",
}


@dataclass(frozen=True)
class MessageView:
    message: Message
    safe_html: str
    attachments: list[Attachment]


def message_view(message: Message) -> MessageView:
    """What a page shows of one message: the HTML body only after sanitising."""
    safe_html = sanitise_html(message.body_html) if message.body_html else ""
    return MessageView(message, safe_html, list(message.attachments))


def download_type(content_type: str) -> str:
    content_type = (content_type or "").split(";")[0].strip().lower()
    if not _MEDIA_TYPE_RE.match(content_type) or content_type in _ACTIVE_TYPES:
        return "application/octet-stream"
    return content_type


def _safe_download(response: Response) -> Response:
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/attachments/<int:attachment_id>")
def attachment(attachment_id: int):
    """One attachment as a download, under the name it was sent with."""
    item = db.session.get(Attachment, attachment_id) or abort(404)
    path = blob_path(item.sha256)
    if not path.exists():
        abort(404)
    response = send_file(
        path,
        mimetype=download_type(item.content_type),
        as_attachment=True,
        download_name=item.filename or "attachment",
        etag=item.sha256,
    )
    return _safe_download(response)


@bp.route("/messages/<int:message_pk>.eml")
def raw_message(message_pk: int):
    """The raw inbound email exactly as it was received."""
    message = db.session.get(Message, message_pk) or abort(404)
    if not message.raw_sha256 or not message.is_inbound:
        abort(404)
    path = blob_path(message.raw_sha256)
    if not path.exists():
        abort(404)
    response = send_file(
        path,
        mimetype="message/rfc822",
        as_attachment=True,
        download_name=f"message-{message.id}.eml",
    )
    return _safe_download(response)
