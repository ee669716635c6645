"""The shared text helpers give the same answers as the plain definitions they speed up."""

from __future__ import annotations

import random
import re
import time

import pytest

from campaign.parsing import exemptions, kinds, outcomes, reply
from campaign.parsing.plain_text import (
    _REPLACEMENTS,
    Alternatives,
    Words,
    caseless,
    folded,
    may_match,
    normalise,
    without_links,
    words_in,
)

from .factories import CORPUS

_ODD_CHARACTERS = [
    "\u00a0",
    "\u2019",
    "\u201c",
    "\u2013",
    "\u2022",
    "\u2026",
    "\u200b",
    "\ufeff",
    "\u0131",
    "\u017f",
    "\u0130",
    "\u212a",
    "\u00e9",
    "\r\n",
    "\r",
    "\t",
    "  ",
    "   ",
]

# One or more sentences for each phrase the rules look for, to try every alternative.
_PHRASES = [
    "We need to extend the deadline for our response.",
    "This is an extension of time under section 10(3) of the Act.",
    "A further extension is needed; see Reg. 7(1) and regulation 7 of the EIR.",
    "Your request is complex and voluminous.",
    "We require some more time, as additional time is needed to consider it.",
    "We have not been able to respond to you within 20 working days, nor by the date.",
    "Our new due date is 3 May; the revised deadline is 10 May.",
    "The public interest test means we need further time to decide.",
    "We have not yet completed our response, nor finalised the search.",
    "We now aim to send it; we revised intend to reply.",
    "The date originally given has passed; the original due date was 1 May.",
    "Contact the Information Commissioner (ICO) to complain or appeal.",
    "Re-use and reuse of the copyright material need a licence.",
    "If you are unhappy, we would be grateful if you could wait.",
    "We may need to ask, in which case we will; should we need more we will write.",
    "Names were redacted, and the remainder of your request is refused.",
    "Any further information is exempt; we withhold further information.",
    "Some of the information is unable to provide all of the data.",
    "We are unable to provide all the files, which were partially disclosed in part.",
    "In the event of a delay, could you please prioritise part 2?",
    "We are asking whether my questions, as my request said, can you let us know.",
    "Whether or not: would you supply it? I am requesting it.",
    "\u0130f you wish, the \u0131nformation Comm\u0131ssioner can help with re\u017fe.",
]


def _random_texts(count: int, alphabet: list[str], seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(count)]


def _corpus_sentences() -> list[str]:
    found = []
    for path in sorted((CORPUS / "replies").glob("*.txt")):
        text = normalise(path.read_text(encoding="utf-8"))
        found.extend(line.strip() for line in re.split(r"[.\n]", text) if line.strip())
    return found


def _plain_normalise(text: str) -> str:
    """`normalise` as first written: a translation table, then every run of spaces."""
    table = str.maketrans(_REPLACEMENTS)
    text = text.replace("\r\n", "\n").translate(table)
    text = "\n".join(line.rstrip(" \t\f\v") for line in text.split("\n"))
    return re.sub(r"[ \t]{2,}", "  ", text)


def test_normalise_matches_a_translation_table():
    alphabet = [*_ODD_CHARACTERS, "a", "B", " ", "\n", ".", "-", "'"]
    for text in [*_random_texts(3000, alphabet), "a \n\tb\f\n", "a\v", "a\t \u00a0\nb"]:
        assert normalise(text) == _plain_normalise(text), repr(text)
        # A normalised text is remembered as its own normal form.
        assert _plain_normalise(normalise(text)) == normalise(text), repr(text)
        assert normalise(normalise(text)) == normalise(text)


def _plain_without_links(text: str) -> str:
    """`without_links` as first written: both patterns over the whole text."""
    url = re.compile(r"(?:https?://|www\.)[^\s<>\"')\]]+", re.IGNORECASE)
    email = re.compile(
        r"(?<![\w.+'-])[\w.+'-]+@[\w-]+(?:\.[\w-]+)+|\[(?:FOI\s*#\s*\d+\s+)?email"
        r"(?:\s+address)?\]",
        re.IGNORECASE,
    )
    return email.sub(" ", url.sub(" ", text))


def test_without_links_matches_both_patterns_over_the_whole_text():
    alphabet = ["http://a.b/c", "HTTPS://x", "www.", "WwW.", "a@b.c", "@", "x.y", "[", "]"]
    alphabet += ["[email]", "[FOI #1\nEMA\u0130L address]", "email", " ", "\n", "\u0130", "a"]
    for text in _random_texts(3000, alphabet):
        assert without_links(text) == _plain_without_links(text), repr(text)


