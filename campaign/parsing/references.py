"""The authority's own reference for a request ("Our ref: FOI/2018/1234", "Request ID: REQ04543").

Authorities quote their reference in the subject line, in a labelled header line of the letter, or
in a closing "please quote reference 1189733". The rules look for a label first and accept only
values shaped like case numbers, never dates, phone numbers, postcodes, years, sections of an Act
or the requester's own reference ("Your ref"). Our reply-address tokens live inside email
addresses, which are blanked before anything is read.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from campaign.parsing.plain_text import (
    caseless,
    letter_folded,
    may_match,
    normalise,
    places,
    without_links,
)

# One token of a reference: letters, digits and the joiners authorities use inside them.
_TOKEN = r"[A-Za-z0-9][A-Za-z0-9/_.\-]*[A-Za-z0-9]|[A-Za-z0-9]"
# A reference is one token, or a short prefix such as "FOI", "EIR" or "DC/FOI" and a number.
_VALUE = rf"(?:[A-Za-z]{{2,6}}(?:/[A-Za-z]{{2,6}})?[ ](?=\d)(?:{_TOKEN})|{_TOKEN})"

# "Ein cyf" is Welsh for "our ref" (Welsh authorities write bilingual letters).
_OUR_LABEL = (
    r"(?:(?:our|my|the\s+council'?s|the\s+authority'?s)\s+(?:case\s+|file\s+|foi\s+|eir\s+)?"
    r"(?:ref(?:erence)?|reference\s+(?:number|no)|ref\s+(?:no|number))\.?|ein\s+cyf(?:eirnod)?\.?)"
)
_NAMED_LABEL = (
    r"(?:(?:foi|foia|foisa|eir|information|request|case|enquiry|complaint|review|"
    r"internal\s+review|appeal|ticket|log|freedom\s+of\s+information(?:\s+request)?)\s+)"
    r"(?:ref(?:erence)?(?:\s+(?:number|no|id))?|number|no|id|#)\.?"
)
_BARE_LABEL = r"(?:ref(?:erence)?(?:\s+(?:number|no|id))?|request\s+id|case\s+id|ref\s+no)\.?"

# "Our ref: 123", "Request ID: REQ04543", "Reference Number: ASC/AWZC3P", "Ref: 943388".
_LABELLED = re.compile(
    rf"(?<![A-Za-z])(?P<label>{_OUR_LABEL}|{_NAMED_LABEL}|{_BARE_LABEL})"
    rf"[ \t]*(?:[:#=\-]|is\b|\t)[ \t]*\n?[ \t]*(?P<value>{_VALUE})",
    re.IGNORECASE,
)
# Without a colon only the unmistakable labels count, and only before a number:
# "Our reference 1234", "Reference No. 5678", "Request ID REQ04543".
_LABELLED_LOOSE = re.compile(
    rf"(?<![A-Za-z])(?P<label>{_OUR_LABEL}|(?:ref(?:erence)?|request|case|foi|eir)\s+"
    rf"(?:number|no\.?|id)|request\s+id)[ \t]+(?P<value>(?=[A-Za-z/\-]*\d){_VALUE})",
    re.IGNORECASE,
)
# "Please quote reference 1189733", "quoting our reference FOI 123", "under reference 3949822".
_QUOTED = re.compile(
    rf"(?:quote|quoting|given|under|with)\s+(?:the\s+|our\s+|this\s+)?"
    rf"(?:reference|ref)(?:\s+(?:number|no))?\.?\s*:?\s*(?P<value>{_VALUE})",
    re.IGNORECASE,
)
# "Your request (reference 12345)", "(Our ref: FOI/123)".
_BRACKETED = re.compile(
    rf"\((?:our\s+)?(?:ref(?:erence)?|case)(?:\s+(?:number|no))?\.?\s*[:#]?\s*(?P<value>{_VALUE})\)",
    re.IGNORECASE,
)
# A reference handed to the requester: "Your reference number is 11917", "logged under reference".
_ASSIGNED = re.compile(
    rf"(?:\byour\s+(?:request\s+|case\s+|unique\s+)?(?:reference|ref)(?:\s+(?:number|no))?\s+"
    rf"(?:is|will\s+be)|\b(?:given|allocated|assigned|issued)\s+(?:with\s+)?"
    rf"(?:the\s+|a\s+)?(?:reference|ref|case\s+number)(?:\s+(?:number|no))?|"
    rf"(?:logged|registered|recorded)\s+(?:under|with)\s+(?:the\s+)?(?:reference|ref)"
    rf"(?:\s+(?:number|no))?)\s*:?\s*(?P<value>{_VALUE})",
    re.IGNORECASE,
)
# Title and subject lines: "Freedom of Information - Response - 16079",
# "FOI Request 3375675", "Freedom of Information Request - 1189733", "EIR 12/345".
_TITLED = re.compile(
    r"(?<![A-Za-z])(?P<phrase>freedom\s+of\s+information(?:\s+act)?|foi(?:a|sa)?|eirs?|"
    r"environmental\s+information(?:\s+regulations)?|information\s+request|"
    r"request\s+for\s+information|internal\s+review|subject\s+access\s+request)(?![-/_]?\d)"
    r"(?P<words>(?:[ \t\-:]+(?:request|response|reply|review|case|ref(?:erence)?|number|no\.?|"
    r"enquiry|id))*)"
    rf"[ \t\-:#(]+(?P<value>{_VALUE})",
    re.IGNORECASE,
)
# Distinctive case numbers that need no label: REQ04543, CRN00166467, CAS-123456-ABCD, FOI12345.
_CODED = re.compile(
    r"(?<![A-Za-z0-9/\-])(?P<value>(?:[A-Z]{2,5}[-/]?\d{4,}(?:[-/][A-Z0-9]{2,})*"
    r"|[A-Z]{2,5}[-/]\d{2,4}[-/]\d{2,6}(?:[-/][A-Z0-9]{2,})?))(?![A-Za-z0-9])"
)

# The words (lower case) every match of a pattern starts with, read from its alternatives: a
# page is tried only where they are, not at each of its characters. Keep in step.
_LABEL_STARTS = (
    "our",
    "my",
    "the",
    "ein",
    "foi",
    "eir",
    "information",
    "request",
    "case",
    "enquiry",
    "complaint",
    "review",
    "internal",
    "appeal",
    "ticket",
    "log",
    "freedom",
    "ref",
)
_LOOSE_STARTS = ("our", "my", "the", "ein", "ref", "request", "case", "foi", "eir")
_QUOTED_STARTS = ("quot", "given", "under", "with")
_ASSIGNED_STARTS = (
    "your",
    "given",
    "allocated",
    "assigned",
    "issued",
    "logged",
    "registered",
    "recorded",
)
_TITLED_STARTS = (
    "freedom",
    "foi",
    "eir",
    "environmental",
    "information",
    "request",
    "internal",
    "subject",
)

# Standards and regulators' case numbers look like references but are not the authority's.
_STANDARD = re.compile(r"^(?:ISO|BS|EN|IEC|PAS|FS|IC|ICO|NHS|GDPR|SI)[-/ ]?\d", re.IGNORECASE)

_NOT_OURS_BEFORE = re.compile(
    r"\b(?:your|eich|their|his|her|the\s+requester'?s)\s+(?:(?:\w+\s+)?(?:ref(?:erence)?|cyf)\b"
    r"[\s\w:.#/-]{0,12})?$|"
    r"\b(?:original|previous|earlier|another|separate|related|other)\s+(?:[\w'-]+\s+){0,2}$|"
    r"\b(?:ico|commissioner'?s?|decision\s+notice)[\s\w':.#-]{0,25}$",
    re.IGNORECASE,
)

_YEAR = re.compile(r"^(?:19|20)\d{2}$")
_PHONE = re.compile(r"^(?:\+?44|0)\d[\d ]{8,12}$")
_POSTCODE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?(?: ?\d[A-Z]{2})?$", re.IGNORECASE)
_MONEY_OR_TIME = re.compile(r"^\d+(?:[.:]\d+)?(?:am|pm|hrs|hours|k|m|%)?$", re.IGNORECASE)
_SECTION = re.compile(r"^(?:s|sec|section|reg|regulation)\.?\d", re.IGNORECASE)
_WORDS_ONLY = {
    "FOI",
    "FOIA",
    "FOISA",
    "EIR",
    "EIRS",
    "DPA",
    "SAR",
    "ICO",
    "N/A",
    "NA",
    "TBC",
    "TBA",
    "NONE",
    "FOI/EIR",
    "EIR/FOI",
    "FOIA/EIR",
}


def find_reference(text: str, *, title: bool = False) -> str | None:
    """The authority's reference in one text, or None.

    With `title=True` the text is a subject line, where a distinctive code such as CRN00166467
    is as good as a label; in a letter such codes count only when nothing is labelled.
    """
    return _find_reference(text, title)


@functools.lru_cache(maxsize=64)
def _find_reference(text: str, title: bool) -> str | None:
    """The same letter is read for its reference more than once (alone and with the email)."""
    clean = without_links(normalise(text))
    for value, labelled in _candidates(clean, title=title):
        if _is_reference(value, labelled=labelled):
            return value
    return None


# Words at least one of which every match of a pattern contains (lower case, read from its
# alternatives): a text with none of them is not scanned with it. Keep in step. (Plain tuples:
# a page is searched for these few words, not read for all the words the rules know.)
_ASSIGNED_WORDS = ("ref", "case")
# ... and one of these: "your reference is", "given/allocated ... reference", "logged under".
_ASSIGNED_VERBS = (
    "your",
    "given",
    "allocated",
    "assigned",
    "issued",
    "logged",
    "registered",
    "recorded",
)
_LOOSE_WORDS = ("ref", "cyf", "request", "case", "foi", "eir")
_QUOTED_WORDS = ("ref",)
_BRACKETED_WORDS = ("ref", "case")


def _candidates(text: str, *, title: bool) -> Iterator[tuple[str, bool]]:
    lower = caseless(text)
    aligned = letter_folded(text)
    if may_match(lower, _ASSIGNED_WORDS) and may_match(lower, _ASSIGNED_VERBS):
        for match in _matches(_ASSIGNED, _ASSIGNED_STARTS, text, aligned):
            yield _clean_value(match.group("value")), True
    yield from _table_values(text)
    for pattern, words, starts in (
        (_LABELLED, None, _LABEL_STARTS),
        (_LABELLED_LOOSE, _LOOSE_WORDS, _LOOSE_STARTS),
        (_QUOTED, _QUOTED_WORDS, _QUOTED_STARTS),
        (_BRACKETED, _BRACKETED_WORDS, None),
    ):
        if words is not None and not may_match(lower, words):
            continue
        for match in _matches(pattern, starts, text, aligned):
            if _refers_to_someone_else(text, match.start()) or _is_phone(text, match):
                continue
            yield _clean_value(match.group("value")), True
    for match in _matches(_TITLED, _TITLED_STARTS, text, aligned):
        if _refers_to_someone_else(text, match.start()):
            continue
        value = _clean_value(match.group("value"))
        phrase = match.group("phrase")
        # "FOI 18-0501" and "EIR 12/345" are written with their prefix; "FOI 1234" is not.
        if (
            phrase.upper() in {"FOI", "FOIA", "FOISA", "EIR"}
            and not match.group("words")
            and re.search(r"\d[/\-]\d", value)
            and " " in text[match.start() : match.end()]
        ):
            value = f"{phrase.upper()} {value}"
        yield value, False
    for match in _CODED.finditer(text):
        value = _clean_value(match.group("value"))
        if not _refers_to_someone_else(text, match.start()) and not _STANDARD.match(value):
            yield value, False


def _matches(
    pattern: re.Pattern[str], starts: tuple[str, ...] | None, text: str, lower: str | None
) -> Iterator[re.Match[str]]:
    """What `pattern.finditer(text)` finds, tried only where a match may start.

    Every match of the pattern starts with one of `starts` (any case), so it is tried at each
    place `lower` (from `letter_folded`) has one of them, in order, from the end of the last
    match on: the same matches, without trying the pattern at every character of a page. The
    patterns never match empty text. With no `starts` or no `lower` the text is scanned whole.
    """
    if starts is None or lower is None:
        yield from pattern.finditer(text)
        return
    end = 0
    for start in places(lower, starts):
        if start >= end and (match := pattern.match(text, start)):
            yield match
            end = match.end()


_OUR_LABEL_CELL = re.compile(rf"^\s*{_OUR_LABEL}\s*:?\s*$|^\s*{_NAMED_LABEL}\s*:?\s*$", re.I)


def _table_values(text: str) -> Iterator[tuple[str, bool]]:
    """Letterhead tables: "Our Ref<TAB>Your Ref<TAB>Date" above the values in the same columns."""
    lines = text.split("\n")
    for index, line in enumerate(lines[:-1]):
        if "\t" not in line:
            continue
        labels = line.split("\t")
        values = lines[index + 1].split("\t")
        if len(values) != len(labels):
            continue
        for label, value in zip(labels, values, strict=True):
            if _OUR_LABEL_CELL.match(label) and value.strip():
                yield _clean_value(value.strip()), True


def _is_phone(text: str, match: re.Match[str]) -> bool:
    """ "Enquiry number: 0303 444 0000" is a telephone number, not a case number."""
    value = match.group("value")
    following = text[match.end("value") : match.end("value") + 12]
    return value.startswith("0") and value.isdigit() and bool(re.match(r" \d{3,4}\b", following))


def _refers_to_someone_else(text: str, start: int) -> bool:
    line_start = max(text.rfind("\n", 0, start), text.rfind(".", 0, start - 1), start - 60, 0)
    return bool(_NOT_OURS_BEFORE.search(text[line_start:start]))


def _clean_value(value: str) -> str:
    value = value.strip().rstrip(".,;:)-_/")
    return value.lstrip("#(")


def _is_reference(value: str, *, labelled: bool) -> bool:
    upper = value.upper()
    if upper in _WORDS_ONLY or len(value) < 3 or len(value) > 40:
        return False
    if _looks_like_date(value) or _YEAR.match(value) or _SECTION.match(value):
        return False
    if _PHONE.match(value) or (_MONEY_OR_TIME.match(value) and "." in value):
        return False
    if _POSTCODE.match(value) and not value.isdigit():
        return False
    digits = sum(ch.isdigit() for ch in value)
    if digits == 0:
        # Letter-only references exist ("SOL/AYCBWB") but only as capitals with a joiner.
        parts = re.split(r"[/\-_]", value)
        return (
            labelled
            and value.isupper()
            and len(parts) >= 2
            and all(len(part) >= 2 for part in parts)
            and not all(part in _WORDS_ONLY for part in parts)
        )
    if value.isdigit():
        return len(value) >= (3 if labelled else 4) and not _YEAR.match(value)
    if re.fullmatch(r"\d+(?:st|nd|rd|th)", value, re.IGNORECASE):
        return False
    if re.fullmatch(r"\d+[a-z]*", value) and not labelled:
        return False
    # Prefix and number ("FOI 59/18") must end in a number that is not just a year.
    if " " in value:
        number = value.split(" ", 1)[1]
        return not _YEAR.match(number) and not _looks_like_date(number)
    return True


def _looks_like_date(value: str) -> bool:
    parts = re.split(r"[/.\-]", value)
    if not all(part.isdigit() for part in parts) or len(parts) not in (2, 3):
        return False
    numbers = [int(part) for part in parts]
    if len(parts) == 3:
        day, month = (numbers[2], numbers[1]) if len(parts[0]) == 4 else (numbers[0], numbers[1])
        return (1 <= month <= 12 and 1 <= day <= 31) or (1 <= numbers[0] <= 12 and day <= 31)
    return all(len(part) <= 2 for part in parts) and numbers[0] <= 31 and numbers[1] <= 12
