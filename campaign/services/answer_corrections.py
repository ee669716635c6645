"""A person's word on an answer or a mention: corrections, confirmations, undo, rejections.

What a person says wins over the parser and survives every re-parse. Each change is an Event
on the request's timeline (the audit log: who, when, what it was before). Input is checked as a
whole before anything changes, so a form with one bad field changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from campaign.domain.vocabulary import AnswerOutcome, MessageDirection, values
from campaign.extensions import db
from campaign.models import Answer, Attachment, Campaign, Mention, Message, Request
from campaign.models.answer import AnswerReview
from campaign.models.base import utcnow
from campaign.services.answers import (
    MAX_STORED_EXCERPT,
    NO_ANSWER,
    PERSON,
    AskedQuestion,
    asked_questions,
    show_reading,
)
from campaign.services.statuses import record_event

MAX_EXCERPT = MAX_STORED_EXCERPT
MAX_URLS = 20
MAX_URL_LENGTH = 2000
MAX_EXEMPTIONS = 20
MAX_MENTION_NAME = 120
MAX_SENTENCE = 2000
MENTION_CATEGORIES = ("system", "vendor")
# s21, s43(2), s22A, s40(2)(a), reg12(4)(a), reg13: FOIA/FOISA sections and EIR regulations.
_EXEMPTION = re.compile(
    r"^(?:s(\d{1,2})([a-z]?)((?:\(\d{1,2}[a-z]?\))*(?:\([a-z]\))?)"
    r"|reg(\d{1,2})((?:\(\d\))?(?:\([a-z]\))?))$",
    re.IGNORECASE,
)
_URL = re.compile(r"^https?://[^\s<>\"]+$", re.IGNORECASE)


@dataclass(frozen=True)
class AnswerEdit:
    """An answer as a person typed it: every field of the review screen's row."""

    outcome: str
    exemptions: str = ""
    excerpt: str = ""
    source: str = ""  # "" (none), "m<message id>" (its body) or "a<attachment id>"
    page: int | None = None
    urls: str = ""


@dataclass(frozen=True)
class MentionEdit:
    name: str
    category: str = "system"
    sentence: str = ""
    source: str = ""
    page: int | None = None


@dataclass(frozen=True)
class Change:
    """What a person's action did, or the problems (by form field) that stopped it."""

    problems: dict[str, str] = field(default_factory=dict)
    changed: bool = False
    message: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def _refused(field_name: str, problem: str) -> Change:
    return Change(problems={field_name: problem})


# --- Answers -----------------------------------------------------------------------------------


def correct_answer(request: Request, position: int, edit: AnswerEdit, user_id: int) -> Change:
    """Store a person's answer to one question; from now on it is what every page shows."""
    asked = _asked(request, position)
    if asked is None:
        return _refused("question", f"This request has no question {position}.")
    shown, problems = _checked(request, edit)
    if problems:
        return Change(problems=problems)
    _lock(request)
    answer = _answer(request, asked)
    if answer is not None and _shown_values(answer) == shown:
        return Change(
            message="Nothing changed. Use “Confirm as right” to mark it checked as it is."
        )
    before = _shown_values(answer) if answer is not None else None
    if answer is None:
        answer = Answer(request_id=request.id, question_id=asked.question.id)
        request.answers.append(answer)
    for name, value in shown.items():
        setattr(answer, name, value)
    answer.review_state = AnswerReview.CORRECTED.value
    answer.corrected_by_id = user_id
    answer.corrected_at = utcnow()
    record_event(
        "answer_corrected",
        request=request,
        user_id=user_id,
        question=position,
        changes=_describe_changes(before, shown),
    )
    db.session.commit()
    return Change(changed=True, message=f"Question {position} corrected.")


