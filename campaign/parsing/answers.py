"""Per-question answers: align the request's questions to what the reply says about each.

Authorities answer a multi-part request in a handful of layouts, and one reply can mix them:
- each question quoted (numbered, bulleted, or "Q1"/"A1") with its answer beneath;
- the questions quoted together up front, then answers by number ("In relation to Question 1",
  "Questions 4 and 6: not held", "the remainder of the request is refused");
- answers numbered without the questions ("1. Not held. 2. Please find attached ...");
- no per-question structure at all: the letter's one answer stands for every question.

The reader finds anchors (a question quoted, found by fuzzy matching, or referred to by number),
cuts the letter into the stretches between anchors, and reads each stretch with the same rules
that judge a whole reply (outcomes.py, exemptions.py), plus the short forms only an answer to one
question uses ("There has been no requirement to produce this").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from rapidfuzz import fuzz

from campaign.domain.vocabulary import AnswerOutcome, MessageKind
from campaign.parsing.exemptions import find_exemptions, regime_of
from campaign.parsing.findings import AnswerFinding, SourcePage
from campaign.parsing.outcomes import (
    NOT_HELD_PATTERN,
    WITHHELD_PATTERN,
    Findings,
    judge_outcome,
    read_findings,
)
from campaign.parsing.plain_text import normalise, paragraphs, sentences, without_links

MAX_EXCERPT_CHARS = 400
# Past this many paragraphs the text is released material, not a letter answering questions;
# aligning against it would cost time and find only coincidences.
MAX_PARAGRAPHS = 4000
_QUOTE_THRESHOLD = 80.0
_SHORT_QUESTION_CHARS = 40

_OUTCOME_OF_STATUS = {
    "successful": AnswerOutcome.DISCLOSED,
    "partially_successful": AnswerOutcome.PARTIALLY_DISCLOSED,
    "not_held": AnswerOutcome.NOT_HELD,
    "refused": AnswerOutcome.REFUSED,
}
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"')\]]+[^\s<>\"')\].,;:]", re.IGNORECASE)

# A paragraph that starts with a question's number: "Q1", "Question 2:", "1.", "(3)", "A4".
_LEADING_MARKER = re.compile(
    r"^\s*(?:[-*>]\s*)?(?:(?:questions?|q|part|point|item|request)\s*(?P<named>\d{1,2})\b|"
    r"(?P<answer>a|answer|response)\s*(?P<answered>\d{1,2})\b|"
    r"\(?(?P<bare>\d{1,2})(?:[.):]|\s*-\s)(?!\d))\s*[.):-]?\s*",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^\s*(?:[-*>.]|[a-z][.)])\s+", re.IGNORECASE)
_INTRO = (
    r"(?:in\s+(?:relation|response|reply|answer)\s+to|with\s+(?:regards?|respect)\s+to|"
    r"regarding|turning\s+to|as\s+(?:regards|for)|concerning|for|re:?)?\s*(?:your\s+)?"
)
_NUMBER_LIST = r"\d{1,2}(?:\s*(?:,|&|and|or|to|-|/|,\s*and)\s*(?:questions?|q)?\s*\d{1,2})*"
# "In relation to Questions 4, and 6:", "Questions 2-5: not held", "Q3 & Q4".
_NUMBERED_REFERENCE = re.compile(
    rf"^\s*{_INTRO}(?:questions?|q|parts?|points?|items?)\s*(?P<numbers>{_NUMBER_LIST})\b",
    re.IGNORECASE,
)
_REMAINDER = re.compile(
    r"^\s*(?:[\w ,]{0,40}?\b)?(?:(?:remainder|rest)\s+of\s+(?:the|your)\s+(?:request|questions)|"
    r"(?:remaining|all\s+other|other)\s+(?:questions|parts|points|items))\b",
    re.IGNORECASE,
)
# Where the answers end: the rights, re-use and sign-off paragraphs every letter closes with.
_CLOSING = re.compile(
    r"^(?:yours\s+(?:sincerely|faithfully)|kind\s+regards|best\s+regards|regards\b|"
    r"many\s+thanks|if\s+you\s+are\s+(?:unhappy|dissatisfied|not\s+(?:happy|satisfied))|"
    r"if\s+you\s+(?:are\s+)?(?:wish|want)\s+to\s+(?:complain|request\s+(?:an\s+)?internal)|"
    r"if\s+you\s+(?:still\s+)?remain\s+dissatisfied|you\s+have\s+the\s+right|"
    r"your\s+right\s+to|complaint\s+rights|right\s+of\s+appeal|the\s+supply\s+of\s+information|"
    r"re-?use\s+of|copyright|please\s+remember\s+to\s+quote|should\s+you\s+wish\s+to\s+make\s+any|"
    r"if\s+you\s+have\s+any\s+(?:further\s+)?(?:queries|questions|enquiries))",
    re.IGNORECASE,
)
# Short answers that say nothing of the kind exists, in the words only an answer uses.
_NOTHING_EXISTS = re.compile(
    r"^(?:(?:with\s+(?:regards?|respect)\s+to|in\s+relation\s+to|regarding|as\s+for)\s+"
    r"[^,.]{0,60}?,?\s+)?(?:there\s+(?:is|are|was|were|has\s+been|have\s+been)\s+no\b|"
    r"there\s+(?:has|have|had)\s+not\s+been\b|there\s+(?:is|are)\s+not\s+any\b|"
    r"(?:none|nil|no)\s*\.?$|none\s+(?:held|exist|available)|"
    r"no\s+(?:\w+\s+){0,6}?(?:is|are|was|were|has\s+been|have\s+been)\s+(?:provided|produced|"
    r"created|held|undertaken|carried\s+out|completed|conducted|used|involved|issued|developed|"
    r"published|available|in\s+place|recorded|kept)|"
    r"(?:\w+\s+){0,4}?(?:has|have|had|did)\s+not\s+(?:\w+\s+)?(?:carried\s+out|undertaken|"
    r"produced|created|conducted|completed|commissioned|developed|published|written|issued)\s+"
    r"(?:any|such)\b)",
    re.IGNORECASE,
)
# "See the answer to question 1": an answer that stands on another one.
_SEE_OTHER = re.compile(
    r"\b(?:see|refer\s+to|as\s+(?:per|in|for)|in\s+response\s+to|covered\s+(?:by|in|under))\s+"
    r"(?:the\s+|our\s+|my\s+)?(?:(?:answer|response|reply)\s+(?:to|for|at)\s+)?"
    r"(?:question|q|part|point)\s*(\d{1,2})\b",
    re.IGNORECASE,
)


# Part of one answer given: the whole-reply "remainder of the request" wording does not count.
_PARTLY_GIVEN = re.compile(
    r"\bredact|\bsome\s+of\s+the\s+(?:information|data|documents|material)|\bin\s+part\b|"
    r"\bpartially\s+(?:disclosed|provided|released)|\bpart\s+of\s+the\s+information",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Paragraph:
    text: str
    document: str | None
    page: int


@dataclass(frozen=True)
class _Anchor:
    """A place where the letter turns to some questions; its answer runs to the next anchor."""

    position: int  # paragraph index
    questions: tuple[int, ...]  # 1-based
    method: str  # "quote" | "number" | "remainder"
    score: float  # 0..1: how sure the anchor is
    skip: int = 0  # chars of the answer's first paragraph that belong to the anchor
    answer_from: int = -1  # paragraph the answer starts in, when a quote runs over several

    @property
    def first(self) -> int:
        return self.position if self.answer_from < 0 else self.answer_from


def read_answers(
    pages: Sequence[SourcePage],
    questions: Sequence[str],
    *,
    kind: str | None = None,
    letter: tuple[str | None, Sequence[str]] | None = None,
) -> list[AnswerFinding]:
    """One finding per question, in order; a question the reply does not address is no_answer.

    `kind` is the reply's message kind when known: a review outcome answers only what it
    mentions, so it never lends its overall result to questions it does not name. `letter` is
    the whole reply's outcome and exemptions when the caller has read them already; a letter
    with no per-question structure answers every question with them.
    """
    if not questions:
        return []
    units = _paragraphs(pages)
    if not units:
        return [_no_answer(number) for number in range(1, len(questions) + 1)]
    regime = regime_of("\n".join(unit.text for unit in units[:200]))
    anchors = _anchors(units, questions)
    if not anchors:
        if kind == MessageKind.REVIEW_OUTCOME.value:
            return [_no_answer(number, confidence=0.5) for number in range(1, len(questions) + 1)]
        if letter is not None:
            return _from_letter(units, len(questions), *letter)
        return _whole_letter(units, len(questions), regime)
    stretches = _stretches(units, anchors, len(questions))
    findings: dict[int, AnswerFinding] = {}
    for number, (anchor, start, end) in stretches.items():
        findings[number] = _read_stretch(number, units, anchor, start, end, regime)
    findings = _follow_cross_references(findings)
    return [
        findings.get(number) or _no_answer(number, confidence=0.5)
        for number in range(1, len(questions) + 1)
    ]


# --- Text as paragraphs ----------------------------------------------------------------------


# "... of your request. In relation to Question 3: ..." starts an answer mid-paragraph.
_REFERENCE_MID_PARAGRAPH = re.compile(
    r"(?<=[.!?:])\s+(?=(?:in\s+(?:relation|response|reply|answer)\s+to|with\s+(?:regards?|"
    r"respect)\s+to|regarding|turning\s+to|as\s+(?:regards|for))\s+(?:your\s+)?(?:questions?|"
    r"q|parts?|points?)\s*\d)",
    re.IGNORECASE,
)


_FIRST_CLAUSE = re.compile(r"[^|.?:;!]*")
# What may stand between a question (or its number) and the answer: punctuation, a cell gap.
_SEPARATORS = " .:-\t|"
_CELL_GAP = re.compile(r"\s*\t+\s*")
_TABLE_ROW = re.compile(r"^([^\n\t]*\S\t+\S[^\n]*)$", re.MULTILINE)


def _paragraphs(pages: Sequence[SourcePage]) -> list[_Paragraph]:
    units: list[_Paragraph] = []
    for page in pages:
        # A table row (cells joined by tabs) is a paragraph of its own, never a wrapped line.
        text = _TABLE_ROW.sub(
            lambda row: f"\n\n{_CELL_GAP.sub(' | ', row.group(1))}\n\n", page.text
        )
        for paragraph in paragraphs(text):
            for text in _REFERENCE_MID_PARAGRAPH.split(paragraph):
                units.append(_Paragraph(text, page.document, page.page))
            if len(units) >= MAX_PARAGRAPHS:
                return units
    return units


def _comparable(text: str) -> str:
    """Lower case, words only: the form questions and quotes are compared in."""
    return " ".join(re.findall(r"[a-z0-9]+", normalise(text).lower()))


def _without_marker(text: str) -> tuple[str, int]:
    """The paragraph without its leading number or bullet, and how many chars that took."""
    match = _LEADING_MARKER.match(text) or _BULLET.match(text)
    if not match:
        return text, 0
    rest = text[match.end() :]
    stripped = rest.lstrip(_SEPARATORS)
    return stripped, match.end() + len(rest) - len(stripped)


# --- Anchors ---------------------------------------------------------------------------------


def _anchors(units: Sequence[_Paragraph], questions: Sequence[str]) -> list[_Anchor]:
    quotes, quoted_at = _quote_anchors(units, questions)
    numbers = _number_anchors(units, len(questions), bare=not quotes, quoted_at=quoted_at)
    taken = {anchor.position for anchor in quotes}
    merged = quotes + [anchor for anchor in numbers if anchor.position not in taken]
    merged.sort(key=lambda anchor: anchor.position)
    return merged


def _quote_anchors(
    units: Sequence[_Paragraph], questions: Sequence[str]
) -> tuple[list[_Anchor], set[int]]:
    """Where each question is quoted with room for an answer after it, in the letter's order;
    and every paragraph that quotes a question, answered or not."""
    wanted = [_comparable(question) for question in questions]
    candidates: list[tuple[int, int, float, tuple[int, int]]] = []
    texts = [_without_marker(unit.text) for unit in units]
    comparable = [_comparable(text) for text, _ in texts]
    # Each paragraph with the next two, joined once for every question.
    windows = [" ".join(comparable[position : position + 3]) for position in range(len(texts))]
    for number, question in enumerate(wanted, start=1):
        if len(question) < 8:
            continue
        words = {word for word in question.split() if len(word) > 3}
        for position in range(len(texts)):
            candidate = comparable[position]
            if not candidate or not _shares_words(words, candidate, windows[position]):
                continue
            score, end = _quote_score(question, position, comparable, texts)
            if score >= _QUOTE_THRESHOLD:
                candidates.append((position, number, score, end))
    return _best_sequence(candidates, units), {position for position, *_ in candidates}


def _shares_words(words: set[str], candidate: str, window: str) -> bool:
    """Whether the paragraph and the next two (`window`) have half the question's words."""
    if not words:
        return True
    present = sum(1 for word in words if word in window)
    return present * 2 >= len(words) and candidate.split()[0] in window


