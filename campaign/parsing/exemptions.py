"""Exemptions an authority relies on, written the product's way: "s12", "s22A", "reg12(4)(b)".

FOIA and FOISA sections keep only their number (and letter: "s22A"), as the labels and the
dashboard compare section numbers; EIR exceptions keep their paragraph, because "reg12(4)(b)"
(manifestly unreasonable) and "reg12(5)(e)" (commercial confidentiality) are different reasons.
Sentences that only talk about what could happen ("If the cost exceeds the limit ...") or about
the requester's rights of review and complaint are not read: authorities mention sections there
without relying on them.
"""

from __future__ import annotations

import functools
import re

from campaign.parsing.plain_text import (
    Alternatives,
    Words,
    caseless,
    folded,
    sentences,
    without_links,
    words_in,
)

# Sections of FOIA 2000 and FOISA 2002 that refuse information (s12 cost, s14 vexatious, the
# Part II exemptions); s1, s10, s16, s17 and s50 are duties and procedure, never a reason.
_FOIA_REASONS = {"12", "14", *map(str, range(21, 45)), "22A"} - {"25"}
_FOISA_REASONS = {"12", "14", *map(str, range(25, 42))}
_EIR_REASONS = re.compile(r"^(?:12\([345]\)(?:\([a-g]\))?|13)$")

_PARENS = r"(?:\s?\(\s?[0-9a-z]{1,4}(?:\s?-\s?[0-9a-z]{1,4})?\s?\))*"
_SECTION_LIST = re.compile(
    rf"(?<![A-Za-z])(?i:sections?|ss?\.|s\.?(?=\s?\d))\s?(?P<first>\d{{1,2}}[A-Z]?){_PARENS}"
    rf"(?P<more>(?:\s?(?i:,|and|&|or|/)\s?(?i:s\.?\s?)?\d{{1,2}}[A-Z]?{_PARENS}(?!\d|\.\d))*)"
    r"(?P<after>[^.;]{0,60})"
)
_REGULATION = re.compile(
    rf"(?<![A-Za-z])(?:regulations?|regs?\.?|r\.)\s?(?P<number>\d{{1,2}})(?P<parens>{_PARENS})",
    re.IGNORECASE,
)
_NUMBER_IN_LIST = re.compile(r"(\d{1,2}[A-Z]?)(?![\d])")
_OTHER_LAW_AFTER = re.compile(
    r"^\s*(?:\([^)]*\)\s*)*of\s+the\s+(?!freedom\s+of\s+information|foi|act\b|"
    r"environmental\s+information)[A-Z][\w ()',-]{0,60}?(?:act|code|regulations|order)\b",
    re.IGNORECASE,
)

_HYPOTHETICAL = Alternatives(
    [
        r"^(?:if|where|should|unless|in\s+the\s+event|whether|when)\b",
        r"\b(?:could|can|would)\s+you\s+(?:please\s+)?(?:provide|supply|send|prioriti[sz]e|let)",
        r"\b(?:I|we)\s+(?:am|are)\s+(?:requesting|posing|asking)\b",
        r"\bmy\s+(?:request|questions)\b",
    ],
    # The words each alternative's matches hold (one of each group). Keep in step.
    [
        (("if", "where", "should", "unless", "in", "whether", "when"),),
        (("could", "can", "would"), ("you",), ("provide", "supply", "send", "prioriti", "let")),
        (("requesting", "posing", "asking"),),
        (("my",), ("request", "questions")),
    ],
)
_RIGHTS_BOILERPLATE_PATTERNS = [
    r"internal\s+review",
    r"information\s+commissioner",
    r"\bICO\b",
    r"complain",
    r"appeal",
    r"re-?use",
    r"copyright",
    r"section\s+50\b",
    r"publication\s+scheme",
    r"disclosure\s+log",
]
# The same alternative by alternative, each with the words its matches hold (one of each
# group): a sentence is searched only for the phrases whose words it has. Keep in step.
_RIGHTS_BOILERPLATE_PARTS = Alternatives(
    _RIGHTS_BOILERPLATE_PATTERNS,
    [
        (("internal",), ("review",)),
        (("commissioner",),),
        (("ico",),),
        (("complain",),),
        (("appeal",),),
        (("reuse", "re-use"),),
        (("copyright",),),
        (("section",), ("50",)),
        (("scheme",),),
        (("disclosure",), ("log",)),
    ],
)
_RELIES = re.compile(
    r"exempt|exception|withh[oe]ld|redact|refus|rely|relied|engag|appl(?:y|ies|ied)|"
    r"by\s+virtue|not\s+(?:obliged|required)|under\s+section",
    re.IGNORECASE,
)

