"""The Inbox: inbound mail a person has to look at, and the requests it could belong to."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from campaign.domain.names import normalise_name
from campaign.domain.vocabulary import MatchState, MessageDirection, ProcessingState
from campaign.extensions import db
from campaign.models import Authority, Campaign, Message, Request
from campaign.services.paging import PageNumbers

PAGE_SIZE = 50
SEARCH_LIMIT = 30

# What each Inbox tab holds, in the words on the page.
FOLDERS = {
    "waiting": "Waiting for a person",
    "held": "Held: unexpected sender",
    "failed": "Could not be processed",
    "processing": "Being read",
}


@dataclass(frozen=True)
class InboxPage(PageNumbers):
    folder: str
    messages: list[Message]
    counts: dict[str, int]
    page: int
    total: int
    per_page: int = PAGE_SIZE


def _folder_filter(folder: str) -> sa.ColumnElement[bool]:
    inbound = Message.direction == MessageDirection.INBOUND.value
    if folder == "failed":
        return sa.and_(inbound, Message.processing_state == ProcessingState.FAILED.value)
    if folder == "processing":
        return sa.and_(inbound, Message.processing_state == ProcessingState.STORED.value)
    state = MatchState.HELD if folder == "held" else MatchState.UNMATCHED
    return sa.and_(
        inbound,
        Message.request_id.is_(None),
        Message.processing_state == ProcessingState.PROCESSED.value,
        Message.match_state == state.value,
    )


def inbox_counts() -> dict[str, int]:
    return {
        folder: db.session.scalar(
            sa.select(sa.func.count(Message.id)).where(_folder_filter(folder))
        )
        or 0
        for folder in FOLDERS
    }


def inbox_page(folder: str, page: int = 1) -> InboxPage:
    folder = folder if folder in FOLDERS else "waiting"
    counts = inbox_counts()
    total = counts[folder]
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    messages = db.session.scalars(
        sa.select(Message)
        .where(_folder_filter(folder))
        .options(so.selectinload(Message.suggested_request).joinedload(Request.authority))
        .order_by(Message.created_at.desc(), Message.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    return InboxPage(folder, list(messages), counts, page, total)


def get_inbound_message(message_pk: str | int) -> Message | None:
    try:
        pk = int(message_pk)
    except (TypeError, ValueError):
        return None
    if not 0 < pk < 2**31:  # past the id column's range: no such message
        return None
    message = db.session.get(Message, pk)
    if message is None or message.direction != MessageDirection.INBOUND.value:
        return None
    return message


def find_requests(query: str, limit: int = SEARCH_LIMIT) -> list[Request]:
    """Requests whose authority name, reference ID or token matches what the person typed."""
    query = " ".join(query.split())[:200]
    if not query:
        return []
    normalised = normalise_name(query)
    like = f"%{query.lower()}%"
    conditions = [
        sa.func.lower(Authority.name).like(like),
        sa.func.lower(Request.reference_id).like(like),
        Request.token == query.lower(),
    ]
    if normalised:
        conditions.append(Authority.normalised_name.like(f"%{normalised}%"))
    return list(
        db.session.scalars(
            sa.select(Request)
            .join(Authority, Authority.id == Request.authority_id)
            .join(Campaign, Campaign.id == Request.campaign_id)
            .where(sa.or_(*conditions))
            .options(so.contains_eager(Request.authority), so.contains_eager(Request.campaign))
            .order_by(Authority.name, Campaign.created_at.desc())
            .limit(limit)
        )
    )


def get_request(request_pk: str | int | None) -> Request | None:
    try:
        return db.session.get(Request, int(request_pk))
    except (TypeError, ValueError):
        return None
