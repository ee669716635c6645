"""Keeping the full-text index in step with replies: a message's entries are replaced whole.

A reply is indexed when it is filed on a request and again whenever its attachments are read,
so indexing replaces rather than adds: re-parsing a reply never duplicates its entries. Replies
still waiting in the Inbox are not indexed; a campaign's search shows only what is filed on it.
Deleting a message or an attachment removes its entries by foreign-key cascade.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import sqlalchemy as sa

from campaign.domain.vocabulary import MessageDirection
from campaign.extensions import db
from campaign.models import Attachment, Campaign, Message, Request, SearchEntry
from campaign.models.search import FTS_TABLE
from campaign.parsing.documents import html_to_text
from campaign.parsing.quoting import new_text

# PostgreSQL refuses a tsvector over 1 MB, and snippets are cut from whole entries: a long page
# (a spreadsheet sheet) is split into entries of about this many characters, at a space.
MAX_ENTRY_CHARS = 100_000
# NUL is refused by PostgreSQL; the other controls would collide with the snippet markers.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
REINDEX_CHUNK = 200


def index_message(message: Message) -> int:
    """Replace the message's entries with its current text; returns how many it has now."""
    db.session.execute(sa.delete(SearchEntry).where(SearchEntry.message_id == message.id))
    if message.request_id is None or message.direction != MessageDirection.INBOUND.value:
        return 0
    entries = [
        SearchEntry(message_id=message.id, attachment_id=None, page=None, body=chunk)
        for chunk in _chunks(_own_words(message.body_text, message.body_html))
    ]
    for attachment in message.attachments:
        entries.extend(_attachment_entries(message, attachment))
    db.session.add_all(entries)
    db.session.flush()
    return len(entries)


def _own_words(body_text: str | None, body_html: str | None) -> str:
    """The authority's words: our letter quoted below a reply would otherwise make every
    reply "mention" whatever the request asked about."""
    return new_text(body_text or html_to_text(body_html or ""))


def _attachment_entries(message: Message, attachment: Attachment) -> list[SearchEntry]:
    return [
        SearchEntry(message_id=message.id, attachment_id=attachment.id, page=number, body=chunk)
        for number, text in enumerate(attachment.pages or [], start=1)
        for chunk in _chunks(text)
    ]


def _chunks(text: str) -> Iterator[str]:
    text = _CONTROL_CHARS.sub(" ", text or "").strip()
    while text:
        if len(text) <= MAX_ENTRY_CHARS:
            yield text
            return
        cut = text.rfind(" ", 0, MAX_ENTRY_CHARS)
        cut = cut if cut > MAX_ENTRY_CHARS // 2 else MAX_ENTRY_CHARS
        yield text[:cut].strip()
        text = text[cut:].strip()


def reindex(campaign_ids: Sequence[int] | None = None) -> int:
    """Rebuild the entries of every filed inbound reply (of these campaigns); returns how many
    messages were indexed. For data stored before the index existed, after a bulk import, or
    after a repair. Rows are written in bulk, a chunk of messages per transaction."""
    query = (
        sa.select(Message.id)
        .join(Request, Request.id == Message.request_id)
        .where(Message.direction == MessageDirection.INBOUND.value)
        .order_by(Message.id)
    )
    if campaign_ids is not None:
        query = query.where(Request.campaign_id.in_(list(campaign_ids)))
    else:
        # Everything is rebuilt: entries of replies since moved back to the Inbox go too.
        db.session.execute(
            sa.delete(SearchEntry).where(
                SearchEntry.message_id.in_(
                    sa.select(Message.id).where(Message.request_id.is_(None))
                )
            )
        )
    message_ids = list(db.session.scalars(query))
    for start in range(0, len(message_ids), REINDEX_CHUNK):
        _reindex_chunk(message_ids[start : start + REINDEX_CHUNK])
        db.session.commit()
    if campaign_ids is None and db.engine.dialect.name == "sqlite":
        db.session.execute(sa.text(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')"))
    db.session.commit()
    return len(message_ids)


def _reindex_chunk(message_ids: list[int]) -> None:
    db.session.execute(sa.delete(SearchEntry).where(SearchEntry.message_id.in_(message_ids)))
    rows = [
        {"message_id": message_id, "attachment_id": None, "page": None, "body": chunk}
        for message_id, text, html in db.session.execute(
            sa.select(Message.id, Message.body_text, Message.body_html).where(
                Message.id.in_(message_ids)
            )
        )
        for chunk in _chunks(_own_words(text, html))
    ]
    rows += [
        {"message_id": message_id, "attachment_id": attachment_id, "page": number, "body": chunk}
        for attachment_id, message_id, pages in db.session.execute(
            sa.select(Attachment.id, Attachment.message_id, Attachment.pages)
            .where(Attachment.message_id.in_(message_ids))
            .order_by(Attachment.id)
        )
        for number, text in enumerate(pages or [], start=1)
        for chunk in _chunks(text)
    ]
    if rows:
        db.session.execute(sa.insert(SearchEntry), rows)


def campaign_ids_for(slug: str | None) -> list[int] | None:
    """The ids a slug names (None for every campaign); an unknown slug names none."""
    if slug is None:
        return None
    return list(db.session.scalars(sa.select(Campaign.id).where(Campaign.slug == slug)))