def _quote_score(
    question: str, position: int, comparable: Sequence[str], texts: Sequence[tuple[str, int]]
) -> tuple[float, tuple[int, int]]:
    """How well the paragraph (and the next few, for a quote split over lines) starts with the
    question, and where the quote ends: (paragraph, chars of its text including its marker)."""
    window = comparable[position]
    following = position + 1
    while len(window) < len(question) + 10 and following < min(len(comparable), position + 8):
        window = f"{window} {comparable[following]}"
        following += 1
    head = window[: len(question) + 20]
    if len(head) < len(question) * 0.6:
        return 0.0, (position, 0)
    alignment = fuzz.partial_ratio_alignment(question, head)
    if alignment is None or alignment.dest_start > 12:
        return 0.0, (position, 0)
    score = alignment.score
    if len(question) < _SHORT_QUESTION_CHARS:
        # A short question ("Any impact assessments") must be a sentence or cell of its own,
        # or it matches any sentence that happens to start with its words.
        own = _comparable(_FIRST_CLAUSE.match(texts[position][0]).group())
        score = min(score, fuzz.ratio(question, own))
    return score, _quote_end(position, alignment.dest_end, comparable, texts)


def _quote_end(
    position: int, comparable_end: int, comparable: Sequence[str], texts: Sequence[tuple[str, int]]
) -> tuple[int, int]:
    """The paragraph and char where a quote ending `comparable_end` chars into the window ends.

    A quote that reaches the end of its paragraph (all but a stray char or two) takes all of
    it, so the answer starts with the next paragraph.
    """
    remaining = comparable_end
    index = position
    while index < len(comparable) - 1 and remaining > len(comparable[index]) + 1:
        remaining -= len(comparable[index]) + 1
        index += 1
    text, marker_chars = texts[index]
    if len(comparable[index]) - remaining <= 4:
        return index, marker_chars + len(text)
    return index, marker_chars + _chars_for(text, remaining)


