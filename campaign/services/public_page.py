"""What the public page of a campaign shows, read and redacted: nothing else can reach it.

The page is built from plain values chosen field by field (never a model handed to a
template), so a column added to a model later is private until someone puts it here. Every
string that came from a reply or a person (reference IDs, excerpts, filenames, document text,
search snippets, even the title) goes through the campaign's Redactor on the way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import sqlalchemy as sa

from campaign.charts import OUTCOME_LABELS, Chart
from campaign.domain.law import LAWS, Law, LawCode
from campaign.domain.letters import LetterAuthority, LetterContext, LetterError, render_letter
from campaign.domain.redaction import Redactor
from campaign.domain.vocabulary import AnswerOutcome, MessageDirection, ParseState, RequestStatus
from campaign.extensions import db
from campaign.models import (
    Answer,
    Attachment,
    Authority,
    Campaign,
    LetterVersion,
    Message,
    Request,
)
from campaign.services.dashboard import campaign_charts
from campaign.services.requests import status_label
from campaign.services.search import parse_query, search

MAX_TABLE_QUERY = 100
MAX_SEARCH_HITS = 100
MAX_DOCUMENT_CHARS = 2_000_000
MAX_ID = 2**31 - 1
SORTS = ("authority", "nation", "type", "status", "reference", "documents")
DIRECTIONS = ("asc", "desc")
_OUTCOME_ORDER = {outcome.value: n for n, outcome in enumerate(AnswerOutcome)}

# The letter as the public reads it: placeholders about one authority said in general words.
_NEUTRAL_AUTHORITY = LetterAuthority(
    name="[name of the authority]",
    short_name="[authority]",
    nation="[nation]",
    type="[type of authority]",
    gss_code="[authority code]",
    email="[the authority's FOI address]",
)
_FOIA, _FOISA = LAWS[LawCode.FOIA], LAWS[LawCode.FOISA]
_NEUTRAL_LAW = Law(
    LawCode.FOIA,
    f"{_FOIA.name} [in Scotland: the {_FOISA.name}]",
    f"{_FOIA.citation} [in Scotland: {_FOISA.citation}]",
    f"{_FOIA.regulator} [in Scotland: the {_FOISA.regulator}]",
)
REPLY_ADDRESS = "[the campaign's reply address]"


class BadTableQuery(ValueError):
    """A sort, direction or filter the public table does not offer; the message says why."""


@dataclass(frozen=True)
class PublicQuestion:
    position: int
    label: str
    text: str


@dataclass(frozen=True)
class PublicCampaign:
    """The fields of a campaign the public may see, and no others."""

    slug: str
    title: str
    methodology: str
    launched_on: date | None
    published_on: date | None
    is_public: bool
    questions: tuple[PublicQuestion, ...]


@dataclass(frozen=True)
class PublicLetter:
    subject: str
    body: str
    error: str | None = None


@dataclass(frozen=True)
class PublicAnswer:
    outcome: str
    label: str
    excerpt: str
    exemptions: tuple[str, ...]

    @property
    def rank(self) -> int:
        """Where the outcome sorts: disclosed first, no answer last."""
        return _OUTCOME_ORDER.get(self.outcome, 99)


@dataclass(frozen=True)
class PublicDocumentLink:
    attachment_id: int
    filename: str
    pages: int | None


@dataclass(frozen=True)
class PublicRow:
    authority: str
    nation: str
    authority_type: str
    status: str
    status_label: str
    reference: str
    answers: tuple[PublicAnswer | None, ...]
    documents: tuple[PublicDocumentLink, ...]


@dataclass(frozen=True)
class PublicTable:
    rows: list[PublicRow]
    total: int  # rows before the filter
    query: str
    sort: str
    direction: str


@dataclass(frozen=True)
class PublicHit:
    authority: str
    document: str
    attachment_id: int | None
    page: int | None
    snippet: tuple[tuple[str, bool], ...]


@dataclass(frozen=True)
class PublicSearch:
    query: str
    problem: str | None = None
    hits: list[PublicHit] = field(default_factory=list)
    capped: bool = False

    @property
    def asked(self) -> bool:
        return bool(self.query)


@dataclass(frozen=True)
class PublicDocument:
    attachment_id: int
    filename: str
    authority: str
    reference: str
    received_on: date | None
    pages: list[str]
    readable: bool
    cut: bool  # the text was longer than the page shows


def public_campaign(campaign: Campaign, redactor: Redactor) -> PublicCampaign:
    return PublicCampaign(
        slug=campaign.slug,
        title=redactor.redact(campaign.title),
        methodology=redactor.redact(campaign.methodology or ""),
        launched_on=campaign.launched_at.date() if campaign.launched_at else None,
        published_on=campaign.published_at.date() if campaign.published_at else None,
        is_public=campaign.is_public,
        questions=tuple(
            PublicQuestion(
                q.position,
                redactor.redact(q.short_label or f"Question {q.position}"),
                redactor.redact(q.text),
            )
            for q in campaign.questions
        ),
    )


def public_letter(campaign: Campaign, redactor: Redactor) -> PublicLetter:
    """The letter as launched (its latest version), with placeholders about one authority
    given in general words and no reply address."""
    version = db.session.scalar(
        sa.select(LetterVersion)
        .where(LetterVersion.campaign_id == campaign.id)
        .order_by(LetterVersion.version.desc())
        .limit(1)
    )
    if version is not None:
        subject, body, questions = (
            version.subject_template,
            version.body_template,
            version.questions,
        )
    else:
        subject, body = campaign.subject_template, campaign.body_template
        questions = [q.text for q in campaign.questions]
    law = LAWS[LawCode.EIR] if campaign.law_override == LawCode.EIR.value else _NEUTRAL_LAW
    context = LetterContext(
        authority=_NEUTRAL_AUTHORITY,
        law=law,
        reply_to=REPLY_ADDRESS,
        today=campaign.launched_at.date() if campaign.launched_at else date.today(),
        questions=list(questions or []),
        campaign_title=campaign.title,
    )
    try:
        letter = render_letter(subject or "", body or "", context)
    except LetterError as problem:
        return PublicLetter("", "", error=f"The letter cannot be shown: {problem}")
    return PublicLetter(redactor.redact(letter.subject), redactor.redact(letter.body))


def public_charts(campaign: Campaign, redactor: Redactor) -> list[Chart]:
    """The dashboard's charts, not clickable, with every string in them redacted (the map's
    hover text carries reference IDs)."""
    return [
        replace(
            chart,
            title=redactor.redact(chart.title),
            caption=redactor.redact(chart.caption),
            figure=_redacted(chart.figure, redactor),
        )
        for chart in campaign_charts(campaign, public=True)
    ]


def _redacted(value: Any, redactor: Redactor) -> Any:
    if isinstance(value, str):
        return redactor.redact(value)
    if isinstance(value, Mapping):
        return {key: _redacted(item, redactor) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(item, redactor) for item in value]
    return value


def check_table_query(args: Mapping[str, str]) -> tuple[str, str, str]:
    """The table's filter, sort and direction from query parameters; BadTableQuery if odd."""
    query = " ".join((args.get("q") or "").split())
    if len(query) > MAX_TABLE_QUERY:
        raise BadTableQuery(f"The filter is at most {MAX_TABLE_QUERY} characters.")
    sort = args.get("sort") or "authority"
    if sort not in SORTS and not _question_sort(sort):
        raise BadTableQuery(
            "The table sorts by authority, nation, type, status, reference, documents or a "
            "question (q1, q2, ...)."
        )
    direction = args.get("dir") or "asc"
    if direction not in DIRECTIONS:
        raise BadTableQuery("The direction is asc or desc.")
    return query, sort, direction


