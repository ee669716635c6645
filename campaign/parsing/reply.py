"""One reply read as a whole: its reference, kind, outcome, exemptions and review window.

A reply is an email (subject and body) and its attachments. The letter may be the body itself or
an attached PDF/Word file with a short cover note; attachments that are not letters are the
released documents themselves. The body's quoted thread is set aside, so our own request is never
read as the authority's answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from campaign.domain.vocabulary import MessageKind
from campaign.parsing.answers import read_answers
from campaign.parsing.documents import PAGE_BREAK, ExtractedText
from campaign.parsing.exemptions import find_exemptions
from campaign.parsing.extensions import extended_until
from campaign.parsing.findings import AnswerFinding, MentionFinding, SourcePage
from campaign.parsing.kinds import classify_kind, read_kind_signs
from campaign.parsing.mentions import find_mentions
from campaign.parsing.outcomes import judge_outcome, read_findings
from campaign.parsing.plain_text import Alternatives, caseless, normalise
from campaign.parsing.quoting import new_text
from campaign.parsing.references import find_reference
from campaign.parsing.review_window import review_window_days

# Letters are a few pages (the longest in the corpus, a refusal with its public interest test,
# is 14,000 chars); past about 25 pages a document is released material or annexes, and reading
# it as the letter would cost time on 500-page attachments and find only coincidences.
MAX_READ_CHARS = 60_000
# A letter's reference is in its heading or closing lines, which a long letter has by then.
REFERENCE_PAGES = 6
# A document with no letter words is read only this far, for the covering note it may open with.
OPENING_CHARS = 8_000
_FINAL_KINDS = {MessageKind.RESPONSE, MessageKind.REFUSAL, MessageKind.REVIEW_OUTCOME}
_NO_DETAILS_KINDS = {MessageKind.BOUNCE, MessageKind.OTHER}
# A letter about a request, as opposed to a released document (report, spreadsheet, manual).
_LETTER = re.compile(
    r"freedom\s+of\s+information|environmental\s+information\s+regulations|\bFOI(?:A|SA)?\b|"
    r"\bEIRs?\b|your\s+(?:request|email|letter)|request\s+for\s+information|\bDear\b|"
    r"internal\s+review|(?:our|request|case)\s+ref(?:erence)?\b|\bnot\s+held\b",
    re.IGNORECASE,
)
# `_LETTER`'s alternatives one by one, each with groups of words one of each of which every
# match holds, and the words every match starts with: an alternative is run only on an opening
# that has its words, and only where they start, as one alternation tried at every character is
# what makes the whole pattern slow. Keep in step.
_LETTER_PARTS = Alternatives(
    [
        r"freedom\s+of\s+information",
        r"environmental\s+information\s+regulations",
        r"\bFOI(?:A|SA)?\b",
        r"\bEIRs?\b",
        r"your\s+(?:request|email|letter)",
        r"request\s+for\s+information",
        r"\bDear\b",
        r"internal\s+review",
        r"(?:our|request|case)\s+ref(?:erence)?\b",
        r"\bnot\s+held\b",
    ],
    [
        (("freedom",),),
        (("environmental",),),
        (("foi",),),
        (("eir",),),
        (("your",), ("request", "email", "letter")),
        (("request",), ("information",)),
        (("dear",),),
        (("internal",), ("review",)),
        (("our", "request", "case"), ("ref",)),
        (("not",), ("held",)),
    ],
    starts=[
        ("freedom",),
        ("environmental",),
        ("foi",),
        ("eir",),
        ("your",),
        ("request",),
        ("dear",),
        ("internal",),
        ("our", "request", "case"),
        ("not",),
    ],
)
# Released documents run to pages; anything shorter is a note or letter and is read as one.
_SHORT_DOCUMENT_CHARS = 2000
# Spreadsheets and slides are released material, never the letter.
_DATA_METHODS = {"xlsx", "pptx"}


@dataclass(frozen=True)
class ReplyAnalysis:
    """What the parser read in one reply; `to_json` is the `campaign parse-reply` output."""

    reference_id: str | None
    reference_source: str | None
    kind: str
    outcome: str | None
    exemptions: list[str] = field(default_factory=list)
    review_window_days: int | None = None
    extended_until: date | None = None
    mentions: list[MentionFinding] = field(default_factory=list)
    answers: list[AnswerFinding] = field(default_factory=list)
    # The letter's pages as read (body first, then each letter attachment): what answers and
    # mentions point into, and what a request's questions are aligned against once it is known.
    pages: tuple[SourcePage, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "reference_id": self.reference_id,
            "kind": self.kind,
            "outcome": self.outcome,
            "exemptions": list(self.exemptions),
            "mentions": list(dict.fromkeys(mention.name for mention in self.mentions)),
            "review_window_days": self.review_window_days,
            "answers": [answer.to_json() for answer in self.answers],
        }


def analyse_reply(
    *,
    subject: str = "",
    body: str = "",
    documents: Sequence[tuple[str, ExtractedText]] = (),
    auto_submitted: bool = False,
    delivery_report: bool = False,
    questions: Sequence[str] = (),
) -> ReplyAnalysis:
    """Read one reply: the email's subject and body plus the text of its attachments."""
    fresh = new_text(body)
    letters, released = _split_documents(fresh, documents)
    reading = "\n\n".join([fresh, *(_head(text, MAX_READ_CHARS) for _, text in letters)])
    reading = _without_questions(reading[:MAX_READ_CHARS], questions)

    reference, source = _reference(subject, fresh, body, letters)
    exemptions = find_exemptions(reading)
    findings = read_findings(reading, exemptions)
    signs = read_kind_signs(reading, subject)
    if released and (findings.says_anything or signs.cover_note):
        findings = replace(findings, disclosed=True)
    outcome = judge_outcome(findings)
    kind = classify_kind(
        signs,
        findings,
        outcome,
        has_reference=reference is not None,
        cost_limit=bool({"s12", "reg12(4)(b)"} & set(exemptions)),
        long_letter=len(reading) > 1500,
        auto_submitted=auto_submitted,
        delivery_report=delivery_report,
    )
    if (
        kind == MessageKind.RESPONSE
        and outcome is None
        and len(reading) > 1500
        and not signs.cover_note
    ):
        outcome = "successful"  # a full letter whose answers are written out in it
    if kind in _NO_DETAILS_KINDS:
        return ReplyAnalysis(reference, source, kind.value, None)
    pages = reply_pages(fresh, letters)
    return ReplyAnalysis(
        reference_id=reference,
        reference_source=source,
        kind=kind.value,
        outcome=outcome if kind in _FINAL_KINDS else None,
        exemptions=exemptions if kind in _FINAL_KINDS else [],
        review_window_days=review_window_days(reading),
        extended_until=extended_until(reading) if kind == MessageKind.EXTENSION else None,
        mentions=find_mentions(pages),
        answers=(
            read_answers(pages, questions, kind=kind.value, letter=(outcome, exemptions))
            if questions and kind in _FINAL_KINDS
            else []
        ),
        pages=pages,
    )