def _chars_for(text: str, comparable_chars: int) -> int:
    """Chars of the original text that give the first `comparable_chars` of its compared form."""
    seen = 0
    for match in re.finditer(r"[A-Za-z0-9]+", normalise(text)):
        seen += len(match.group()) + 1
        if seen >= comparable_chars:
            end = match.end()
            # Take the punctuation that closes the quoted question with it.
            while end < len(text) and text[end] in ".?!:;)\"'":
                end += 1
            return end
    return len(text)


def _best_sequence(
    candidates: list[tuple[int, int, float, tuple[int, int]]], units: Sequence[_Paragraph]
) -> list[_Anchor]:
    """The quotes that best explain the letter: in order, one per question, answers between.

    A question quoted twice (once in "You asked:", once above its answer) keeps the quote that
    has an answer after it; a run of quotes with nothing between them is the request repeated.
    """
    if not candidates:
        return []
    candidates.sort()
    positions = sorted({position for position, *_ in candidates})
    next_position = {
        position: (positions[index + 1] if index + 1 < len(positions) else len(units))
        for index, position in enumerate(positions)
    }
    rooms = [
        _answer_room(units, end, next_position[position]) for position, _, _, end in candidates
    ]
    # A run of quotes with nothing between them is the request repeated, its last one too.
    for index in range(1, len(candidates)):
        if not rooms[index - 1] and candidates[index][0] == candidates[index - 1][3][0] + 1:
            rooms[index] = rooms[index] and _run_ends_with_answer(candidates, index)
    useful = [
        (position, number, score + (5.0 if room else -40.0), end)
        for (position, number, score, end), room in zip(candidates, rooms, strict=True)
    ]
    # Longest increasing sequence by (position, question), weighted by score.
    best: list[tuple[float, int]] = []  # per candidate: (total, previous index)
    for index, (position, number, score, _) in enumerate(useful):
        total, previous = score, -1
        for earlier in range(index):
            before_position, before_number, _, _ = useful[earlier]
            if (
                before_position < position
                and before_number < number
                and best[earlier][0] + score > total
            ):
                total, previous = best[earlier][0] + score, earlier
        best.append((total, previous))
    index = max(range(len(useful)), key=lambda i: best[i][0])
    chosen = []
    while index >= 0:
        position, number, score, (answer_from, skip) = useful[index]
        if score >= _QUOTE_THRESHOLD:
            chosen.append(
                _Anchor(position, (number,), "quote", min(score, 100) / 100, skip, answer_from)
            )
        index = best[index][1]
    return list(reversed(chosen))