def confirm_answer(request: Request, position: int, user_id: int) -> Change:
    """A person checked the answer and it is right as it stands: it leaves the queue and a
    re-parse no longer changes what it shows."""
    asked = _asked(request, position)
    _lock(request)
    answer = _answer(request, asked) if asked is not None else None
    if answer is None:
        return _refused("question", f"Question {position} has no answer to confirm yet.")
    if answer.review_state == AnswerReview.CORRECTED.value:
        return Change(message=f"Question {position} was corrected by a person already.")
    if answer.review_state == AnswerReview.CONFIRMED.value:
        return Change(message=f"Question {position} was confirmed already.")
    answer.review_state = AnswerReview.CONFIRMED.value
    answer.corrected_by_id = user_id
    answer.corrected_at = utcnow()
    record_event(
        "answer_confirmed",
        request=request,
        user_id=user_id,
        question=position,
        outcome=answer.outcome,
    )
    db.session.commit()
    return Change(changed=True, message=f"Question {position} confirmed as right.")


def undo_correction(request: Request, position: int, user_id: int) -> Change:
    """Hand the answer back to the parser: it shows the parser's latest reading again."""
    asked = _asked(request, position)
    _lock(request)
    answer = _answer(request, asked) if asked is not None else None
    if answer is None or not answer.held_by_person:
        return _refused("question", f"Question {position} has no correction to undo.")
    before = _shown_values(answer)
    if answer.parsed is None:  # typed in by a person, never read by the parser
        db.session.delete(answer)
        after = None
    else:
        show_reading(answer, answer.parsed)
        answer.review_state = AnswerReview.PARSED.value
        answer.corrected_by_id = None
        answer.corrected_at = None
        after = _shown_values(answer)
    record_event(
        "answer_correction_undone",
        request=request,
        user_id=user_id,
        question=position,
        changes=_describe_changes(before, after) if after else "the answer typed in was removed",
    )
    db.session.commit()
    return Change(changed=True, message=f"Question {position} shows the parser's reading again.")


def confirm_in_campaign(campaign: Campaign, answer_id: int | None, user_id: int) -> Change:
    """Confirm from the campaign's queue: the answer must be one of this campaign's."""
    answer = db.session.get(Answer, answer_id) if answer_id is not None else None
    if answer is None or answer.request.campaign_id != campaign.id:
        return _refused("answer", "That answer is not one of this campaign's.")
    return confirm_answer(answer.request, answer.question.position, user_id)


def _asked(request: Request, position: int) -> AskedQuestion | None:
    return next((q for q in asked_questions(request) if q.position == position), None)


def _answer(request: Request, asked: AskedQuestion) -> Answer | None:
    return db.session.scalar(
        sa.select(Answer)
        .where(Answer.request_id == request.id, Answer.question_id == asked.question.id)
        .execution_options(populate_existing=True)
    )


def _lock(request: Request) -> None:
    """The request's row lock, as the reply pipeline and re-parse take it: a correction and a
    re-read of the same request never interleave."""
    db.session.execute(
        sa.select(Request.id).where(Request.id == request.id).with_for_update()
    ).all()


def _shown_values(answer: Answer) -> dict[str, Any]:
    return {
        "outcome": answer.outcome,
        "exemptions": list(answer.exemptions or []),
        "excerpt": answer.excerpt or "",
        "urls": list(answer.urls or []),
        "message_id": answer.message_id,
        "attachment_id": answer.attachment_id,
        "page": answer.page,
    }


def _describe_changes(before: dict[str, Any] | None, after: dict[str, Any]) -> str:
    """ "outcome: not held → disclosed; page: 1 → 2", for the timeline."""
    before = before or {"outcome": NO_ANSWER}
    parts = []
    for name, value in after.items():
        old = before.get(name)
        if old == value or (not old and not value):
            continue
        if name in ("message_id", "attachment_id"):
            parts.append("source document changed")
        elif name == "excerpt":
            parts.append("excerpt edited")
        else:
            parts.append(f"{name}: {_shown(old)} → {_shown(value)}")
    return "; ".join(dict.fromkeys(parts)) or "no change"


