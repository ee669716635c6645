"""How long the authority says the requester has to ask for an internal review.

Letters state the requester's window ("Requests for reviews should be submitted within 40 days
of the date of receipt") next to the authority's own timetable ("we will respond to your review
within 20 working days") and the regulator's ("contact the ICO within 3 months"). Only a number
of days tied to the requester asking for a review counts; a window in months or weeks is not a
number of days and gives None.
"""

from __future__ import annotations

import re

from campaign.parsing.plain_text import Words, folded, may_match, sentences, without_links

_WORD_NUMBERS = {
    "ten": 10,
    "fourteen": 14,
    "twenty": 20,
    "twenty-eight": 28,
    "thirty": 30,
    "forty": 40,
    "forty-two": 42,
    "sixty": 60,
    "ninety": 90,
}
_NUMBER = r"(?P<number>\d{1,3}|" + "|".join(sorted(_WORD_NUMBERS, key=len, reverse=True)) + r")"
_PERIOD = re.compile(
    rf"{_NUMBER}(?:\s*\(\s*\d{{1,3}}\s*\))?\s+(?:(?:working|calendar|business|clear)\s+)?days?\b",
    re.IGNORECASE,
)
_ABOUT_REVIEW = re.compile(
    r"\breview(?:s|ed)?\b|reconsider|\bappeal\b|complain|representations|dissatisfied|unhappy|"
    r"not\s+(?:satisfied|content|happy)",
    re.IGNORECASE,
)
# The requester's side: asking, writing, submitting, "you have ...", "must be made/received".
_REQUESTER_SIDE = re.compile(
    r"\b(?:you|your)\b[^.;]{0,160}$|\b(?:request(?:ed|s)?|ask(?:ed)?|submit(?:ted)?|made|lodged|"
    r"received|raise[ds]?|write|writing|contact(?:ing)?|sent|should\s+be|must\s+be|"
    r"no\s+later\s+than|be\s+(?:made|submitted|received))\b[^.;]{0,120}$",
    re.IGNORECASE,
)
# The authority's side: "we will respond ... within 20 working days", "aim to complete ...".
_AUTHORITY_SIDE = re.compile(
    r"\b(?:we|i|the\s+council|the\s+authority)\s+(?:will|shall|aim|would|should|normally|"
    r"endeavour|try)\b[^.;]{0,80}$|\b(?:respond|responded|response|reply|replied|receive|"
    r"complete[ds]?|"
    r"completed|carried\s+out|conducted|dealt\s+with|answered|determined|decision|aim|"
    r"target|normally|usually|extend(?:ed)?|further)\b[^.;]{0,40}$",
    re.IGNORECASE,
)
_DAY_WORDS = Words("day")
_REGULATOR = re.compile(r"information\s+commissioner|\bICO\b|\bSIC\b|tribunal", re.IGNORECASE)


def review_window_days(text: str) -> int | None:
    """The number of days the requester has to ask for a review, as the letter states it."""
    previous = ""
    for sentence in sentences(without_links(text)):
        if not may_match(folded(sentence), _DAY_WORDS):
            previous = sentence  # no "days", so no window in it
            continue
        # "... you may ask for an internal review. Please write to us within 40 working days."
        about_review = _ABOUT_REVIEW.search(sentence) or _ABOUT_REVIEW.search(previous)
        previous = sentence
        if not about_review:
            continue
        for match in _PERIOD.finditer(sentence):
            before = sentence[: match.start()]
            clause = re.split(r"[;:]|,\s+(?:and|but|which)\b|\band\s+(?=we\b|i\b)", before)[-1]
            if _REGULATOR.search(clause) and not re.search(r"\breview\b", clause, re.I):
                continue
            if _AUTHORITY_SIDE.search(clause) and not _asks_within(clause):
                continue
            if not _REQUESTER_SIDE.search(clause):
                continue
            days = _to_int(match.group("number"))
            if days and 5 <= days <= 120:
                return days
    return None


def _asks_within(clause: str) -> bool:
    """ "You should ask for a review within ..." even when "respond" appears earlier on."""
    return bool(
        re.search(
            r"\b(?:you|requests?|applications?)\b[^.;]{0,40}\b(?:should|must|need\s+to|have|may|"
            r"can)\b[^.;]{0,60}$",
            clause,
            re.IGNORECASE,
        )
    ) and not re.search(r"\b(?:we|i)\s+will\b[^.;]{0,60}$", clause, re.IGNORECASE)


def _to_int(number: str) -> int | None:
    if number.isdigit():
        return int(number)
    return _WORD_NUMBERS.get(number.lower())