def _answer_room(units: Sequence[_Paragraph], end: tuple[int, int], until: int) -> bool:
    """Whether the letter says anything between this quote's end and the next quote."""
    paragraph, skip = end
    if len(units[paragraph].text[skip:].strip(_SEPARATORS)) > 3:
        return True
    return any(len(units[index].text) > 3 for index in range(paragraph + 1, until))


def _run_ends_with_answer(
    candidates: Sequence[tuple[int, int, float, tuple[int, int]]], index: int
) -> bool:
    """The last quote of a listed request has the letter after it, but no answer of its own,
    unless the run is a single earlier quote (a question then its answer)."""
    run = 1
    while index - run >= 0 and candidates[index - run][1] == candidates[index][1] - run:
        run += 1
    return run <= 2


def _number_anchors(
    units: Sequence[_Paragraph], count: int, *, bare: bool, quoted_at: set[int]
) -> list[_Anchor]:
    """Answers placed by number ("In relation to Question 2", "Q3 & Q4", "A5"), and the
    remainder clause; bare "1." counts only in a letter that quotes no question, in order."""
    anchors: list[_Anchor] = []
    expected = 1
    for position, unit in enumerate(units):
        text = unit.text
        reference = _NUMBERED_REFERENCE.match(text)
        if reference:
            numbers = _numbers(reference.group("numbers"), count)
            if numbers:
                anchors.append(_Anchor(position, numbers, "number", 0.85, reference.end()))
                continue
        marker = _LEADING_MARKER.match(text)
        if marker and marker.group("answered"):
            number = int(marker.group("answered"))
            if 1 <= number <= count:
                anchors.append(_Anchor(position, (number,), "number", 0.8, marker.end()))
                continue
        if bare and marker and marker.group("bare") and position not in quoted_at:
            number = int(marker.group("bare"))
            # In order, though a number may be missing (merged, or lost to a scan).
            if expected <= number <= count:
                anchors.append(_Anchor(position, (number,), "number", 0.6, marker.end()))
                expected = number + 1
                continue
        if _REMAINDER.match(text) and anchors:
            anchors.append(_Anchor(position, (), "remainder", 0.6, 0))
    return anchors