def _shown(value: Any) -> str:
    if value in (None, "", []):
        return "—"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value).replace("_", " ")


def _checked(request: Request, edit: AnswerEdit) -> tuple[dict[str, Any], dict[str, str]]:
    """The edit as stored values, or the problems with it, by form field."""
    problems: dict[str, str] = {}
    outcome = (edit.outcome or "").strip()
    if outcome not in values(AnswerOutcome):
        problems["outcome"] = "Choose one of the listed outcomes."
    exemptions, bad = parse_exemptions(edit.exemptions)
    if bad:
        problems["exemptions"] = (
            f"“{bad[0]}” is not an exemption: write them like s21, s43(2) or reg12(4)(a)."
        )
    elif len(exemptions) > MAX_EXEMPTIONS:
        problems["exemptions"] = f"At most {MAX_EXEMPTIONS} exemptions."
    excerpt = (edit.excerpt or "").strip()
    if len(excerpt) > MAX_EXCERPT:
        problems["excerpt"] = (
            f"The excerpt is {len(excerpt):,} characters; at most {MAX_EXCERPT:,} are kept."
        )
    urls, url_problem = parse_urls(edit.urls)
    if url_problem:
        problems["urls"] = url_problem
    source, source_problems = _source(request, edit.source, edit.page)
    problems.update(source_problems)
    shown = {
        "outcome": outcome,
        "exemptions": exemptions,
        "excerpt": excerpt,
        "urls": urls,
        **source,
    }
    return shown, problems


def parse_exemptions(text: str) -> tuple[list[str], list[str]]:
    """("s21, section 40(2)" →) ["s21", "s40(2)"], and whatever is not an exemption."""
    text = re.sub(r"\bsection\s*", "s", text or "", flags=re.IGNORECASE)
    text = re.sub(r"\bregulation\s*", "reg", text, flags=re.IGNORECASE)
    text = re.sub(r"\b(s|reg)\.\s*", r"\1", text, flags=re.IGNORECASE)
    found: list[str] = []
    bad: list[str] = []
    for token in re.split(r"[,;\s]+", text.strip()):
        if not token:
            continue
        match = _EXEMPTION.match(token)
        if match is None:
            bad.append(token[:40])
        elif match.group(1):
            found.append(f"s{match.group(1)}{match.group(2).upper()}{match.group(3).lower()}")
        else:
            found.append(f"reg{match.group(4)}{match.group(5).lower()}")
    return list(dict.fromkeys(found)), bad


def parse_urls(text: str) -> tuple[list[str], str | None]:
    urls = list(dict.fromkeys((text or "").split()))
    if len(urls) > MAX_URLS:
        return [], f"At most {MAX_URLS} links."
    for url in urls:
        if len(url) > MAX_URL_LENGTH or not _URL.match(url):
            return [], f"“{url[:60]}” is not a web address starting http:// or https://."
    return urls, None


def _source(request: Request, key: str, page: int | None) -> tuple[dict[str, Any], dict[str, str]]:
    """The message/attachment/page a person points at; it must be this request's own mail."""
    key = (key or "").strip()
    none = {"message_id": None, "attachment_id": None, "page": None}
    if not key:
        if page is not None:
            return none, {"source": "Choose the document the page is in."}
        return none, {}
    document = document_of(request, key)
    if document is None:
        return none, {"source": "That document is not one of this request's replies."}
    message, attachment = document
    pages = page_count(attachment)
    if page is not None and not 1 <= page <= pages:
        where = attachment.filename if attachment is not None else "The email body"
        return none, {
            "page": f"{where} has {pages} {'page' if pages == 1 else 'pages'}; "
            f"page {page} is not one of them."
        }
    return {
        "message_id": message.id,
        "attachment_id": attachment.id if attachment is not None else None,
        "page": page,
    }, {}