def test_words_in_finds_exactly_the_known_words_a_text_holds():
    words = Words("not", "no", "held", "withh", "1", "re-use", "reuse", "use", "ico")
    alphabet = ["not", "no", "n", "o", "t", "held", "withheld", "re-", "use", "ICO", "1", " "]
    for text in [*_random_texts(3000, alphabet), *_corpus_sentences()]:
        lower = folded(text)
        expected = {word for word in words if word in lower}
        assert words_in(lower) & words == expected, repr(text)
        assert may_match(lower, words) == bool(expected)


def test_may_match_reads_a_long_text_word_by_word():
    lower = "x" * 5000 + " withheld"
    assert may_match(lower, Words("withh"))
    assert not may_match(lower, Words("refus"))
    assert may_match(None, Words("refus"))


@pytest.mark.parametrize(
    ("patterns", "parts"),
    [
        (outcomes._NOT_HELD, outcomes._NOT_HELD_PARTS),
        (outcomes._WITHHELD, outcomes._WITHHELD_PARTS),
        (outcomes._DISCLOSED, outcomes._DISCLOSED_PARTS),
        (kinds._ACKNOWLEDGED_PATTERNS, kinds._ACKNOWLEDGED_PARTS),
        (kinds._CLARIFY_PATTERNS, kinds._CLARIFY_PARTS),
        (kinds._FORMAL_PATTERNS, kinds._FORMAL_PARTS),
        (exemptions._RIGHTS_BOILERPLATE_PATTERNS, exemptions._RIGHTS_BOILERPLATE_PARTS),
        (kinds._EXTENSION_PATTERNS, kinds._EXTENSION),
        (outcomes._PARTIAL, outcomes._PARTIAL_PARTS),
        # The rights and "maybe later" patterns as first written, as one alternation each.
        ([r"information\s+commissioner|\bICO\b|complain|appeal|re-?use|copyright"], kinds._RIGHTS),
        (
            [
                r"^(?:if|where|should|unless|in\s+the\s+event|whether|when)\b|"
                r"\b(?:could|can|would)\s+you\s+(?:please\s+)?(?:provide|supply|send|prioriti[sz]e|"
                r"let)|\b(?:I|we)\s+(?:am|are)\s+(?:requesting|posing|asking)\b|"
                r"\bmy\s+(?:request|questions)\b"
            ],
            exemptions._HYPOTHETICAL,
        ),
        (
            [
                r"(?<!grateful\s)(?<!helpful\s)(?<!appreciate\sit\s)(?<!appreciated\s)\bif\b|"
                r"\bin\s+which\s+case\b|\bmay\s+need\s+to\b|\bshould\s+we\s+need\b"
            ],
            kinds._MAYBE_LATER,
        ),
    ],
)
def test_alternatives_answer_as_the_whole_alternation(patterns, parts):
    whole = re.compile("|".join(f"(?:{pattern})" for pattern in patterns), re.IGNORECASE)
    for sentence in [*_corpus_sentences(), *_PHRASES, *(phrase.upper() for phrase in _PHRASES)]:
        for lower in (folded(sentence), caseless(sentence), None):
            assert parts.search(sentence, lower) == bool(whole.search(sentence)), sentence


def test_alternatives_try_only_the_phrases_whose_words_are_there():
    parts = Alternatives(
        [r"\bnot\s+held\b", r"\bwithheld\b"], [(("not",), ("held",)), (("withh",),)]
    )
    assert parts.search("It is not held.", "it is not held.")
    assert parts.search("It was WITHHELD.", "it was withheld.")
    # The words are what decide which phrases are tried: a text without them is not searched.
    assert not parts.search("It is not held.", "it is")
    assert parts.search("It is not held.", None)


@pytest.mark.parametrize(
    ("whole", "parts"),
    [
        (
            re.compile("|".join(f"(?:{p})" for p in kinds._FORMAL_PATTERNS), re.IGNORECASE),
            kinds._FORMAL_PARTS,
        ),
        (reply._LETTER, reply._LETTER_PARTS),
        (outcomes._ANSWER_FRAMING_RE, outcomes._ANSWER_FRAMING_PARTS),
    ],
)
def test_alternatives_tried_where_their_words_start_in_a_long_text(whole, parts):
    letters = [
        normalise(path.read_text(encoding="utf-8"))
        for path in sorted((CORPUS / "replies").glob("*.txt"))
    ]
    padding = "x " * 1100  # past the length from which texts are no longer read word by word
    odd = "\u0131nternal rev\u0131ew, Fo\u0130 request: our RESPONSE IS AS FOLLOWS:"
    texts = [*letters, *(padding + text for text in letters), padding + odd, padding + odd.upper()]
    for text in texts:
        for lower in (caseless(text), None):
            assert parts.search(text, lower) == bool(whole.search(text)), text[:200]


def test_a_long_run_of_letters_is_read_in_linear_time():
    started = time.monotonic()
    assert words_in("n" * 400_000) == frozenset()
    assert time.monotonic() - started < 5
