"""A campaign as open data: requests.csv, answers.csv and campaign.json, full or public.

Everything is read in four statements whatever the campaign's size (questions, requests with
their authority and first reply, answers with their document, mentions), so exporting 400
requests costs the same handful of queries as exporting four.

The public view is what a published campaign may show anyone: no tokens, no addresses letters
went to, no notes, no people of the team, and every free-text field passed through the
campaign's redaction rules (email addresses, phone numbers, listed names) before it is written.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from campaign.domain.calendar import OutsideCalendar, london_date
from campaign.domain.deadlines import working_calendar
from campaign.domain.law import LawCode
from campaign.domain.letters import LetterAuthority, LetterContext, LetterError, law_for
from campaign.domain.letters import render_letter as render_letter_text
from campaign.domain.vocabulary import ANSWERED_STATUSES, MessageDirection, RequestStatus
from campaign.extensions import db
from campaign.models import (
    Answer,
    Attachment,
    Authority,
    Campaign,
    Mention,
    Message,
    Question,
    Request,
    User,
)
from campaign.models.answer import AnswerReview
from campaign.models.base import UTCDateTime
from campaign.services.dashboard_queries import REPLY_KINDS

ATTRIBUTION = "Contains UK local authority data from mySociety (CC-BY-4.0)"
LICENCE = {
    "authorities": {
        "attribution": ATTRIBUTION,
        "source": "mySociety, UK local authority names and codes (uk_la_past_current)",
        "licence": "CC-BY-4.0",
        "licence_url": "https://creativecommons.org/licenses/by/4.0/",
    },
    "note": (
        "Authority names, codes, nations and types come from mySociety's data under CC-BY-4.0; "
        "reuse must credit mySociety. The requests, answers and excerpts are the campaign's "
        "record of what each authority replied."
    ),
}

PUBLIC_REQUEST_COLUMNS = (
    "authority",
    "gss_code",
    "nation",
    "authority_type",
    "status",
    "law",
    "sent_on",
    "due_on",
    "first_response_on",
    "working_days_to_respond",
    "on_time",
    "reference_id",
    "chase_stage",
    "review_requested",
    "review_outcome",
    "exemptions",
)
# Only signed-in downloads carry these: where letters went and the team's own working notes.
PRIVATE_REQUEST_COLUMNS = (
    "request_id",
    "sent_to",
    "assigned_to",
    "failure_reason",
    "review_grounds",
)
PUBLIC_ANSWER_COLUMNS = (
    "authority",
    "gss_code",
    "question_number",
    "question",
    "outcome",
    "exemptions",
    "excerpt",
    "document",
    "page",
    "urls",
    "confidence",
    "checked_by_person",
)
PRIVATE_ANSWER_COLUMNS = ("request_id", "corrected_by")

# A spreadsheet reads a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class CampaignExport:
    """One campaign read for export: plain rows, already redacted in the public view."""

    public: bool
    campaign: dict[str, Any]
    questions: list[dict[str, Any]]
    requests: list[dict[str, Any]]
    answers: list[dict[str, Any]]
    # request row index -> its answers and mentions, for the nested JSON.
    answers_by_request: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    mentions_by_request: dict[int, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def request_columns(self) -> tuple[str, ...]:
        if self.public:
            return PUBLIC_REQUEST_COLUMNS
        return PRIVATE_REQUEST_COLUMNS + PUBLIC_REQUEST_COLUMNS

    @property
    def answer_columns(self) -> tuple[str, ...]:
        if self.public:
            return PUBLIC_ANSWER_COLUMNS
        return PRIVATE_ANSWER_COLUMNS + PUBLIC_ANSWER_COLUMNS


def _day(moment: datetime | None) -> date | None:
    if moment is None:
        return None
    if moment.tzinfo is None:  # aggregates over SQLite come back naive; they are UTC
        moment = moment.replace(tzinfo=UTC)
    return london_date(moment)


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def working_days_to_respond(law: str, received_on: date | None, replied_on: date | None) -> int:
    """Working days from receipt to the first reply on the request's own law (0 if same day)."""
    if received_on is None or replied_on is None:
        raise ValueError("both days are needed")
    try:
        return max(0, working_calendar(law).working_days_between(received_on, replied_on))
    except OutsideCalendar:
        return max(0, (replied_on - received_on).days * 5 // 7)


# Statuses that say the authority answered (or the request ended) without a reply on record
# saying when: a person set them by hand, so whether it was in time is not known.
SETTLED_STATUSES = ANSWERED_STATUSES | {
    RequestStatus.WITHDRAWN.value,
    RequestStatus.DELIVERY_FAILED.value,
}


def on_time(
    due_on: date | None, replied_on: date | None, today: date, status: str | None = None
) -> bool | None:
    """Answered by the due date; late once the date has passed unanswered; None while in time.

    None too when the request was settled with no reply on record (withdrawn, or a status set
    by hand), since nothing says when it ended.
    """
    if due_on is None:
        return None
    if replied_on is not None:
        return replied_on <= due_on
    if status in SETTLED_STATUSES:
        return None
    return False if today > due_on else None


def _first_replies(campaign_id: int):
    """Per request: the moment of the first response, refusal or review outcome."""
    moment = sa.func.coalesce(Message.received_at, Message.created_at)
    return (
        sa.select(Message.request_id, sa.func.min(moment).label("replied_at"))
        .join(Request, Request.id == Message.request_id)
        .where(
            Request.campaign_id == campaign_id,
            Message.direction == MessageDirection.INBOUND.value,
            Message.kind.in_(REPLY_KINDS),
        )
        .group_by(Message.request_id)
        .subquery("first_replies")
    )


def sample_letter(campaign: Campaign) -> dict[str, str]:
    """The letter as every authority read it, with the authority's own details as placeholders."""
    law = law_for(campaign.law_override or LawCode.FOIA.value)
    context = LetterContext(
        authority=LetterAuthority(name="[authority name]", short_name="[authority]"),
        law=law,
        reply_to="[reply address]",
        today=_day(campaign.launched_at) or date.today(),
        questions=[q.text for q in campaign.questions],
        campaign_title=campaign.title,
    )
    try:
        letter = render_letter_text(campaign.subject_template, campaign.body_template, context)
    except LetterError:
        return {"subject": campaign.subject_template, "body": campaign.body_template}
    return {"subject": letter.subject, "body": letter.body}


def public_mask(campaign: Campaign) -> Callable[[str], str]:
    """The campaign's redaction rules as one function over text."""
    from campaign.domain.redaction import Redactor

    return Redactor.from_terms(campaign.redaction_terms).redact


def _text_list(values: Iterable[str] | None) -> list[str]:
    return [str(v) for v in (values or []) if v]


def load_export(
    campaign: Campaign, *, public: bool = False, today: date | None = None
) -> CampaignExport:
    """Read a campaign for export in four statements; `public` drops and redacts as above."""
    today = today or london_date(datetime.now(UTC))
    mask = public_mask(campaign) if public else (lambda text: text)

    def clean(text: str | None) -> str:
        return mask(text) if text else ""

    session = db.session
    questions = [
        {"number": q.position, "label": clean(q.short_label), "text": clean(q.text)}
        for q in session.scalars(
            sa.select(Question)
            .where(Question.campaign_id == campaign.id)
            .order_by(Question.position)
        )
    ]
    replies = _first_replies(campaign.id)
    request_rows = session.execute(
        sa.select(
            Request.id,
            Request.status,
            Request.law,
            Request.sent_at,
            Request.delivered_at,
            Request.due_on,
            Request.reference_id,
            Request.chase_stage,
            Request.review_requested_at,
            Request.review_outcome,
            Request.sent_to,
            Request.failure_reason,
            Request.review_grounds,
            Authority.name,
            Authority.gss_code,
            Authority.nation,
            Authority.authority_type,
            User.email.label("assigned_to"),
            sa.type_coerce(replies.c.replied_at, UTCDateTime()).label("replied_at"),
        )
        .join(Authority, Authority.id == Request.authority_id)
        .outerjoin(User, User.id == Request.assigned_to_id)
        .outerjoin(replies, replies.c.request_id == Request.id)
        .where(Request.campaign_id == campaign.id)
        .order_by(Authority.name, Request.id)
    ).all()

    answer_rows = session.execute(
        sa.select(
            Answer.request_id,
            Question.position,
            Question.text,
            Answer.outcome,
            Answer.exemptions,
            Answer.excerpt,
            Answer.urls,
            Answer.page,
            Answer.confidence,
            Answer.review_state,
            Attachment.filename,
            User.email.label("corrected_by"),
        )
        .join(Question, Question.id == Answer.question_id)
        .join(Request, Request.id == Answer.request_id)
        .join(Authority, Authority.id == Request.authority_id)
        .outerjoin(Attachment, Attachment.id == Answer.attachment_id)
        .outerjoin(User, User.id == Answer.corrected_by_id)
        .where(Request.campaign_id == campaign.id)
        .order_by(Authority.name, Request.id, Question.position)
    ).all()
    mention_rows = session.execute(
        sa.select(
            Mention.request_id, Mention.name, Mention.category, Mention.sentence, Mention.page
        )
        .join(Request, Request.id == Mention.request_id)
        .where(Request.campaign_id == campaign.id, Mention.rejected_at.is_(None))
        .order_by(Mention.request_id, Mention.name, Mention.id)
    ).all()

    exemptions_of: dict[int, set[str]] = {}
    for row in answer_rows:
        exemptions_of.setdefault(row.request_id, set()).update(_text_list(row.exemptions))

    requests: list[dict[str, Any]] = []
    authority_of: dict[int, tuple[str, str]] = {}
    for row in request_rows:
        received_on = _day(row.delivered_at or row.sent_at)
        replied_on = _day(row.replied_at)
        timely = on_time(row.due_on, replied_on, today, row.status)
        authority_of[row.id] = (row.name, row.gss_code or "")
        item: dict[str, Any] = {
            "request_id": row.id,
            "sent_to": row.sent_to or "",
            "assigned_to": row.assigned_to or "",
            "failure_reason": row.failure_reason or "",
            "review_grounds": row.review_grounds or "",
            "authority": row.name,
            "gss_code": row.gss_code or "",
            "nation": row.nation or "",
            "authority_type": row.authority_type or "",
            "status": row.status,
            "law": row.law,
            "sent_on": _iso(_day(row.sent_at)),
            "due_on": _iso(row.due_on),
            "first_response_on": _iso(replied_on),
            "working_days_to_respond": (
                working_days_to_respond(row.law, received_on, replied_on)
                if received_on and replied_on
                else None
            ),
            "on_time": timely,
            "reference_id": clean(row.reference_id) or None,
            "chase_stage": row.chase_stage or 0,
            "review_requested": row.review_requested_at is not None,
            "review_outcome": row.review_outcome,
            "exemptions": sorted(exemptions_of.get(row.id, ())),
        }
        if public:
            for column in PRIVATE_REQUEST_COLUMNS:
                del item[column]
        requests.append(item)

    answers: list[dict[str, Any]] = []
    answers_by_request: dict[int, list[dict[str, Any]]] = {}
    for row in answer_rows:
        name, gss = authority_of.get(row.request_id, ("", ""))
        item = {
            "request_id": row.request_id,
            "corrected_by": row.corrected_by or "",
            "authority": name,
            "gss_code": gss,
            "question_number": row.position,
            "question": clean(row.text),
            "outcome": row.outcome,
            "exemptions": sorted(_text_list(row.exemptions)),
            "excerpt": clean(row.excerpt),
            "document": clean(row.filename),
            "page": row.page,
            "urls": [clean(url) for url in _text_list(row.urls)],
            "confidence": round(float(row.confidence or 0.0), 3),
            "checked_by_person": row.review_state
            in (AnswerReview.CONFIRMED.value, AnswerReview.CORRECTED.value),
        }
        if public:
            for column in PRIVATE_ANSWER_COLUMNS:
                del item[column]
        answers.append(item)
        answers_by_request.setdefault(row.request_id, []).append(item)

    mentions_by_request: dict[int, list[dict[str, Any]]] = {}
    for row in mention_rows:
        mentions_by_request.setdefault(row.request_id, []).append(
            {
                "name": clean(row.name),
                "category": row.category,
                "sentence": clean(row.sentence),
                "page": row.page,
            }
        )

    ordered_ids = [row.id for row in request_rows]
    meta = {
        "slug": campaign.slug,
        "title": clean(campaign.title),
        "description": clean(campaign.description),
        "methodology": clean(campaign.methodology),
        "letter": {key: clean(value) for key, value in sample_letter(campaign).items()},
        "status": campaign.status,
        "launched_on": _iso(_day(campaign.launched_at)),
        "published_at": _iso(campaign.published_at) if campaign.is_public else None,
        "exported_on": today.isoformat(),
        "public": public,
    }
    return CampaignExport(
        public=public,
        campaign=meta,
        questions=questions,
        requests=requests,
        answers=answers,
        answers_by_request={
            n: answers_by_request.get(rid, []) for n, rid in enumerate(ordered_ids)
        },
        mentions_by_request={
            n: mentions_by_request.get(rid, []) for n, rid in enumerate(ordered_ids)
        },
    )


# -- CSV ----------------------------------------------------------------------------------------


def safe_cell(value: Any) -> str:
    """One CSV cell: lists joined with "; ", y/n for yes/no, formulas defused with a quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "y" if value else "n"
    if isinstance(value, list | tuple):
        value = "; ".join(str(v) for v in value)
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def write_csv(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> str:
    """RFC 4180 text (CRLF line ends, quotes only where needed), every cell made safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(row.get(column)) for column in columns])
    return out.getvalue()