def _numbers(listed: str, count: int) -> tuple[int, ...]:
    """Question numbers in "4, and 6", "2-5", "2 to 4", "3 & 4", kept within the request."""
    found: list[int] = []
    for first, joiner, last in re.findall(r"(\d{1,2})(?:\s*(-|to)\s*(?:q\s*)?(\d{1,2}))?", listed):
        low = int(first)
        high = int(last) if joiner and last else low
        found.extend(range(low, min(high, count) + 1) if high >= low else [low])
    return tuple(dict.fromkeys(n for n in found if 1 <= n <= count))


# --- Stretches of answer text ----------------------------------------------------------------


def _stretches(
    units: Sequence[_Paragraph], anchors: Sequence[_Anchor], count: int
) -> dict[int, tuple[_Anchor, int, int]]:
    """For each question, the anchor that answers it and its paragraph range [start, end)."""
    closing = next(
        (index for index, unit in enumerate(units) if _CLOSING.match(unit.text)), len(units)
    )
    result: dict[int, tuple[_Anchor, int, int]] = {}
    for index, anchor in enumerate(anchors):
        if anchor.position >= closing:
            break
        end = anchors[index + 1].position if index + 1 < len(anchors) else len(units)
        end = min(end, _closing_after(units, anchor.first, end))
        if not _has_text(units, anchor, end):
            continue
        targets = anchor.questions
        if anchor.method == "remainder":
            targets = tuple(n for n in range(1, count + 1) if n not in result)
        for number in targets:
            # A later, fuller answer to the same question (the "Q7 ... Q7 answer" typo, an
            # answer continued after a heading) does not replace the first.
            result.setdefault(number, (anchor, anchor.first, end))
    return result