def _question_sort(sort: str) -> int | None:
    if sort.startswith("q") and sort[1:].isdigit() and len(sort) <= 4:
        return int(sort[1:])
    return None


def public_table(
    campaign: Campaign,
    redactor: Redactor,
    query: str = "",
    sort: str = "authority",
    direction: str = "asc",
) -> PublicTable:
    """A row per request sent: authority, status, reference, outcome per question, documents."""
    questions = list(campaign.questions)
    column = {q.id: n for n, q in enumerate(questions)}
    requests = db.session.execute(
        sa.select(
            Request.id,
            Authority.name,
            Authority.nation,
            Authority.authority_type,
            Request.status,
            Request.reference_id,
        )
        .join(Authority, Authority.id == Request.authority_id)
        .where(Request.campaign_id == campaign.id, Request.status != RequestStatus.DRAFT.value)
        .order_by(Authority.name, Request.id)
    ).all()
    answers: dict[int, list[PublicAnswer | None]] = {}
    for request_id, question_id, outcome, excerpt, exemptions in db.session.execute(
        sa.select(
            Answer.request_id, Answer.question_id, Answer.outcome, Answer.excerpt, Answer.exemptions
        )
        .join(Request, Request.id == Answer.request_id)
        .where(Request.campaign_id == campaign.id)
    ):
        if question_id not in column:
            continue
        cells = answers.setdefault(request_id, [None] * len(questions))
        cells[column[question_id]] = PublicAnswer(
            outcome,
            OUTCOME_LABELS.get(outcome, outcome),
            redactor.redact(excerpt or ""),
            tuple(redactor.redact(str(e)) for e in exemptions or ()),
        )
    documents = _documents_by_request(campaign, redactor)
    rows = [
        PublicRow(
            authority=redactor.redact(name),
            nation=nation or "",
            authority_type=kind or "",
            status=status,
            status_label=status_label(status),
            reference=redactor.redact(reference or ""),
            answers=tuple(answers.get(request_id, [None] * len(questions))),
            documents=tuple(documents.get(request_id, ())),
        )
        for request_id, name, nation, kind, status, reference in requests
    ]
    total = len(rows)
    if query:
        needle = query.casefold()
        rows = [row for row in rows if needle in _haystack(row)]
    rows.sort(key=_sort_key(sort), reverse=direction == "desc")
    return PublicTable(rows, total, query, sort, direction)


