"""The review screen's reading: a request's answers beside its replies, page by page.

Each answer points at a page of a reply (the email body or an attachment's page); the screen
shows those pages with the excerpt marked, so a person can judge the parser's reading against
the source. Pages are kept as extracted when the reply arrived.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from campaign.domain.vocabulary import MessageDirection, ParseState
from campaign.extensions import db
from campaign.models import Answer, Attachment, Mention, Message, Request
from campaign.parsing.documents import html_to_text
from campaign.parsing.quoting import new_text
from campaign.services.answers import AskedQuestion, asked_questions

# A released document can run to hundreds of pages: the first ones are shown, and every page
# an answer or mention cites.
MAX_SHOWN_PAGES = 30
_COMPARED = ("outcome", "exemptions", "excerpt", "urls", "page", "attachment_id", "message_id")


def source_anchor(
    message_id: int | None, attachment_id: int | None, page: int | None
) -> str | None:
    """The id of a source page on the review screen, shared with links from other pages; None
    when the answer names no page (a question the reply did not address)."""
    if page is None:
        return None
    if attachment_id is not None:
        return f"source-a{attachment_id}-p{page or 1}"
    if message_id is not None:
        return f"source-m{message_id}"
    return None


@dataclass(frozen=True)
class SourcePageView:
    number: int
    text: str
    anchor: str
    excerpts: tuple[tuple[int, str], ...] = ()  # (question, excerpt) cited on this page


@dataclass(frozen=True)
class SourceDocument:
    """A reply's body or one of its files, with the pages shown."""

    key: str  # "m<message id>" or "a<attachment id>", as the correction form names sources
    label: str
    message: Message
    attachment: Attachment | None
    pages: list[SourcePageView]
    page_count: int
    hidden: int = 0
    note: str = ""


@dataclass(frozen=True)
class AnswerRow:
    """One asked question with its answer (None until a reply is read) and where it is from."""

    asked: AskedQuestion
    answer: Answer | None
    source_label: str = ""
    anchor: str | None = None
    # What the parser reads now, when it differs from what a person confirmed or corrected.
    parser_reading: dict[str, Any] | None = None

    @property
    def position(self) -> int:
        return self.asked.position


@dataclass(frozen=True)
class ReviewPage:
    request: Request
    rows: list[AnswerRow]
    documents: list[SourceDocument]
    mentions: list[Mention]
    source_choices: list[tuple[str, str]] = field(default_factory=list)

    def row(self, position: int | None) -> AnswerRow | None:
        return next((row for row in self.rows if row.position == position), None)


def review_page(request: Request) -> ReviewPage:
    """Everything the review screen shows for one request, in a handful of queries."""
    asked = asked_questions(request)
    answers = {
        answer.question_id: answer
        for answer in db.session.scalars(sa.select(Answer).where(Answer.request_id == request.id))
    }
    messages = _inbound_messages(request.id)
    mentions = list(
        db.session.scalars(
            sa.select(Mention)
            .where(Mention.request_id == request.id)
            .order_by(Mention.rejected_at.is_not(None), Mention.name)
        )
    )
    labels = _labels(messages)
    rows = [_row(item, answers.get(item.question.id), labels) for item in asked]
    cited = _citations(rows, mentions)
    documents = [doc for message in messages for doc in _documents(message, cited)]
    return ReviewPage(
        request=request,
        rows=rows,
        documents=documents,
        mentions=mentions,
        source_choices=[(doc.key, doc.label) for doc in documents],
    )


def _inbound_messages(request_id: int) -> list[Message]:
    return list(
        db.session.scalars(
            sa.select(Message)
            .where(
                Message.request_id == request_id,
                Message.direction == MessageDirection.INBOUND.value,
            )
            .options(so.selectinload(Message.attachments))
            .order_by(sa.func.coalesce(Message.received_at, Message.created_at), Message.id)
        )
    )


