"""Full-text search of replies and released documents: "which councils mention Xantura?"

What a person types never reaches the database's query language. It is cut into words and
"quoted phrases" here, and each is handed over as a quoted FTS5 phrase (SQLite) or as a bound
parameter of `phraseto_tsquery` (PostgreSQL), so operators such as `NEAR(`, `*`, `-`, `:`,
`AND` or a stray quote are only ever words. Every word and phrase must appear (AND).

Snippets come back as `(text, is_match)` segments, each matched word its own segment: pages
escape the text and mark the matches, and the public page can redact segments and drop a hit
whose matches were all redacted.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from campaign.extensions import db
from campaign.models import Attachment, Authority, Campaign, Message, Request, SearchEntry
from campaign.models.search import DOCUMENT_COLUMN, FTS_TABLE, TEXT_SEARCH_CONFIG
from campaign.services.paging import PageNumbers

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
MAX_LIMIT = 100
EMAIL_BODY = "email body"
# Snippet markers: control characters, which indexing removes from every entry's text.
_START, _STOP = "\x02", "\x03"
_ELLIPSIS = "…"
SNIPPET_TOKENS = 24  # SQLite: words around the match (FTS5 allows up to 64)
_HEADLINE_OPTIONS = (
    f"StartSel={_START}, StopSel={_STOP}, MaxWords=30, MinWords=12, ShortWord=2, "
    f'MaxFragments=2, FragmentDelimiter=" {_ELLIPSIS} "'
)
# A word as both databases' tokenizers see it: letters and digits; anything else separates.
_WORD = re.compile(r"[^\W_]+")
_PIECE = re.compile(r'"([^"]*)"?|([^\s"]+)')
_MARKED = re.compile(f"({_START}[^{_START}{_STOP}]*{_STOP})")

Segment = tuple[str, bool]  # (text, is_match)


@dataclass(frozen=True)
class SearchQuery:
    """What a person asked for: words and phrases, each a tuple of words; or why not."""

    text: str
    phrases: tuple[tuple[str, ...], ...] = ()
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def parse_query(text: str | None) -> SearchQuery:
    """Words and "quoted phrases" out of what was typed; a problem in words if none."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not text:
        return SearchQuery("", problem='Type a word, or a "phrase in quotes", to search for.')
    if len(text) > MAX_QUERY_CHARS:
        return SearchQuery(
            text[:MAX_QUERY_CHARS],
            problem=f"That search is too long: use at most {MAX_QUERY_CHARS} characters.",
        )
    phrases: list[tuple[str, ...]] = []
    for quoted, bare in _PIECE.findall(text):
        words = tuple(_WORD.findall((quoted or bare).casefold()))
        if words and words not in phrases:
            phrases.append(words)
    if not phrases:
        return SearchQuery(text, problem="Nothing to search for: use letters or numbers.")
    if len(phrases) > MAX_TERMS:
        return SearchQuery(
            text, problem=f"Too many words: use at most {MAX_TERMS} words or phrases."
        )
    return SearchQuery(text, tuple(phrases))


def fts5_match(query: SearchQuery) -> str:
    """The FTS5 MATCH expression: every word or phrase quoted, all of them required."""
    return " ".join('"' + " ".join(words).replace('"', '""') + '"' for words in query.phrases)


def segments(marked: str) -> tuple[Segment, ...]:
    """Split a snippet with match markers into segments, one per matched word."""
    result: list[Segment] = []
    for part in _MARKED.split(marked):
        if part.startswith(_START):
            for piece in re.split(r"(\s+)", part[1:-1]):
                if piece.strip():
                    result.append((piece, True))
                elif piece:
                    result.append((" ", False))
            continue
        text = re.sub(r"\s+", " ", part.replace(_START, "").replace(_STOP, ""))
        if text:
            result.append((text, False))
    return tuple(result)


@dataclass(frozen=True)
class SearchHit:
    """One page (or email body) that matches, and where it sits."""

    campaign_slug: str
    campaign_title: str
    request_id: int
    authority_id: int
    authority_name: str
    message_id: int
    subject: str
    received_at: datetime | None
    attachment_id: int | None
    filename: str | None
    page: int | None
    snippet: tuple[Segment, ...]

    @property
    def document(self) -> str:
        return self.filename or EMAIL_BODY

    @property
    def matched(self) -> tuple[str, ...]:
        return tuple(text for text, is_match in self.snippet if is_match)


@dataclass(frozen=True)
class SearchResults(PageNumbers):
    """One page of hits; `total` counts every matching page, for the pager."""

    query: SearchQuery
    total: int = 0
    hits: list[SearchHit] = field(default_factory=list)
    limit: int = 20
    offset: int = 0

    @property
    def page(self) -> int:  # type: ignore[override]
        return self.offset // self.limit + 1

    @property
    def per_page(self) -> int:  # type: ignore[override]
        return self.limit


@dataclass(frozen=True)
class AuthorityMention:
    """An authority whose replies match, with how many pages and requests do."""

    authority_id: int
    name: str
    hits: int
    requests: int


