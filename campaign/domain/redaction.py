"""Masking personal data before anything is published, in the spirit of Alaveteli's censor rules.

Replies name the officers who wrote them and carry their email addresses and direct lines; a
published campaign must show none of it. A `Redactor` masks, in any text:

- email addresses, found from each "@" outwards (never a regex that can backtrack),
- UK phone numbers: +44 or 0-prefixed, with spaces, dashes, dots or brackets, and extensions,
- the campaign's own list of names, case-insensitive, as whole words, across extra spaces and
  line breaks, and in the forms "Mr Smith", "J. Smith" and "Jane A. Smith",
- names where officers sign: after "Yours sincerely", "Kind regards", "Regards" and the like,
  and after labels such as "Contact:", "Case officer:" or "From:".

Every pattern has bounded repetition and is anchored at a cheap start, so a megabyte of
hostile text costs linear time. Masks are never masked again and redaction is repeated until
nothing changes, so redacting twice gives the same text as redacting once.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

EMAIL_MASK = "[email address removed]"
PHONE_MASK = "[phone number removed]"
NAME_MASK = "[name removed]"
MASKS = (EMAIL_MASK, PHONE_MASK, NAME_MASK)

MAX_TERMS = 500
MAX_TERM_CHARS = 100
MAX_PASSES = 4  # a pass only masks unmasked text, so this is reached only by pathological input
_MEMO_MAX_CHARS = 2_000
_MEMO_MAX_ENTRIES = 50_000

Segment = tuple[str, bool]  # (text, is_match), as search snippets come

# -- email addresses -------------------------------------------------------------------------
_LOCAL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+'-")
_DOMAIN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_MAX_LOCAL = 64
_MAX_DOMAIN = 255

# -- phone numbers ---------------------------------------------------------------------------
_PHONE = re.compile(
    r"(?<![\w+])(?:\+[ \t]?44[ \t]?(?:\(0\)[ \t]?)?|\(0|0)[1-9]\d{1,9}\)?"
    r"(?:[ \t.-]{1,2}\(?\d{2,8}\)?){0,4}"
)
_EXTENSION = re.compile(r"[ \t,]{0,3}\(?(?i:ext(?:ension)?\.?|x)[ \t]{0,3}\d{1,6}\)?")
_DIGIT_GROUP = re.compile(r"\d+")

# -- names in the positions officers sign ----------------------------------------------------
_UPPER = "A-Z\u00c0-\u00d6\u00d8-\u00de"
_LOWER = "a-z\u00df-\u00f6\u00f8-\u00ff\u0100-\u017f"  # Latin-1 and Extended-A: Wójcik, Ó Sé
_NAME_TOKEN = (
    rf"[{_UPPER}](?:[{_LOWER}]{{0,30}}|\.)(?:['\u2019-]?[{_UPPER}][{_LOWER}]{{1,30}})?(?!\w)"
)
_TITLE = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?"
_NAME = rf"((?:{_TITLE}[ \t]{{1,3}})?{_NAME_TOKEN}(?:[ \t]{{1,3}}{_NAME_TOKEN}){{0,3}})"
# Not after a word: "with regards Capita" is prose, "... queries. Kind regards Jane" a sign-off.
_SIGN_OFF = re.compile(
    r"(?<![\w,;'\u2019)-])(?<![\w,;'\u2019)-][ \t])"
    r"(?i:yours[ \t]{1,3}(?:sincerely|faithfully|truly)|(?:kind|best|warm|many)[ \t]{1,3}"
    r"(?:regards|thanks|wishes)|with[ \t]{1,3}(?:kind|best)[ \t]{1,3}regards|regards|thanks)"
    r"[ \t]{0,10}[,.!-]?[ \t]{0,10}(?:\r?\n[ \t]{0,10}){0,3}" + _NAME
)
_LABEL = re.compile(
    r"(?<!\w)(?i:contact(?:[ \t]{1,3}name)?|(?:case[ \t]{1,3})?officer|name|from|signed|author"
    r"|(?:dealt[ \t]{1,3}with|handled|prepared|sent|written)[ \t]{1,3}by)"
    r"[ \t]{0,5}:[ \t]{0,5}" + _NAME
)
_TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr"}
# A signature line goes on with the officer's role: cut the name there.
_ROLE_WORDS = {
    "information", "governance", "team", "unit", "department", "service", "services", "office",
    "officer", "manager", "advisor", "adviser", "assistant", "lead", "head", "director", "clerk",
    "coordinator", "administrator", "analyst", "solicitor", "executive", "compliance", "data",
    "protection", "freedom", "foi", "legal", "corporate", "customer", "records", "senior",
    "principal", "chief", "deputy", "the", "on", "behalf", "of", "for", "and", "request",
    "requests", "tel", "telephone", "email", "phone", "mobile", "direct", "line", "address",
}  # fmt: skip
# Words of a public body's name: a sign-off by "Coventry City Council" names no person.
_BODY_WORDS = {
    "council", "borough", "county", "city", "district", "authority", "trust", "board",
    "police", "government", "agency", "partnership", "ltd", "limited", "university", "college",
    "school", "commission", "commissioner", "nhs", "parliament", "assembly", "executive",
}  # fmt: skip

# -- names from the campaign's list ----------------------------------------------------------
_WORD = re.compile(r"[^\W_]+")
_INITIAL = "\0initial"  # stands for any one-letter word: the "A." of "Jane A. Smith"
_MAX_GAP = 6  # characters allowed between two words of a name: spaces, a line break, ". "
_GAP_CHARS = frozenset(" \t\r\n.'\u2019-\u00a0")


@dataclass(frozen=True)
class Span:
    """A stretch of text to replace with `mask`."""

    start: int
    end: int
    mask: str


class Redactor:
    """Masks email addresses, UK phone numbers and officers' names; build one per campaign."""

    def __init__(self, names: Sequence[str] = ()) -> None:
        self.names = tuple(names)
        self._patterns = _name_patterns(self.names)
        self._required = _required_words(self._patterns)
        # A page redacts the same short strings again and again (authority names, excerpts).
        self._memo: dict[str, str] = {}

    @classmethod
    def from_terms(cls, terms: str | Iterable[str] | None) -> Redactor:
        """From the campaign's list: one name per line (or a list); blanks and duplicates go."""
        return cls(clean_terms(terms))

    def redact(self, text: str | None) -> str:
        """The text with every match masked; the same text again if there was nothing."""
        if not isinstance(text, str):
            text = "" if text is None else str(text)
        remembered = self._memo.get(text)
        if remembered is not None:
            return remembered
        original = text
        for _ in range(MAX_PASSES):
            spans = self.spans(text)
            if not spans:
                break
            text = _apply(text, spans)
        if len(original) <= _MEMO_MAX_CHARS:
            if len(self._memo) >= _MEMO_MAX_ENTRIES:
                self._memo.clear()
            self._memo[original] = text
        return text

    def spans(self, text: str) -> list[Span]:
        """What one pass masks: merged, in order, never touching an existing mask."""
        found = _emails(text) + _phones(text) + _signed_names(text)
        if self._required is not None and self._required.search(text.casefold()):
            found += _listed_names(text, self._patterns)
        return _merged(found, _existing_masks(text))

    def redact_segments(self, segments: Iterable[Segment]) -> tuple[Segment, ...]:
        """Redact a search snippet given as (text, is_match) segments.

        Names cross segment boundaries ("Jane" and "Smith" are matched separately), so the
        joined text is redacted and the segments cut again: a masked stretch becomes one
        segment that is not a match, whatever it covered.
        """
        pieces = [(str(text), bool(is_match)) for text, is_match in segments]
        for _ in range(MAX_PASSES):
            joined = "".join(text for text, _ in pieces)
            spans = self.spans(joined)
            if not spans:
                break
            pieces = _cut_segments(pieces, spans)
        return tuple(pieces)

    def __bool__(self) -> bool:  # a redactor with no names still masks emails and phones
        return True