def _labels(messages: Sequence[Message]) -> dict[tuple[str, int], str]:
    labels: dict[tuple[str, int], str] = {}
    for message in messages:
        when = message.received_at or message.created_at
        labels[("m", message.id)] = f"Email of {when:%d %b %Y}"
        for attachment in message.attachments:
            labels[("a", attachment.id)] = attachment.filename
    return labels


def _row(
    item: AskedQuestion, answer: Answer | None, labels: dict[tuple[str, int], str]
) -> AnswerRow:
    if answer is None:
        return AnswerRow(item, None)
    anchor = source_anchor(answer.message_id, answer.attachment_id, answer.page)
    if anchor is None:
        source = ""
    elif answer.attachment_id is not None:
        source = labels.get(("a", answer.attachment_id), "an attachment")
    elif answer.message_id is not None:
        source = labels.get(("m", answer.message_id), "an email")
    else:
        source = ""
    reading = None
    if answer.held_by_person and answer.parsed:
        shown = {
            "outcome": answer.outcome,
            "exemptions": answer.exemptions,
            "excerpt": answer.excerpt,
            "urls": answer.urls,
            "page": answer.page,
            "attachment_id": answer.attachment_id,
            "message_id": answer.message_id,
        }
        if any(answer.parsed.get(key) != shown[key] for key in _COMPARED):
            reading = answer.parsed
    return AnswerRow(
        item,
        answer,
        source_label=source,
        anchor=anchor,
        parser_reading=reading,
    )


def _citations(
    rows: Sequence[AnswerRow], mentions: Sequence[Mention]
) -> dict[str, list[tuple[int, str]]]:
    """Per source page anchor, the (question, excerpt) pairs to mark there."""
    cited: dict[str, list[tuple[int, str]]] = {}
    for row in rows:
        if row.anchor and row.answer is not None:
            cited.setdefault(row.anchor, []).append((row.position, row.answer.excerpt or ""))
    for mention in mentions:
        anchor = source_anchor(mention.message_id, mention.attachment_id, mention.page)
        if anchor:
            cited.setdefault(anchor, [])
    return cited


def _documents(message: Message, cited: dict[str, list[tuple[int, str]]]) -> list[SourceDocument]:
    when = message.received_at or message.created_at
    body = new_text(message.body_text or html_to_text(message.body_html))
    anchor = source_anchor(message.id, None, 1)
    documents = [
        SourceDocument(
            key=f"m{message.id}",
            label=f"Email of {when:%d %b %Y}: {message.subject or 'no subject'}",
            message=message,
            attachment=None,
            pages=[SourcePageView(1, body, anchor, tuple(cited.get(anchor, ())))],
            page_count=1,
        )
    ]
    for attachment in message.attachments:
        documents.append(_attachment_document(message, attachment, cited))
    return documents


def _attachment_document(
    message: Message, attachment: Attachment, cited: dict[str, list[tuple[int, str]]]
) -> SourceDocument:
    texts = list(attachment.pages or [])
    shown = []
    for number, text in enumerate(texts, start=1):
        anchor = source_anchor(message.id, attachment.id, number)
        if number <= MAX_SHOWN_PAGES or anchor in cited:
            shown.append(SourcePageView(number, text, anchor, tuple(cited.get(anchor, ()))))
    return SourceDocument(
        key=f"a{attachment.id}",
        label=attachment.filename,
        message=message,
        attachment=attachment,
        pages=shown,
        page_count=max(len(texts), attachment.page_count or 0),
        hidden=len(texts) - len(shown),
        note=_no_text_note(attachment) if not texts else "",
    )


def _no_text_note(attachment: Attachment) -> str:
    if attachment.parse_state == ParseState.NEEDS_OCR.value:
        return "A scan with no text layer: it needs OCR before it can be read."
    if attachment.parse_state == ParseState.UNPARSEABLE.value:
        return f"Could not be read: {attachment.parse_error or 'no reason given'}."
    if attachment.parse_state == ParseState.PENDING.value:
        return "Not read yet."
    return "No text."