def requests_csv(export: CampaignExport) -> str:
    return write_csv(export.request_columns, export.requests)


def answers_csv(export: CampaignExport) -> str:
    return write_csv(export.answer_columns, export.answers)


# -- JSON ---------------------------------------------------------------------------------------


def campaign_document(export: CampaignExport) -> dict[str, Any]:
    """The campaign as one JSON document: metadata, licence, questions, requests nested."""
    requests = []
    for n, row in enumerate(export.requests):
        nested = dict(row)
        nested["answers"] = [
            {k: v for k, v in answer.items() if k not in ("authority", "gss_code", "request_id")}
            for answer in export.answers_by_request.get(n, [])
        ]
        nested["mentions"] = export.mentions_by_request.get(n, [])
        requests.append(nested)
    return {
        "campaign": export.campaign,
        "licence": LICENCE,
        "questions": export.questions,
        "requests": requests,
    }


def campaign_json(export: CampaignExport) -> str:
    return json.dumps(campaign_document(export), ensure_ascii=False, indent=1) + "\n"


# -- by slug, for the pages and the command -----------------------------------------------------


def find_campaign(slug: str) -> Campaign | None:
    from campaign.services.campaigns import get_campaign

    return get_campaign(slug)


def find_published(slug: str) -> Campaign | None:
    """A campaign anyone may download, or None: unknown, unpublished and hostile slugs (a NUL
    byte PostgreSQL refuses) look the same."""
    from campaign.services.publishing import find_visible

    return find_visible(slug)


DOWNLOADS = {
    "requests.csv": ("text/csv; charset=utf-8", lambda export: requests_csv(export)),
    "answers.csv": ("text/csv; charset=utf-8", lambda export: answers_csv(export)),
    "campaign.json": ("application/json", lambda export: campaign_json(export)),
}


def download(campaign: Campaign, name: str, *, public: bool) -> tuple[str, str, str]:
    """(filename, content type, text) of one data file; KeyError for a file that is not one."""
    content_type, build = DOWNLOADS[name]
    filename = f"{safe_filename(campaign.slug)}-{'public-' if public else ''}{name}"
    return filename, content_type, build(load_export(campaign, public=public))


def safe_filename(text: str) -> str:
    """Letters, digits, dash and underscore only: safe in a Content-Disposition header."""
    kept = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "-" for c in text)
    return kept.strip("-") or "campaign"