def _closing_after(units: Sequence[_Paragraph], start: int, end: int) -> int:
    for index in range(start + 1, end):
        if _CLOSING.match(units[index].text):
            return index
    return end


def _has_text(units: Sequence[_Paragraph], anchor: _Anchor, end: int) -> bool:
    if len(units[anchor.first].text[anchor.skip :].strip(_SEPARATORS)) > 2:
        return True
    return any(units[index].text.strip() for index in range(anchor.first + 1, end))


def _stretch_text(units: Sequence[_Paragraph], anchor: _Anchor, start: int, end: int) -> list[str]:
    parts = [units[start].text[anchor.skip :].strip(_SEPARATORS)]
    parts.extend(units[index].text for index in range(start + 1, end))
    cleaned = []
    for part in parts:
        marker = _LEADING_MARKER.match(part)
        if marker and marker.group("answer"):
            part = part[marker.end() :].lstrip(_SEPARATORS)
        if part.strip():
            cleaned.append(part.strip())
    return cleaned


# --- Reading one answer ----------------------------------------------------------------------


def _read_stretch(
    number: int,
    units: Sequence[_Paragraph],
    anchor: _Anchor,
    start: int,
    end: int,
    regime: str,
) -> AnswerFinding:
    parts = _stretch_text(units, anchor, start, end)
    text = "\n\n".join(parts)
    outcome, exemptions, certainty, key = _judge(text, regime)
    page_unit = _unit_of(units, start, end, key) if key else units[start]
    return AnswerFinding(
        question=number,
        outcome=outcome.value,
        exemptions=exemptions,
        excerpt=_excerpt(text, key),
        document=page_unit.document,
        page=page_unit.page,
        urls=_urls(text),
        confidence=round(anchor.score * certainty, 2),
    )


