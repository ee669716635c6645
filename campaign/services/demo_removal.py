"""Taking the demo away again: its campaign and everything under it, the files only it used,
the letters it wrote to the outbox and the addresses it invented for councils.

Only what the demo made is touched: campaigns marked `is_demo`, inbound mail with a demo
Message-Id, and addresses on councils tagged `demo-address` that are still the demo's own. The
councils themselves stay (they are the app's reference data, loaded by `authorities load-uk`).
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from campaign.extensions import db
from campaign.mail.transports import outbox_file_name
from campaign.models import (
    Answer,
    Attachment,
    Authority,
    AuthorityTag,
    Campaign,
    Event,
    LetterVersion,
    Message,
    Question,
    Request,
)
from campaign.models.answer import Mention
from campaign.models.notification import Notification, NotificationPreference, RequestNote
from campaign.models.search import SearchEntry
from campaign.services.demo import DEMO_TAG, RemoveReport, demo_address, mbox_path
from campaign.services.demo_mail import DEMO_MESSAGE_DOMAIN
from campaign.services.files import blob_path


def remove_demo() -> RemoveReport:
    """Delete every demo campaign and what it made; everything else is left as it was."""
    report = RemoveReport()
    campaign_ids = list(
        db.session.scalars(sa.select(Campaign.id).where(Campaign.is_demo.is_(True)))
    )
    request_ids = list(
        db.session.scalars(sa.select(Request.id).where(Request.campaign_id.in_(campaign_ids)))
    )
    messages = db.session.execute(
        sa.select(Message.id, Message.raw_sha256, Message.message_id, Message.direction).where(
            sa.or_(
                Message.request_id.in_(request_ids),
                Message.inbound_key.endswith(f"@{DEMO_MESSAGE_DOMAIN}"),
            )
        )
    ).all()
    message_ids = [m.id for m in messages]
    blobs = {m.raw_sha256 for m in messages if m.raw_sha256}
    blobs |= set(
        db.session.scalars(
            sa.select(Attachment.sha256).where(Attachment.message_id.in_(message_ids))
        )
    )
    outbox = [m.message_id for m in messages if m.direction == "outbound" and m.message_id]

    for statement in (
        sa.delete(SearchEntry).where(SearchEntry.message_id.in_(message_ids)),
        sa.delete(Answer).where(Answer.request_id.in_(request_ids)),
        sa.delete(Mention).where(Mention.request_id.in_(request_ids)),
        sa.update(Message)
        .where(Message.suggested_request_id.in_(request_ids))
        .values(suggested_request_id=None),
        sa.delete(Attachment).where(Attachment.message_id.in_(message_ids)),
        sa.delete(Message).where(Message.id.in_(message_ids)),
        sa.delete(Notification).where(
            sa.or_(
                Notification.campaign_id.in_(campaign_ids),
                Notification.request_id.in_(request_ids),
            )
        ),
        sa.delete(NotificationPreference).where(
            NotificationPreference.campaign_id.in_(campaign_ids)
        ),
        sa.delete(RequestNote).where(RequestNote.request_id.in_(request_ids)),
        sa.delete(Event).where(
            sa.or_(Event.campaign_id.in_(campaign_ids), Event.request_id.in_(request_ids))
        ),
        sa.delete(Request).where(Request.id.in_(request_ids)),
        sa.delete(LetterVersion).where(LetterVersion.campaign_id.in_(campaign_ids)),
        sa.delete(Question).where(Question.campaign_id.in_(campaign_ids)),
        sa.delete(Campaign).where(Campaign.id.in_(campaign_ids)),
    ):
        db.session.execute(statement, execution_options={"synchronize_session": False})
    report.addresses = _take_back_addresses()
    db.session.commit()
    db.session.expire_all()

    report.campaigns, report.requests, report.messages = (
        len(campaign_ids),
        len(request_ids),
        len(message_ids),
    )
    report.files = _delete_unused_blobs(blobs) + _delete_outbox_letters(outbox)
    path = mbox_path()
    if path.exists():
        path.unlink()
        report.files += 1
    return report


def _take_back_addresses() -> int:
    """Clear the demo's invented addresses; an address a person has since typed in stays."""
    tagged = db.session.scalars(
        sa.select(Authority).join(AuthorityTag).where(AuthorityTag.tag == DEMO_TAG)
    ).all()
    cleared = 0
    for authority in tagged:
        if authority.foi_email == demo_address(authority):
            authority.foi_email = None
            cleared += 1
        authority.tags = [t for t in authority.tags if t.tag != DEMO_TAG]
    return cleared


def _delete_unused_blobs(blobs: set[str]) -> int:
    """Stored files no remaining message or attachment points at (the same PDF may be another
    campaign's too: then it stays)."""
    if not blobs:
        return 0
    still_used = set(
        db.session.scalars(sa.select(Message.raw_sha256).where(Message.raw_sha256.in_(blobs)))
    ) | set(db.session.scalars(sa.select(Attachment.sha256).where(Attachment.sha256.in_(blobs))))
    deleted = 0
    for sha256 in blobs - still_used:
        path = blob_path(sha256)
        if path.exists():
            path.unlink()
            deleted += 1
    return deleted


def _delete_outbox_letters(message_ids: list[str]) -> int:
    outbox = Path(current_app.config["OUTBOX_DIR"])
    deleted = 0
    for message_id in message_ids:
        path = outbox / outbox_file_name(message_id)
        if path.exists():
            path.unlink()
            deleted += 1
    return deleted
