"""The new date an authority gives when it extends the time to answer (FOIA s10(3), EIR reg 7)."""

from __future__ import annotations

import re
from datetime import date

from campaign.parsing.dates import dates_in
from campaign.parsing.plain_text import sentences, without_links

_PROMISE = re.compile(
    r"\b(?:extend|extended|extension|respond|response|reply|provide|send|issue|aim|expect|"
    r"anticipate|deadline|due|until|no\s+later\s+than)\b",
    re.IGNORECASE,
)
_PAST_EVENT = re.compile(
    r"(?:received|dated|sent|made|submitted|of\s+your\s+(?:request|email|letter)|on)\s*$",
    re.IGNORECASE,
)
_FUTURE_MARKER = re.compile(
    r"(?:by|until|before|on\s+or\s+before|no\s+later\s+than|to|is|will\s+be|date\s+of|"
    r"deadline\s+of)\s*(?:\w+day,?\s+)?$",
    re.IGNORECASE,
)


def extended_until(text: str) -> date | None:
    """The date the authority now promises an answer by, if it states one.

    Extension letters often repeat the original due date too ("was due by 29 March; we now
    expect to respond by 26 April"), so the latest promised date wins.
    """
    promised = []
    for sentence in sentences(without_links(text)):
        if not _PROMISE.search(sentence):
            continue
        for position, found in dates_in(sentence):
            before = sentence[max(0, position - 40) : position]
            if _FUTURE_MARKER.search(before) and not _PAST_EVENT.search(before[-12:]):
                promised.append(found)
    return max(promised, default=None)