def _judge(text: str, regime: str) -> tuple[AnswerOutcome, list[str], float, str]:
    """The answer's outcome, exemptions, how sure the rules are (0..1), and the deciding words."""
    exemptions = find_exemptions(text, regime=regime)
    own = sentences(without_links(text))
    if not own:
        return AnswerOutcome.NO_ANSWER, [], 0.5, ""
    findings = read_findings(text, exemptions)
    first = own[0]
    if _NOTHING_EXISTS.search(first) and not findings.withheld:
        findings = Findings(not_held=True, disclosed=findings.disclosed, partial=findings.partial)
    own_chars = sum(len(sentence) for sentence in own)
    key = _deciding_sentence(own, findings) or first
    findings = replace(findings, partial=bool(_PARTLY_GIVEN.search(" ".join(own))))
    if findings.withheld:
        if findings.disclosed or findings.answered_in_items or findings.partial:
            return AnswerOutcome.PARTIALLY_DISCLOSED, exemptions, 0.8, key
        return AnswerOutcome.REFUSED, exemptions, 0.9, key
    if findings.not_held:
        if findings.disclosed:
            return AnswerOutcome.PARTIALLY_DISCLOSED, exemptions, 0.6, key
        return AnswerOutcome.NOT_HELD, exemptions, 0.9, key
    if findings.published_elsewhere or (
        findings.pointed_to and not findings.disclosed and own_chars < 250
    ):
        return AnswerOutcome.PUBLISHED_ELSEWHERE, exemptions, 0.85, key
    status = judge_outcome(findings)
    if status in _OUTCOME_OF_STATUS:
        return _OUTCOME_OF_STATUS[status], exemptions, 0.85, key
    if own_chars >= 25:
        # Information written out in the letter's own words, with no sign of anything missing.
        return AnswerOutcome.DISCLOSED, exemptions, 0.65, key
    return AnswerOutcome.NO_ANSWER, exemptions, 0.4, key


def _deciding_sentence(own: Sequence[str], findings: Findings) -> str:
    patterns = []
    if findings.withheld:
        patterns.append(WITHHELD_PATTERN)
    if findings.not_held:
        patterns.append(NOT_HELD_PATTERN)
        patterns.append(_NOTHING_EXISTS)
    for pattern in patterns:
        for sentence in own:
            if pattern.search(sentence):
                return sentence
    return ""


def _unit_of(units: Sequence[_Paragraph], start: int, end: int, key: str) -> _Paragraph:
    probe = " ".join(key.split())[:60]
    for index in range(start, end):
        if probe and probe in " ".join(units[index].text.split()):
            return units[index]
    return units[start]


def _excerpt(text: str, key: str) -> str:
    flat_text = " ".join(text.split())
    if len(flat_text) <= MAX_EXCERPT_CHARS:
        return flat_text
    if key:
        flat_key = " ".join(key.split())
        at = flat_text.find(flat_key[:60])
        if at > 0:
            flat_text = flat_text[at:]
    cut = flat_text[:MAX_EXCERPT_CHARS]
    end = max(cut.rfind(". "), cut.rfind(".\n"))
    return cut[: end + 1] if end > MAX_EXCERPT_CHARS // 2 else cut.rstrip() + " ..."


def _urls(text: str) -> list[str]:
    return list(dict.fromkeys(match.group() for match in _URL.finditer(normalise(text))))