def clean_terms(terms: str | Iterable[str] | None) -> list[str]:
    """The usable names of a list: trimmed, single-spaced, with letters, at most MAX_TERMS."""
    if terms is None:
        return []
    lines = terms.splitlines() if isinstance(terms, str) else list(terms)
    seen: dict[str, str] = {}
    for line in lines:
        term = " ".join(str(line).split())[:MAX_TERM_CHARS]
        if len(term) < 2 or not any(ch.isalpha() for ch in term):
            continue
        seen.setdefault(term.casefold(), term)
        if len(seen) >= MAX_TERMS:
            break
    return list(seen.values())


def term_problems(text: str) -> list[str]:
    """Why a list of names cannot be saved, in words (empty when it can)."""
    lines = [line for line in (text or "").splitlines() if line.strip()]
    problems = []
    if len(lines) > MAX_TERMS:
        problems.append(f"Use at most {MAX_TERMS} names ({len(lines)} given).")
    long = [line.strip() for line in lines if len(line.strip()) > MAX_TERM_CHARS]
    if long:
        problems.append(f"Names are at most {MAX_TERM_CHARS} characters: “{long[0][:40]}…”.")
    short = [line.strip() for line in lines if len(line.strip()) < 2]
    if short:
        problems.append(f"“{short[0]}” is too short to be a name: use at least two characters.")
    return problems