_COST_LIMIT = re.compile(
    r"appropriate\s+limit|cost\s+limit|(?:exceed|exceeds|exceeded|exceeding|beyond|in\s+excess\s+of|"
    r"more\s+than|over)\s+(?:the\s+)?(?:£\s?(?:450|600)|(?:18|24)\s+hours|cost|time\s+limit|"
    r"appropriate)|excessive\s+cost|fees\s+regulations|£\s?(?:450|600)\b[^.]{0,80}"
    r"(?:limit|exceed)|(?:18|24)\s+hours?\s+(?:limit|threshold)",
    re.IGNORECASE,
)
_VEXATIOUS = re.compile(r"\bvexatious\b|\brepeated\s+request", re.IGNORECASE)
_MANIFESTLY_UNREASONABLE = re.compile(r"manifestly\s+unreasonable", re.IGNORECASE)
_PERSONAL_DATA_WITHHELD = re.compile(
    r"(?:personal\s+(?:data|information)|names?\s+of\s+(?:junior\s+)?(?:staff|officers|"
    r"individuals|employees))[^.]{0,120}(?:redact|withh[oe]ld|exempt|not\s+(?:be\s+)?disclos)|"
    r"(?:redact|withh[oe]ld|removed)[^.]{0,80}personal\s+(?:data|information)",
    re.IGNORECASE,
)
_ACCESSIBLE_ELSEWHERE = re.compile(
    r"reasonably\s+accessible\s+(?:to\s+(?:you|the\s+applicant)\s+)?(?:by\s+other\s+means|"
    r"otherwise)|otherwise\s+accessible",
    re.IGNORECASE,
)
# Words at least one of which every match of a pattern above contains (lower case, read from
# its alternatives): sentences with none of them are not searched. Keep in step.
_COST_LIMIT_WORDS = Words("limit", "cost", "450", "600", "hour", "appropriate", "regulations")
_PERSONAL_DATA_WORDS = Words("redact", "withh", "exempt", "disclos", "personal")
_RIGHTS_BOILERPLATE_WORDS = Words(
    "review",
    "commissioner",
    "ico",
    "complain",
    "appeal",
    "use",
    "copyright",
    "section",
    "scheme",
    "log",
)
# A hypothetical opens with one of these words, or has one of the others anywhere.
_HYPOTHETICAL_OPENINGS = ("if", "where", "should", "unless", "in", "whether", "when")
_HYPOTHETICAL_WORDS = Words("you", "requesting", "posing", "asking", "my")
_MANIFESTLY_WORDS = Words("manifestly")
_VEXATIOUS_WORDS = Words("vexatious", "repeated")
_ACCESSIBLE_WORDS = Words("accessible")
# Every regulation is written "reg", "regulation(s)" or "r.".
_REGULATION_WORDS = Words("reg", "r.")
# Every section is written "section(s)" before its number, or "s"/"ss" right before it (with a
# full stop or space between at most): `_SECTION_LIST` is run only on a folded sentence with one.
_SECTION_HINT = re.compile(r"s\.?\s?\d|section")
_DIGIT = re.compile(r"\d")
_EIR = re.compile(r"(?i:environmental\s+information\s+regulations)|\bEIRs?\b")
_FOI_ACT = re.compile(r"freedom\s+of\s+information|\bFOI(?:A|SA)?\b", re.IGNORECASE)
_SCOTTISH = re.compile(r"\(scotland\)|\bFOISA\b|scottish\s+information\s+commissioner", re.I)


def find_exemptions(text: str, *, regime: str | None = None) -> list[str]:
    """Exemptions and exceptions the authority applies in this text, sorted.

    `regime` ("foia", "foisa", "eir") is for a part of a letter, which may not name its law.
    """
    regime = regime or regime_of(text)
    found: set[str] = set()
    for sentence in relied_on_sentences(text):
        numbered, described, personal = _reasons_in(sentence, regime)
        found.update(numbered)
        # Personal data described in words counts only when no section or regulation for it is
        # named in this sentence or an earlier one.
        if personal and not found & _PERSONAL_DATA_REASONS:
            found.add(personal)
        found.update(described)
    return sorted(found, key=_sort_key)


_PERSONAL_DATA_REASONS = frozenset({"s38", "s40", "reg13"})


@functools.lru_cache(maxsize=8192)
def _reasons_in(sentence: str, regime: str) -> tuple[frozenset[str], frozenset[str], str | None]:
    """Numbered reasons, reasons in words (but personal data) and personal data in one sentence.

    A reply's sentences are read again for each letter and answer they belong to: remembered.
    """
    lower = folded(sentence)
    words = words_in(lower)  # found once for every rule
    if _DIGIT.search(sentence):
        numbered = frozenset(_sections_in(sentence, regime) if _SECTION_HINT.search(lower) else ())
        if not words.isdisjoint(_REGULATION_WORDS):
            numbered |= _regulations_in(sentence)
    else:
        numbered = frozenset()  # sections and regulations are written with their numbers
    described = _described_in(sentence, regime, words)
    personal = None
    if not words.isdisjoint(_PERSONAL_DATA_WORDS) and _PERSONAL_DATA_WITHHELD.search(sentence):
        personal = "reg13" if regime == "eir" else ("s38" if regime == "foisa" else "s40")
    return numbered, frozenset(described), personal


def regime_of(text: str) -> str:
    """Which law the letter answers under: "eir", "foisa" or "foia"."""
    return _regime_of(text)