def _follow_cross_references(findings: dict[int, AnswerFinding]) -> dict[int, AnswerFinding]:
    """ "See our answer to question 2" takes that answer's outcome when it says nothing itself."""
    result = dict(findings)
    for number, finding in findings.items():
        if finding.outcome not in (AnswerOutcome.DISCLOSED.value, AnswerOutcome.NO_ANSWER.value):
            continue
        match = _SEE_OTHER.search(finding.excerpt)
        if not match or len(finding.excerpt) > 200:
            continue
        other = findings.get(int(match.group(1)))
        if (
            other
            and other.question != number
            and other.outcome
            in {
                AnswerOutcome.NOT_HELD.value,
                AnswerOutcome.REFUSED.value,
                AnswerOutcome.PUBLISHED_ELSEWHERE.value,
            }
        ):
            result[number] = AnswerFinding(
                question=number,
                outcome=other.outcome,
                exemptions=list(other.exemptions),
                excerpt=finding.excerpt,
                document=finding.document,
                page=finding.page,
                urls=finding.urls,
                confidence=round(finding.confidence * 0.8, 2),
            )
    return result


# --- No per-question structure ---------------------------------------------------------------


def _whole_letter(units: Sequence[_Paragraph], count: int, regime: str) -> list[AnswerFinding]:
    """The letter's one answer stands for every question, with low confidence."""
    closing = next(
        (index for index, unit in enumerate(units) if _CLOSING.match(unit.text)), len(units)
    )
    body = [unit for unit in units[:closing]] or list(units)
    anchor = _Anchor(0, (), "letter", 0.45, 0)
    finding = _read_stretch(1, body, anchor, 0, len(body), regime)
    if finding.outcome == AnswerOutcome.DISCLOSED.value and finding.confidence < 0.4:
        finding = AnswerFinding(1, AnswerOutcome.NO_ANSWER.value, confidence=0.3)
    return [
        AnswerFinding(
            question=number,
            outcome=finding.outcome,
            exemptions=list(finding.exemptions),
            excerpt=finding.excerpt,
            document=finding.document,
            page=finding.page,
            urls=list(finding.urls),
            confidence=finding.confidence,
        )
        for number in range(1, count + 1)
    ]


_LETTER_CONFIDENCE = {
    AnswerOutcome.NOT_HELD: 0.6,
    AnswerOutcome.REFUSED: 0.6,
    AnswerOutcome.DISCLOSED: 0.4,
    AnswerOutcome.PARTIALLY_DISCLOSED: 0.3,
}


def _from_letter(
    units: Sequence[_Paragraph], count: int, status: str | None, exemptions: Sequence[str]
) -> list[AnswerFinding]:
    """Every question answered with the letter's own outcome, already read by the caller."""
    outcome = _OUTCOME_OF_STATUS.get(status or "")
    if outcome is None:
        return [_no_answer(number) for number in range(1, count + 1)]
    if outcome is AnswerOutcome.REFUSED and set(exemptions) <= {"s21"} and exemptions:
        outcome = AnswerOutcome.PUBLISHED_ELSEWHERE
    patterns = {
        AnswerOutcome.NOT_HELD: (NOT_HELD_PATTERN, _NOTHING_EXISTS),
        AnswerOutcome.REFUSED: (WITHHELD_PATTERN,),
    }.get(outcome, ())
    where = units[0]
    key = ""
    for unit in units:
        if any(pattern.search(unit.text) for pattern in patterns):
            where, key = unit, unit.text
            break
    excerpt = _excerpt(key or "\n".join(unit.text for unit in units[:3]), "")
    return [
        AnswerFinding(
            question=number,
            outcome=outcome.value,
            exemptions=list(exemptions),
            excerpt=excerpt,
            document=where.document,
            page=where.page,
            confidence=_LETTER_CONFIDENCE.get(outcome, 0.3),
        )
        for number in range(1, count + 1)
    ]


def _no_answer(number: int, confidence: float = 0.3) -> AnswerFinding:
    return AnswerFinding(
        question=number, outcome=AnswerOutcome.NO_ANSWER.value, confidence=confidence
    )