def _haystack(row: PublicRow) -> str:
    labels = " ".join(answer.label for answer in row.answers if answer)
    return " ".join(
        (row.authority, row.nation, row.authority_type, row.status_label, row.reference, labels)
    ).casefold()


def _sort_key(sort: str):
    position = _question_sort(sort)
    if position is not None:
        index = position - 1

        def by_answer(row: PublicRow):
            answer = row.answers[index] if 0 <= index < len(row.answers) else None
            return (answer.rank if answer else 99, row.authority.casefold())

        return by_answer
    fields = {
        "authority": lambda row: (row.authority.casefold(),),
        "nation": lambda row: (row.nation, row.authority.casefold()),
        "type": lambda row: (row.authority_type, row.authority.casefold()),
        "status": lambda row: (row.status_label, row.authority.casefold()),
        "reference": lambda row: (row.reference.casefold(), row.authority.casefold()),
        "documents": lambda row: (len(row.documents), row.authority.casefold()),
    }
    return fields[sort]


def _released(campaign_id: int) -> sa.Select:
    """Attachments of replies (inbound messages) filed on the campaign's requests."""
    return (
        sa.select(Attachment, Message, Request)
        .join(Message, Message.id == Attachment.message_id)
        .join(Request, Request.id == Message.request_id)
        .where(
            Request.campaign_id == campaign_id,
            Message.direction == MessageDirection.INBOUND.value,
        )
    )