def answers_for(analysis: ReplyAnalysis, questions: Sequence[str]) -> list[AnswerFinding]:
    """The per-question answers of an analysed reply, once its request's questions are known."""
    if not questions or analysis.kind not in {kind.value for kind in _FINAL_KINDS}:
        return []
    return read_answers(
        analysis.pages,
        questions,
        kind=analysis.kind,
        letter=(analysis.outcome, analysis.exemptions),
    )


def reply_pages(body: str, letters: Sequence[tuple[str, ExtractedText]]) -> tuple[SourcePage, ...]:
    """The reply's own words page by page: the new body text, then each letter's pages."""
    pages = [SourcePage(None, 1, body)] if body.strip() else []
    budget = MAX_READ_CHARS
    for name, text in letters:
        for number, page in enumerate(text.pages, start=1):
            if budget <= 0:
                break
            pages.append(SourcePage(name, number, page[:budget]))
            budget -= len(page)
    return tuple(pages)


def _split_documents(
    body: str, documents: Sequence[tuple[str, ExtractedText]]
) -> tuple[list[tuple[str, ExtractedText]], list[tuple[str, ExtractedText]]]:
    """Letters to read, and released documents that only show information was given.

    With no body text the attachments are the reply itself: the ones that read like a letter
    are read whole; if none does, the opening pages of each are read as the letter, since a
    covering letter comes first and reading a 300-page report as one would find only
    coincidences (its headings quoting a question, its pages naming every system).
    """
    if not body.strip():
        letters = [(name, text) for name, text in documents if _reads_as_letter(_head(text))]
        if letters:
            return letters, [item for item in documents if item not in letters]
        return [(name, _opening(text)) for name, text in documents], []
    letters, released = [], []
    for name, text in documents:
        content = text.text.strip()
        if text.method in _DATA_METHODS:
            released.append((name, text))
        elif len(content) < _SHORT_DOCUMENT_CHARS or _reads_as_letter(content[:4000]):
            letters.append((name, text))
        elif content:
            released.append((name, text))
    return letters, released


def _reads_as_letter(opening: str) -> bool:
    """Whether `_LETTER` matches the opening of a document."""
    return _LETTER_PARTS.search(opening, caseless(opening))


def _head(text: ExtractedText, chars: int = 4000) -> str:
    """The first `chars` characters of a document's text, without joining all its pages."""
    pages: list[str] = []
    length = -len(PAGE_BREAK)
    for page in text.pages:
        pages.append(page)
        length += len(PAGE_BREAK) + len(page)
        if length >= chars:
            break
    return PAGE_BREAK.join(pages)[:chars]


def _opening(text: ExtractedText) -> ExtractedText:
    """The first pages of a document, up to OPENING_CHARS."""
    pages, budget = [], OPENING_CHARS
    for page in text.pages:
        if budget <= 0:
            break
        pages.append(page[:budget])
        budget -= len(page)
    return replace(text, pages=pages)


def _reference(
    subject: str, fresh: str, body: str, letters: Sequence[tuple[str, ExtractedText]]
) -> tuple[str | None, str | None]:
    """Subject first, then the new body text, then each letter page, then the quoted thread."""
    if subject and (found := find_reference(subject, title=True)):
        return found, "subject"
    if found := find_reference(fresh):
        return found, "body"
    for name, text in letters:
        for number, page in enumerate(text.pages[:REFERENCE_PAGES], start=1):
            if found := find_reference(page):
                return found, f"attachment {name} p.{number}"
    quoted = body[len(fresh) :] if body.startswith(fresh) else body
    if quoted.strip() and (found := find_reference(quoted)):
        return found, "body"
    return None, None


def _without_questions(text: str, questions: Sequence[str]) -> str:
    """Text with the request's own questions removed, where the letter repeats them."""
    if not questions:
        return text
    flat_text = normalise(text)
    lower = caseless(flat_text)  # removing a question only removes words: still good after
    for question in questions:
        words = question.split()
        if len(words) < 4 or not all(caseless(word) in lower for word in words):
            continue  # a repeated question holds every one of its words
        pattern = r"\s+".join(re.escape(word) for word in words)
        flat_text = re.sub(pattern, " ", flat_text, flags=re.IGNORECASE)
    return flat_text