# -- finding -----------------------------------------------------------------------------------


def _emails(text: str) -> list[Span]:
    spans = []
    at = text.find("@")
    while at != -1:
        start = at
        while start > 0 and at - start < _MAX_LOCAL and text[start - 1] in _LOCAL_CHARS:
            start -= 1
        while start < at and text[start] in ".'-":
            start += 1
        end = at + 1
        while end < len(text) and end - at <= _MAX_DOMAIN and text[end] in _DOMAIN_CHARS:
            end += 1
        while end > at + 1 and text[end - 1] in ".-":
            end -= 1
        end = _domain_end(text, at, end)
        if start < at and end > at:
            spans.append(Span(start, end, EMAIL_MASK))
        else:
            end = at + 1
        at = text.find("@", max(end, at + 1))
    return spans


def _domain_end(text: str, at: int, end: int) -> int:
    """Where the domain after `at` really ends: at the last label that is a top-level domain
    ("x@y.org-Jane", "x@y.org.024" end at "org"); `at` when there is none."""
    domain = text[at + 1 : end]
    while "." in domain:
        head, tld = domain.rsplit(".", 1)
        letters = len(tld) - len(tld.lstrip(_LETTERS))
        if letters >= 2 and head and not head.startswith("."):
            return at + 1 + len(head) + 1 + letters
        domain = head
    return at


def _phones(text: str) -> list[Span]:
    spans = []
    position = 0
    while (match := _PHONE.search(text, position)) is not None:
        position = match.start() + 1  # a rejected candidate: look again just after its start
        found = match.group()
        groups = [(g.end(), g.group()) for g in _DIGIT_GROUP.finditer(found)]
        international = found.startswith("+")
        if international:  # drop the 44, written apart or run into the number
            end_44, first = groups[0]
            groups = ([(end_44, first[2:])] if len(first) > 2 else []) + groups[1:]
            if groups and groups[0][1] == "0" and "(0)" in found[:12]:
                groups = groups[1:]
        count = sum(len(digits) for _, digits in groups) + (1 if international else 0)
        while count > 11 and len(groups) > 1:
            count -= len(groups.pop()[1])
        if not groups or not 10 <= count <= 11:
            continue
        end = match.start() + groups[-1][0]
        if end < len(text) and text[end].isdigit():
            continue  # part of a longer run of digits: a number, not a phone
        if found[groups[-1][0] :].startswith(")"):
            end += 1
        extension = _EXTENSION.match(text, end)
        if extension:
            end = extension.end()
        spans.append(Span(match.start(), end, PHONE_MASK))
        position = end  # digits cut off the end start the next number
    return spans


def _signed_names(text: str) -> list[Span]:
    spans = []
    for pattern, least in ((_SIGN_OFF, 1), (_LABEL, 2)):
        for match in pattern.finditer(text):
            span = _person(match.start(1), match.group(1), least)
            if span is not None:
                spans.append(span)
    return spans


def _person(start: int, name: str, least: int) -> Span | None:
    """The part of a captured name that is a person's: cut at a role, none for a body.

    `least` is how many words a name needs without a title: one after a sign-off
    ("Regards, Jane"), two after a label, where "Name: Total" is more likely a heading.
    """
    kept = []
    for word in re.finditer(r"\S+", name):
        key = word.group().rstrip(".").lower()
        if key in _BODY_WORDS:
            return None
        if key in _ROLE_WORDS:
            break
        kept.append(word)
    titled = bool(kept) and kept[0].group().rstrip(".").lower() in _TITLES
    named = len(kept) - titled
    if named < 1 or (not titled and named < least):
        return None
    return Span(start + kept[0].start(), start + kept[-1].end(), NAME_MASK)