def _documents_by_request(
    campaign: Campaign, redactor: Redactor
) -> dict[int, list[PublicDocumentLink]]:
    rows = db.session.execute(
        sa.select(Attachment.id, Attachment.filename, Attachment.page_count, Message.request_id)
        .join(Message, Message.id == Attachment.message_id)
        .join(Request, Request.id == Message.request_id)
        .where(
            Request.campaign_id == campaign.id,
            Message.direction == MessageDirection.INBOUND.value,
            Attachment.parse_state == ParseState.PARSED.value,
        )
        .order_by(Attachment.id)
    ).all()
    found: dict[int, list[PublicDocumentLink]] = {}
    for attachment_id, filename, page_count, request_id in rows:
        found.setdefault(request_id, []).append(
            PublicDocumentLink(attachment_id, redactor.redact(filename), page_count)
        )
    return found


def public_document(
    campaign: Campaign, attachment_id: str | int, redactor: Redactor
) -> PublicDocument | None:
    """A released document's text, page by page, redacted; None for anything not released
    by this campaign (another campaign's, our own letters' files, an id that is no number)."""
    text = str(attachment_id)
    if not text.isascii() or not text.isdigit() or len(text) > 10 or int(text) > MAX_ID:
        return None  # ids are 32-bit: a longer number would be a database error
    row = db.session.execute(
        _released(campaign.id).where(Attachment.id == int(text)).limit(1)
    ).first()
    if row is None:
        return None
    attachment, message, request = row
    authority = db.session.get(Authority, request.authority_id)
    pages: list[str] = []
    used = 0
    cut = False
    for page in attachment.pages or []:
        page = str(page)
        if used + len(page) > MAX_DOCUMENT_CHARS:
            cut = True
            break
        used += len(page)
        pages.append(redactor.redact(page))
    received = message.received_at or message.created_at
    return PublicDocument(
        attachment_id=attachment.id,
        filename=redactor.redact(attachment.filename),
        authority=redactor.redact(authority.name if authority else ""),
        reference=redactor.redact(request.reference_id or ""),
        received_on=received.date() if received else None,
        pages=pages,
        readable=bool(attachment.pages),
        cut=cut,
    )


def public_search(campaign: Campaign, text: str | None, redactor: Redactor) -> PublicSearch:
    """The campaign's replies and documents matching a search, snippets redacted.

    A hit whose matched words were all masked is dropped, and a search that itself contains
    something the rules mask finds nothing: searching for a redacted name or address tells
    nothing, not even how many replies contain it. Hence no total from the database either.
    """
    text = (text or "").strip()
    if not text:
        return PublicSearch("")
    parsed = parse_query(text)
    if not parsed.ok:
        return PublicSearch(text, problem=parsed.problem)
    if redactor.redact(parsed.text) != parsed.text:
        return PublicSearch(text)
    results = search(parsed, campaign_ids=[campaign.id], limit=MAX_SEARCH_HITS)
    hits = []
    for hit in results.hits:
        snippet = redactor.redact_segments(hit.snippet)
        if not any(is_match for _, is_match in snippet):
            continue
        hits.append(
            PublicHit(
                authority=redactor.redact(hit.authority_name),
                document=redactor.redact(hit.filename) if hit.filename else "the reply's email",
                attachment_id=hit.attachment_id,
                page=hit.page,
                snippet=snippet,
            )
        )
    return PublicSearch(text, hits=hits, capped=len(results.hits) >= MAX_SEARCH_HITS)


@dataclass(frozen=True)
class PublicPage:
    campaign: PublicCampaign
    letter: PublicLetter
    charts: list[Chart]
    table: PublicTable
    search: PublicSearch
    outcomes: tuple[tuple[str, str], ...] = tuple(OUTCOME_LABELS.items())


def public_page(
    campaign: Campaign,
    redactor: Redactor,
    *,
    table_query: tuple[str, str, str] = ("", "authority", "asc"),
    search_text: str | None = None,
) -> PublicPage:
    """Everything /p/<slug> shows (check_table_query first for the table's parameters)."""
    query, sort, direction = table_query
    return PublicPage(
        campaign=public_campaign(campaign, redactor),
        letter=public_letter(campaign, redactor),
        charts=public_charts(campaign, redactor),
        table=public_table(campaign, redactor, query, sort, direction),
        search=public_search(campaign, search_text, redactor),
    )