def document_of(request: Request, key: str) -> tuple[Message, Attachment | None] | None:
    """("m12" → the body of message 12, "a34" → attachment 34) if they are this request's
    inbound mail; None for anything else, however it was typed."""
    kind, number = key[:1], key[1:]
    if kind not in ("m", "a") or not number.isdigit() or len(number) > 18:
        return None
    if kind == "m":
        message = db.session.get(Message, int(number))
        attachment = None
    else:
        attachment = db.session.get(Attachment, int(number))
        message = attachment.message if attachment is not None else None
    if (
        message is None
        or message.request_id != request.id
        or message.direction != MessageDirection.INBOUND.value
    ):
        return None
    return message, attachment


def page_count(attachment: Attachment | None) -> int:
    """Pages a source has: the email body is one; a file as many as were read (at least one)."""
    if attachment is None:
        return 1
    return max(len(attachment.pages or []), attachment.page_count or 0, 1)


# --- Mentions ----------------------------------------------------------------------------------


def reject_mention(request: Request, mention_id: int | None, user_id: int) -> Change:
    """The reply does not name this: the parser's mention is kept rejected (a re-parse that
    finds it again leaves it so); one a person added is removed."""
    mention = _mention(request, mention_id)
    if mention is None:
        return _refused("mention", "That mention is not one of this request's.")
    if mention.rejected_at is not None:
        return Change(message=f"{mention.name} was rejected already.")
    if mention.source == PERSON:
        request.mentions.remove(mention)
        record_event("mention_removed", request=request, user_id=user_id, name=mention.name)
        db.session.commit()
        return Change(changed=True, message=f"{mention.name} removed.")
    mention.rejected_at = utcnow()
    mention.person_id = user_id
    record_event("mention_rejected", request=request, user_id=user_id, name=mention.name)
    db.session.commit()
    return Change(changed=True, message=f"{mention.name} rejected: re-parsing keeps it so.")


def restore_mention(request: Request, mention_id: int | None, user_id: int) -> Change:
    mention = _mention(request, mention_id)
    if mention is None or mention.rejected_at is None:
        return _refused("mention", "That mention is not a rejected one of this request's.")
    mention.rejected_at = None
    mention.person_id = user_id
    record_event("mention_restored", request=request, user_id=user_id, name=mention.name)
    db.session.commit()
    return Change(changed=True, message=f"{mention.name} restored.")


def add_mention(request: Request, edit: MentionEdit, user_id: int) -> Change:
    """A system or vendor the parser missed, added by a person; re-parsing keeps it."""
    name = " ".join((edit.name or "").split())
    problems: dict[str, str] = {}
    if not name:
        problems["name"] = "Type the name of the system or vendor."
    elif len(name) > MAX_MENTION_NAME:
        problems["name"] = f"A name may be at most {MAX_MENTION_NAME} characters."
    if edit.category not in MENTION_CATEGORIES:
        problems["category"] = "Choose system or vendor."
    sentence = (edit.sentence or "").strip()
    if len(sentence) > MAX_SENTENCE:
        problems["sentence"] = f"The sentence may be at most {MAX_SENTENCE:,} characters."
    source, source_problems = _source(request, edit.source, edit.page)
    problems.update(source_problems)
    existing = next((m for m in request.mentions if m.name.casefold() == name.casefold()), None)
    if name and existing is not None:
        problems["name"] = f"{existing.name} is listed already" + (
            ": restore it instead." if existing.rejected_at else "."
        )
    if problems:
        return Change(problems=problems)
    request.mentions.append(
        Mention(
            request_id=request.id,
            name=name,
            category=edit.category,
            sentence=sentence,
            source=PERSON,
            person_id=user_id,
            parser_version="",
            **source,
        )
    )
    record_event("mention_added", request=request, user_id=user_id, name=name)
    db.session.commit()
    return Change(changed=True, message=f"{name} added.")


def _mention(request: Request, mention_id: int | None) -> Mention | None:
    mention = db.session.get(Mention, mention_id) if mention_id is not None else None
    return mention if mention is not None and mention.request_id == request.id else None