def _name_patterns(names: Sequence[str]) -> dict[str, list[tuple[str, ...]]]:
    """Word sequences to look for, by their first word; the longest first."""
    patterns: set[tuple[str, ...]] = set()
    for name in names:
        words = tuple(word.casefold() for word in _WORD.findall(name))
        if not words:
            continue
        patterns.add(words)
        if len(words) >= 2:
            first, last = words[0], words[-1]
            patterns.update((title, last) for title in _TITLES)
            patterns.add((first[0], last))
            patterns.add((first, _INITIAL, last))
    index: dict[str, list[tuple[str, ...]]] = {}
    for pattern in sorted(patterns, key=len, reverse=True):
        index.setdefault(pattern[0], []).append(pattern)
    return index


def _required_words(patterns: dict[str, list[tuple[str, ...]]]) -> re.Pattern[str] | None:
    """A quick test for text that cannot hold a listed name: every form ends in the surname."""
    last_words = {pattern[-1] for forms in patterns.values() for pattern in forms}
    if not last_words:
        return None
    alternatives = "|".join(re.escape(word) for word in sorted(last_words, key=len, reverse=True))
    return re.compile(rf"(?<![^\W_])(?:{alternatives})(?![^\W_])")


def _listed_names(text: str, patterns: dict[str, list[tuple[str, ...]]]) -> list[Span]:
    words = [(m.start(), m.end(), m.group().casefold()) for m in _WORD.finditer(text)]
    spans = []
    i = 0
    while i < len(words):
        matched = 0
        for pattern in patterns.get(words[i][2], ()):
            if _matches_at(text, words, i, pattern):
                matched = len(pattern)
                break
        if matched:
            spans.append(Span(words[i][0], words[i + matched - 1][1], NAME_MASK))
            i += matched
        else:
            i += 1
    return spans


def _matches_at(
    text: str, words: list[tuple[int, int, str]], i: int, pattern: tuple[str, ...]
) -> bool:
    if i + len(pattern) > len(words):
        return False
    for offset in range(1, len(pattern)):
        previous, current = words[i + offset - 1], words[i + offset]
        gap = text[previous[1] : current[0]]
        if not gap or len(gap) > _MAX_GAP or not set(gap) <= _GAP_CHARS:
            return False
        wanted = pattern[offset]
        if wanted == _INITIAL:
            if len(current[2]) != 1:
                return False
        elif current[2] != wanted:
            return False
    return True


# -- masking -----------------------------------------------------------------------------------


def _existing_masks(text: str) -> list[tuple[int, int]]:
    found = []
    for mask in MASKS:
        at = text.find(mask)
        while at != -1:
            found.append((at, at + len(mask)))
            at = text.find(mask, at + len(mask))
    return sorted(found)


def _merged(spans: list[Span], keep: list[tuple[int, int]]) -> list[Span]:
    """Overlapping spans joined (the first one's mask wins); spans touching a mask dropped."""
    result: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if span.end <= span.start or _overlaps(span, keep):
            continue
        if result and span.start < result[-1].end:
            last = result[-1]
            result[-1] = Span(last.start, max(last.end, span.end), last.mask)
        else:
            result.append(span)
    return result


def _overlaps(span: Span, ranges: list[tuple[int, int]]) -> bool:
    """Whether the span touches any of the sorted, disjoint ranges (a binary search)."""
    index = bisect.bisect_left(ranges, (span.end, span.end))
    return index > 0 and ranges[index - 1][1] > span.start


def _apply(text: str, spans: list[Span]) -> str:
    pieces = []
    position = 0
    for span in spans:
        pieces.append(text[position : span.start])
        pieces.append(span.mask)
        position = span.end
    pieces.append(text[position:])
    return "".join(pieces)


def _cut_segments(pieces: list[Segment], spans: list[Span]) -> list[Segment]:
    result: list[Segment] = []
    position = 0
    span_index = 0
    for text, is_match in pieces:
        start, end = position, position + len(text)
        position = end
        cursor = start
        while cursor < end:
            while span_index < len(spans) and spans[span_index].end <= cursor:
                span_index += 1
            span = spans[span_index] if span_index < len(spans) else None
            if span is None or span.start >= end:
                result.append((text[cursor - start :], is_match))
                break
            if span.start > cursor:
                result.append((text[cursor - start : span.start - start], is_match))
                cursor = span.start
                continue
            if span.start >= start:  # the mask goes where the span begins, once
                result.append((span.mask, False))
            cursor = min(span.end, end)
    return [piece for piece in result if piece[0]]