@functools.lru_cache(maxsize=64)
def _regime_of(text: str) -> str:
    # Counting the names of the laws scans the whole text: skipped when their words are absent.
    lower = caseless(text)
    eir = len(_EIR.findall(text)) if "EIR" in text or "environmental" in lower else 0
    if eir:
        foi = len(_FOI_ACT.findall(text)) if "freedom" in lower or "foi" in lower else 0
        if eir >= foi:
            return "eir"
    scottish = any(word in lower for word in ("scotland", "foisa", "scottish"))
    return "foisa" if scottish and _SCOTTISH.search(text) else "foia"


def relied_on_sentences(text: str) -> tuple[str, ...]:
    """Sentences in the authority's own voice about this request (no hypotheticals, no rights).

    A reply is read for exemptions, outcome and kind from the same text, so the last few
    readings are remembered rather than split into sentences again each time.
    """
    return _relied_on_sentences(text)


@functools.lru_cache(maxsize=16)
def _relied_on_sentences(text: str) -> tuple[str, ...]:
    return tuple(s for s in sentences(without_links(text)) if _is_relied_on(s))


@functools.lru_cache(maxsize=8192)
def _is_relied_on(sentence: str) -> bool:
    lower = folded(sentence)
    words = words_in(lower)  # found once for every rule (`isdisjoint`: it has none of them)
    if (
        lower.startswith(_HYPOTHETICAL_OPENINGS) or not words.isdisjoint(_HYPOTHETICAL_WORDS)
    ) and _HYPOTHETICAL.search(sentence, lower, words):
        return False
    return not (
        not words.isdisjoint(_RIGHTS_BOILERPLATE_WORDS)
        and _RIGHTS_BOILERPLATE_PARTS.search(sentence, lower, words)
        and not re.search(r"exempt|withh[oe]ld", sentence, re.IGNORECASE)
    )


def _sections_in(sentence: str, regime: str) -> set[str]:
    reasons = _FOISA_REASONS if regime == "foisa" else _FOIA_REASONS
    found = set()
    for match in _SECTION_LIST.finditer(sentence):
        if _OTHER_LAW_AFTER.match(match.group("after")):
            continue
        more = re.sub(r"\([^)]*\)", "", match.group("more"))
        numbers = [match.group("first"), *_NUMBER_IN_LIST.findall(more)]
        for number in numbers:
            number = number.upper() if number[-1].isalpha() else number
            if number in reasons:
                found.add(f"s{number}")
    return found


def _regulations_in(sentence: str) -> set[str]:
    found = set()
    for match in _REGULATION.finditer(sentence):
        parens = re.sub(r"\s", "", match.group("parens")).lower()
        number = match.group("number")
        if number == "13":
            found.add("reg13")
            continue
        # Keep paragraph and sub-paragraph: 12(4)(b), 12(5)(e), 12(3).
        levels = re.findall(r"\([0-9a-z-]+\)", parens)[:2]
        candidate = number + "".join(levels)
        if _EIR_REASONS.match(candidate):
            found.add(f"reg{candidate}")
    return found


def _described_in(sentence: str, regime: str, words: frozenset[str]) -> set[str]:
    """Reasons named in words only, e.g. Kent's "beyond the 18 hours" for the cost limit.

    Personal data is read by `_reasons_in`, as it depends on the sections named already.
    `words` are the sentence's known words (`words_in`); a pattern whose words it has none of
    (`isdisjoint`) is not tried.
    """
    found = set()
    eir = regime == "eir"
    if (
        not words.isdisjoint(_COST_LIMIT_WORDS)
        and _COST_LIMIT.search(sentence)
        and not _is_general_statement(sentence)
    ):
        found.add("reg12(4)(b)" if eir else "s12")
    if not words.isdisjoint(_MANIFESTLY_WORDS) and _MANIFESTLY_UNREASONABLE.search(sentence):
        found.add("reg12(4)(b)")
    if (
        not words.isdisjoint(_VEXATIOUS_WORDS)
        and _VEXATIOUS.search(sentence)
        and _RELIES.search(sentence)
    ):
        found.add("reg12(4)(b)" if eir else "s14")
    if not words.isdisjoint(_ACCESSIBLE_WORDS) and _ACCESSIBLE_ELSEWHERE.search(sentence):
        found.add("s25" if regime == "foisa" else "s21")
    return found


def _is_general_statement(sentence: str) -> bool:
    """Explanations of the law ("The appropriate limit is £450 ...") without applying it."""
    applies = re.search(
        r"\b(?:would|will|does|do|has|have|is\s+likely|exceed(?:s|ed)?|beyond|refus|unable|"
        r"not\s+(?:able|obliged|required)|estimate)\b",
        sentence,
        re.IGNORECASE,
    )
    return not applies


def _sort_key(exemption: str) -> tuple[int, int, str]:
    match = re.match(r"(s|reg)(\d+)(.*)", exemption)
    if not match:
        return (2, 0, exemption)
    kind, number, rest = match.groups()
    return (0 if kind == "s" else 1, int(number), rest)