def search(
    query: str | SearchQuery,
    *,
    campaign_ids: Sequence[int] | None = None,
    limit: int = 20,
    offset: int = 0,
) -> SearchResults:
    """The matching pages of filed replies, best first; `campaign_ids` None means every
    campaign. A query with a problem returns no hits and says why."""
    parsed = query if isinstance(query, SearchQuery) else parse_query(query)
    limit = min(max(int(limit), 1), MAX_LIMIT)
    offset = max(int(offset), 0)
    if not parsed.ok or (campaign_ids is not None and not campaign_ids):
        return SearchResults(parsed, limit=limit, offset=offset)
    matcher = _matcher(parsed)
    total = db.session.scalar(
        _scoped(sa.select(sa.func.count(SearchEntry.id)), matcher, campaign_ids)
    )
    rows = db.session.execute(
        _scoped(
            sa.select(
                SearchEntry.id,
                SearchEntry.message_id,
                SearchEntry.attachment_id,
                SearchEntry.page,
                matcher.snippet.label("snippet"),
                Campaign.slug,
                Campaign.title,
                Request.id.label("request_id"),
                Authority.id.label("authority_id"),
                Authority.name.label("authority_name"),
                Message.subject,
                sa.func.coalesce(Message.received_at, Message.created_at).label("received_at"),
                Attachment.filename,
            ),
            matcher,
            campaign_ids,
        )
        .join(Campaign, Campaign.id == Request.campaign_id)
        .join(Authority, Authority.id == Request.authority_id)
        .outerjoin(Attachment, Attachment.id == SearchEntry.attachment_id)
        .order_by(matcher.rank, SearchEntry.id)
        .limit(limit)
        .offset(offset)
    ).all()
    hits = [
        SearchHit(
            campaign_slug=row.slug,
            campaign_title=row.title,
            request_id=row.request_id,
            authority_id=row.authority_id,
            authority_name=row.authority_name,
            message_id=row.message_id,
            subject=row.subject,
            received_at=row.received_at,
            attachment_id=row.attachment_id,
            filename=row.filename,
            page=row.page,
            snippet=segments(row.snippet or ""),
        )
        for row in rows
    ]
    return SearchResults(parsed, total or 0, hits, limit, offset)


def authorities_mentioning(
    query: str | SearchQuery, campaign_ids: Sequence[int] | None = None
) -> list[AuthorityMention]:
    """Which authorities' replies match, most matching pages first: "N councils mention X"."""
    parsed = query if isinstance(query, SearchQuery) else parse_query(query)
    if not parsed.ok or (campaign_ids is not None and not campaign_ids):
        return []
    matcher = _matcher(parsed)
    hits = sa.func.count(SearchEntry.id)
    rows = db.session.execute(
        _scoped(
            sa.select(
                Authority.id,
                Authority.name,
                hits.label("hits"),
                sa.func.count(sa.distinct(Request.id)).label("requests"),
            ),
            matcher,
            campaign_ids,
        )
        .join(Authority, Authority.id == Request.authority_id)
        .group_by(Authority.id, Authority.name)
        .order_by(hits.desc(), Authority.name)
    ).all()
    return [AuthorityMention(row.id, row.name, row.hits, row.requests) for row in rows]


@dataclass(frozen=True)
class _Matcher:
    """The database's way to match, rank and quote: FTS5 on SQLite, tsvector on PostgreSQL."""

    source: sa.FromClause
    joined_on: sa.ColumnElement[bool] | None
    condition: sa.ColumnElement[bool]
    rank: sa.ColumnElement  # ascending: best first
    snippet: sa.ColumnElement[str]


def _matcher(query: SearchQuery) -> _Matcher:
    if db.engine.dialect.name == "postgresql":
        return _postgresql_matcher(query)
    return _sqlite_matcher(query)


def _sqlite_matcher(query: SearchQuery) -> _Matcher:
    fts = sa.table(FTS_TABLE, sa.column("rowid"))
    table = sa.literal_column(FTS_TABLE)
    return _Matcher(
        source=fts,
        joined_on=SearchEntry.id == fts.c.rowid,
        condition=sa.text(f"{FTS_TABLE} MATCH :match").bindparams(match=fts5_match(query)),
        rank=sa.func.bm25(table),
        snippet=sa.func.snippet(table, 0, _START, _STOP, _ELLIPSIS, SNIPPET_TOKENS),
    )


def _postgresql_matcher(query: SearchQuery) -> _Matcher:
    config = sa.literal_column(f"'{TEXT_SEARCH_CONFIG}'::regconfig")
    tsquery: sa.ColumnElement = sa.func.phraseto_tsquery(config, " ".join(query.phrases[0]))
    for words in query.phrases[1:]:
        tsquery = tsquery.op("&&")(sa.func.phraseto_tsquery(config, " ".join(words)))
    document = sa.literal_column(f"{SearchEntry.__tablename__}.{DOCUMENT_COLUMN}")
    return _Matcher(
        source=SearchEntry.__table__,
        joined_on=None,
        condition=document.bool_op("@@")(tsquery),
        rank=sa.func.ts_rank(document, tsquery).desc(),
        snippet=sa.func.ts_headline(config, SearchEntry.body, tsquery, _HEADLINE_OPTIONS),
    )


def _scoped(select: sa.Select, matcher: _Matcher, campaign_ids: Sequence[int] | None) -> sa.Select:
    """The matching entries of filed replies, in the campaigns asked for."""
    if matcher.joined_on is not None:
        select = select.select_from(matcher.source).join(SearchEntry, matcher.joined_on)
    else:
        select = select.select_from(SearchEntry)
    select = (
        select.join(Message, Message.id == SearchEntry.message_id)
        .join(Request, Request.id == Message.request_id)
        .where(matcher.condition)
    )
    if campaign_ids is not None:
        select = select.where(Request.campaign_id.in_(list(campaign_ids)))
    return select


def page_offset(page: int, limit: int) -> int:
    """Where a 1-based page number starts; silly numbers count as the first page."""
    return (min(max(page, 1), 10_000) - 1) * limit
