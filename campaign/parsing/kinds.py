"""Which kind of message a reply is: acknowledgement, clarification, extension, response, ...

Each kind has phrases authorities use for it, read in the authority's own sentences (not the
"If you are unhappy ..." rights paragraph, not hypotheticals). The kinds are tried from the most
specific to the least: a bounce or an out-of-office notice first; then a review decision; an
extension; a request to clarify; an acknowledgement that promises an answer by a date; and only
then a final answer, which is a `refusal` when nothing is given and a `response` otherwise.
A message with none of these signs, or one that reads like an answer but never mentions a
request under the Acts or a reference (a policy team's note, a pointer sent after an ICO
decision), is `other`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from campaign.domain.vocabulary import MessageKind
from campaign.parsing.dates import dates_in
from campaign.parsing.outcomes import Findings
from campaign.parsing.plain_text import (
    Alternatives,
    Words,
    caseless,
    flat,
    folded,
    sentences,
    without_links,
    words_in,
)


def _compile(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns), re.IGNORECASE)


_BOUNCE_PATTERNS = [
    r"\bdelivery\s+(?:has\s+)?failed\b",
    r"(?:^|\n)\s*undeliverable\b",
    r"\bmail\s+delivery\s+(?:failed|failure|subsystem|system)\b",
    r"\bdelivery\s+status\s+notification\s*\(failure\)",
    r"\b55[0-4][ -]\d\.\d\.\d{1,3}\b",
    r"\b(?:message|e-?mail|mail)\s+(?:could\s*not|couldn'?t|can\s*not|wasn'?t|was\s+not)\s+"
    r"(?:be\s+)?delivered\b",
    r"\bcould\s*not\s+be\s+delivered\s+to\s+(?:one\s+or\s+more|the\s+following|any)\b",
    r"\bmessage\s+to\s+\S+\s+(?:couldn'?t|could\s+not)\s+be\s+delivered\b",
    r"\brecipient\s+address\s+rejected\b",
    r"\baddress\s+(?:not\s+found|couldn'?t\s+be\s+found|unknown)\b",
    r"\buser\s+unknown\b",
    r"\bmailbox\s+(?:unavailable|not\s+found|is\s+full|does\s+not\s+exist)\b",
    r"\breturned\s+mail\b",
    r"\bpermanent\s+(?:error|failure)\b",
    r"\bfollowing\s+recipients?\s+(?:cannot|could\s+not)\s+be\s+reached\b",
    r"\bno\s+such\s+user\b",
]
_DELAY_NOTICE = _compile(
    [
        r"\bdelivery\s+(?:has\s+been\s+|is\s+)?delayed\b",
        r"\bdelivery\s+status\s+notification\s*\(delay\)",
        r"\bwill\s+(?:continue\s+to\s+)?retry\b",
    ]
)
_AWAY = _compile(
    [
        r"\bout\s+of\s+(?:the\s+)?office\b",
        r"\bautomatic\s+reply\b",
        r"\bauto[- ]?reply\b",
        r"\bI\s+am\s+(?:currently\s+|now\s+)?(?:away|on\s+(?:annual\s+|parental\s+|sick\s+)?leave|"
        r"out\s+of|not\s+in|off)\b",
        r"\bI'?m\s+(?:currently\s+)?(?:away|on\s+(?:annual\s+)?leave|out\s+of)\b",
        r"\bI\s+will\s+be\s+(?:back|returning|out\s+of)\b",
        r"\blimited\s+access\s+to\s+(?:my\s+)?e-?mail",
        r"\breturn(?:ing)?\s+to\s+(?:the\s+)?(?:office|work)\s+on\b",
        r"\b(?:mailbox|address|account)\s+is\s+no\s+longer\s+(?:monitored|in\s+use|active)",
        r"\bI\s+no\s+longer\s+work\b",
    ]
)
_REVIEW_DONE = _compile(
    [
        r"\binternal\s+review\s+(?:response|decision|outcome|result|findings|letter|report|"
        r"has\s+(?:now\s+)?been\s+(?:completed|concluded|carried\s+out))",
        r"\b(?:outcome|result|conclusion|findings)\s+of\s+(?:the|your|my|our|this)\s+"
        r"(?:internal\s+)?review\b",
        r"\b(?:I|we)\s+have\s+(?:now\s+)?(?:completed|conducted|carried\s+out|undertaken|"
        r"concluded|finished)\s+(?:an?|the|my|our|your|this)\s+(?:internal\s+)?review",
        r"\b(?:I|we)\s+have\s+(?:now\s+)?(?:reviewed|re-?considered|re-?examined)\s+(?:the|your|our)"
        r"\s+(?:original\s+|initial\s+)?(?:request|response|decision|handling|case|reply)",
        r"\b(?:uphold|upheld|upholding|overturn|overturned|overturning)\s+(?:the\s+|your\s+)?"
        r"(?:original|initial|council'?s|authority'?s|department'?s|decision|response|exemption|"
        r"refusal|complaint|application|request|appeal)",
        r"\b(?:original|initial)\s+(?:decision|response)\s+(?:is|was|has\s+been|should\s+be)\s+"
        r"(?:upheld|overturned|correct|revised|amended)",
        r"\breviewing\s+officer\b|\breview\s+panel\b",
        r"\bnot\s+involved\s+in\s+(?:the\s+|your\s+)?original\b",
        r"\breview\s+response\b",
        r"\b(?:attached|enclosed|please\s+find)\b[^.]{0,60}\binternal\s+review\s+(?:of|into)\s+"
        r"(?:our|the|your|my)\b",
        r"\bresponse\s+to\s+your\s+(?:request\s+for\s+an?\s+)?internal\s+review\b",
    ]
)
_EXTENSION_PATTERNS = [
    r"\bextend(?:ed|ing)?\s+(?:the\s+)?(?:time|deadline|date|period|response\s+(?:time|date|"
    r"deadline)|timescale|time\s+limit|due\s+date|statutory)",
    r"\bextension\s+(?:of|to)\s+(?:the\s+)?(?:time|deadline|response|\d|twenty|20|a\s+further)",
    r"\b(?:an?|this|the|further)\s+extension\b(?!\s*(?:number|no\b|\d))",
    r"\bsection\s+10\s?\(3\)",
    r"\breg(?:ulation)?\.?\s?7\s?\(1\)|\bregulation\s+7\b",
    r"\bcomplex\s+and\s+voluminous\b",
    r"\b(?:need|needs|require|requires|requiring|needing)\s+(?:some\s+)?(?:more|further|"
    r"additional|extra)\s+time\b",
    r"\b(?:additional|further|more|extra)\s+time\s+(?:is\s+(?:needed|required)|to\s+consider)",
    r"\b(?:not\s+be(?:en)?\s+able|unable)\s+to\s+(?:respond|reply|provide\s+(?:you\s+with\s+)?"
    r"(?:a|our)\s+(?:full\s+)?response)\s+(?:to\s+(?:you|your\s+request)\s+)?"
    r"(?:within|by)\b",
    r"\b(?:new|revised)\s+(?:due\s+|target\s+|response\s+)?(?:date|deadline)\b",
    r"\bpublic\s+interest\s+test\b[^.]{0,120}\b(?:additional|further|more)\s+time\b",
    r"\bnot\s+(?:yet\s+)?(?:been\s+able\s+to\s+)?(?:complete[d]?|finalise[d]?|finalize[d]?)\s+"
    r"(?:our|the|my)\s+(?:response|reply|search|consideration)",
    r"\b(?:now|revised)\s+(?:aim|expect|hope|intend|anticipate)\s+to\s+(?:send|provide|respond|"
    r"reply|issue)",
    r"\b(?:date|deadline)\s+(?:originally\s+)?(?:given|stated|set|promised)\b|"
    r"\boriginal\s+(?:deadline|due\s+date|response\s+date)",
]
_ACKNOWLEDGED_PATTERNS = [
    r"\b(?:aim|aims|expect|intend|hope|endeavour|plan)\s+to\s+(?:send|provide|give|issue|"
    r"respond|reply|get\s+back|let\s+you\s+have)\b[^.]{0,60}\b(?:by|before|within|"
    r"no\s+later\s+than)\b",
    r"\bwill\s+(?:respond|reply|send\s+(?:you\s+)?(?:a|our)\s+(?:full\s+)?(?:response|reply)|"
    r"provide\s+(?:you\s+with\s+)?(?:a|our|the)\s+(?:full\s+)?(?:response|reply|information)|"
    r"be\s+in\s+touch|receive\s+(?:a|our)\s+(?:full\s+)?(?:response|reply))\b[^.]{0,50}"
    r"\b(?:by|before|within|no\s+later\s+than)\b",
    r"\b(?:should|will|can)\s+(?:expect\s+to\s+)?(?:receive|expect)\s+(?:a|our|the)\s+"
    r"(?:full\s+)?(?:response|reply)",
    r"\b(?:due\s+date|deadline|target\s+date)\s+for\s+(?:a|our|the|your)\s+(?:response|reply)",
    r"\b(?:response|reply)\s+(?:is\s+)?due\s+(?:by|on)\b",
    r"\backnowledge\s+(?:receipt|your\s+(?:request|email|letter|application))",
    r"\bthis\s+(?:email|is)\s+(?:to\s+)?(?:acknowledge|confirm\s+(?:receipt|that\s+we\s+have\s+"
    r"received))",
    r"\b(?:has|have)\s+been\s+(?:received|logged|registered|recorded|allocated|assigned)\b"
    r"[^.]{0,80}\b(?:will|respond|response|reply|working\s+days)\b",
    r"\b(?:we\s+are|I\s+am)\s+(?:now\s+)?(?:dealing\s+with|processing|handling|considering)\s+"
    r"your\s+(?:request|review|complaint|appeal|concerns)",
    r"\bwill\s+be\s+(?:dealt\s+with|processed|handled|considered)\s+(?:under|in\s+accordance)",
    r"\bwill\s+be\s+(?:answered|responded\s+to|replied\s+to)\b[^.]{0,40}\b(?:by|within|"
    r"no\s+later\s+than)\b",
    r"\b(?:has|have)\s+(?:20|twenty)\s+working\s+days\s+(?:in\s+which\s+)?to\s+(?:respond|reply)",
    r"\byour\s+(?:request|enquiry|application)\s+is\s+(?:now\s+)?being\s+(?:processed|dealt\s+"
    r"with|handled|considered|logged)",
    r"\breceived\s+your\s+(?:request|email|application)\b[^.]{0,80}\bwill\s+(?:respond|reply|"
    r"aim|be\s+in\s+touch|provide|send)",
]
_CLARIFY_PATTERNS = [
    r"\b(?:ask|asking|request|requesting|seek|seeking)\s+(?:you\s+)?(?:to\s+|for\s+)?"
    r"(?:some\s+|further\s+|a\s+)?clarif",
    r"\b(?:could|would|can|will)\s+you\s+(?:please\s+)?(?:kindly\s+)?(?:clarify|confirm|specify|"
    r"narrow|tell\s+(?:me|us)\s+(?:which|what|whether))\b",
    r"\bplease\s+(?:could\s+you\s+|can\s+you\s+)?(?:clarify|specify)\b",
    r"\b(?:need|needs|require|requires)\s+(?:some\s+)?(?:further\s+|more\s+|additional\s+)?"
    r"(?:clarification|information\s+from\s+you|details\s+from\s+you)",
    r"\bclarification\s+(?:is|would\s+be|will\s+be)\s+(?:needed|required|helpful|appreciated)",
    r"\bwithout\s+(?:this|that|the|these|some)\s+(?:extra\s+|further\s+|additional\s+)?"
    r"(?:information|clarification|details)\b",
    r"\bsection\s+1\s?\(3\)|\bregulation\s+9\b|\breg\.?\s?9\s?\(2\)",
    r"\b(?:clock|time\s+limit|20\s+working\s+days?)\s+(?:will\s+|has\s+)?(?:not\s+)?"
    r"(?:start|begin|restart|be\s+paused|paused|stop)",
    r"\b(?:provide|specify|confirm|tell\s+us)\s+(?:a|the)\s+(?:start|end|specific)?\s*"
    r"(?:date|time\s*frame|period|date\s+range)\b[^.]{0,80}(?:\?|$)",
    r"\binviting\s+you\s+to\s+(?:refine|clarify|narrow)",
    r"\b(?:grateful|appreciate\w*|helpful)\s+if\s+you\s+(?:could|would|can)\s+(?:please\s+)?"
    r"(?:clarify|confirm|specify|narrow|let\s+(?:me|us)\s+know\s+(?:which|what|whether|exactly))",
    r"\b(?:need|require)\s+you\s+to\s+(?:clarify|confirm|specify|tell\s+us)",
    r"\bin\s+order\s+(?:for\s+us\s+)?to\s+(?:process|respond\s+to|deal\s+with|answer|identify|"
    r"locate)\b[^.]{0,60}\b(?:could\s+you|please\s+(?:clarify|confirm|specify|provide)|"
    r"(?:we|I)\s+(?:will\s+)?(?:need|require))",
]
_REFINE = _compile(
    [
        r"\b(?:refine|narrow|reduce|rephrase|reframe|resubmit)\s+(?:down\s+)?(?:the\s+)?"
        r"(?:terms\s+of\s+|scope\s+of\s+)?(?:your|the|this)\s+request",
        r"\bmore\s+specific\b",
    ]
)
_NOT_ASKING = re.compile(
    r"\bif\s+you\s+(?:require|need|have|would\s+like|want)\b[^.]{0,40}\bclarif|any\s+clarification",
    re.IGNORECASE,
)
_COVER_NOTE = _compile(
    [
        r"\b(?:attached|enclosed|please\s+find)\b[^.]{0,30}\b(?:our|my|the|a)\s+(?:formal\s+|full\s+)?"
        r"(?:response|reply)\b",
        r"\b(?:attached|enclosed|please\s+find)\b[^.]{0,60}\b(?:formal|full|final)\s+"
        r"(?:response|reply|decision)",
        r"\b(?:attached|enclosed|please\s+find)\b[^.]{0,60}\b(?:response|reply)\s+to\s+your\s+"
        r"(?:freedom\s+of\s+information\s+|foi\s+|foia\s+|eir\s+|information\s+)?request",
        r"\b(?:our|my|the\s+council'?s|the\s+authority'?s)\s+response\s+(?:to\s+your\s+request\s+)?"
        r"(?:is\s+)?(?:attached|enclosed|below|as\s+follows)",
        r"\bin\s+response\s+to\s+your\s+(?:freedom\s+of\s+information\s+|foi\s+|foia\s+|eir\s+|"
        r"information\s+)?request\b",
    ]
)
# Signatures ("MHCLG FOI Team") do not make a note about a request under the Acts.
_NOT_A_TEAM = (
    r"(?!\s+(?:team|officer|unit|manager|co-?ordinator|business|lead|administrator|office|"
)
_NOT_A_TEAM += r"mailbox|section|department|&|and\s+data|and\s+information|compliance|disclosure))"
_FORMAL_PATTERNS = [
    rf"freedom\s+of\s+information(?:\s+act)?{_NOT_A_TEAM}",
    r"environmental\s+information\s+regulations",
    rf"\bFOI(?:A|SA)?\b{_NOT_A_TEAM}",
    r"\bEIRs?\b",
    r"request\s+for\s+information",
    r"(?:foi|foia|eir|freedom\s+of\s+information)\s+request",
]
_RIGHTS = Alternatives(
    [r"information\s+commissioner", r"\bICO\b", r"complain", r"appeal", r"re-?use", r"copyright"],
    [
        (("commissioner",),),
        (("ico",),),
        (("complain",),),
        (("appeal",),),
        (("reuse", "re-use"),),
        (("copyright",),),
    ],
)
_HYPOTHETICAL = re.compile(r"^(?:if|where|should|unless|in\s+the\s+event|when)\b", re.I)
_PROMISE = re.compile(r"\b(?:will|aim|aims|intend|expect|shall)\b", re.IGNORECASE)
# "We may need to contact you to clarify your request if ..." describes, it does not ask.
# (An "if" is looked behind from its end: a look behind tried at every character is slow.)
_MAYBE_LATER = Alternatives(
    [
        r"\bif\b(?<!grateful\sif)(?<!helpful\sif)(?<!appreciate\sit\sif)(?<!appreciated\sif)",
        r"\bin\s+which\s+case\b",
        r"\bmay\s+need\s+to\b",
        r"\bshould\s+we\s+need\b",
    ],
    [(("if",),), (("which",),), (("may",),), (("should",),)],
)
_CONDITIONAL = re.compile(r"\bif\b|\bwhere\b", re.IGNORECASE)
_REVIEW_WORD = re.compile(r"\breview\b", re.IGNORECASE)
_THEIR_REVIEW = re.compile(
    r"(?:your|the)\s+(?:request\s+for\s+an?\s+(?:internal\s+)?review|review\s+request|"
    r"complaint|appeal)|considering\s+your\s+concerns",
    re.IGNORECASE,
)


# Words at least one of which every match of a sentence pattern above contains (lower case,
# read from its alternatives): sentences with none of them are not searched. Keep in step.
_REVIEW_DONE_WORDS = Words(
    "review",
    "consider",
    "examined",
    "uphol",
    "upheld",
    "overturn",
    "original",
    "initial",
)
_EXTENSION_WORDS = Words(
    "exten",
    "section",
    "reg",
    "voluminous",
    "time",
    "able",
    "date",
    "deadline",
    "complet",
    "finali",
    "aim",
    "expect",
    "hope",
    "intend",
    "anticipate",
)
# The extension phrases alternative by alternative, each with the words its matches hold (one of
# each group). Keep in step with the patterns.
_EXTENSION = Alternatives(
    _EXTENSION_PATTERNS,
    [
        (("extend",), ("time", "deadline", "date", "period", "statutory")),
        (("extension",),),
        (("extension",),),
        (("section",), ("10",)),
        (("reg",), ("7",)),
        (("voluminous",),),
        (("need", "requir"), ("more", "further", "additional", "extra"), ("time",)),
        (("additional", "further", "more", "extra"), ("time",)),
        (("able",), ("respon", "reply"), ("within", "by")),
        (("new", "revised"), ("date", "deadline")),
        (("public",), ("test",), ("time",)),
        (("not",), ("complet", "finali")),
        (("now", "revised"), ("aim", "expect", "hope", "intend", "anticipate")),
        (("date", "deadline"),),
    ],
)
_ACKNOWLEDGED_WORDS = Words(
    "aim",
    "expect",
    "intend",
    "hope",
    "endeavour",
    "plan",
    "will",
    "receive",
    "date",
    "deadline",
    "due",
    "acknowledge",
    "confirm",
    "respon",
    "reply",
    "working",
    "dealing",
    "processing",
    "handling",
    "considering",
    "being",
)
_CLARIFY_WORDS = Words(
    "clarif",
    "you",
    "specify",
    "from",
    "without",
    "section",
    "reg",
    "clock",
    "time",
    "working",
    "provide",
    "confirm",
    "tell",
    "inviting",
    "grateful",
    "appreciate",
    "helpful",
    "order",
)
# The bounce phrases (read in a message's head) and the names of the Acts (read in a whole
# letter), alternative by alternative, each with the words its matches hold. Keep in step.
_FORMAL_PARTS = Alternatives(
    _FORMAL_PATTERNS,
    [
        (("freedom",),),
        (("environmental",),),
        (("foi",),),
        (("eir",),),
        (("request",), ("information",)),
        (("foi", "eir", "freedom"), ("request",)),
    ],
    # The words each phrase starts with, for a whole letter. Keep in step.
    starts=[
        ("freedom",),
        ("environmental",),
        ("foi",),
        ("eir",),
        ("request",),
        ("foi", "eir", "freedom"),
    ],
)
_BOUNCE_PARTS = Alternatives(
    _BOUNCE_PATTERNS,
    [
        (("delivery",), ("failed",)),
        (("undeliverable",),),
        (("delivery",),),
        (("delivery",),),
        (("55",),),
        (("delivered",),),
        (("delivered",),),
        (("delivered",),),
        (("rejected",),),
        (("address",),),
        (("unknown",),),
        (("mailbox",),),
        (("returned",),),
        (("permanent",),),
        (("reached",),),
        (("user",),),
    ],
)
# The acknowledgement and clarification phrases, alternative by alternative, each with the
# words its matches hold (one of each group). Keep in step with the patterns.
_ACKNOWLEDGED_PARTS = Alternatives(
    _ACKNOWLEDGED_PATTERNS,
    [
        (
            ("aim", "expect", "intend", "hope", "endeavour", "plan"),
            ("send", "provide", "give", "issue", "respond", "reply", "back", "have"),
        ),
        (("will",),),
        (("receive", "expect"), ("response", "reply")),
        (("date", "deadline"), ("response", "reply")),
        (("due",), ("response", "reply")),
        (("acknowledge",),),
        (("this",), ("acknowledge", "confirm")),
        (("been",), ("received", "logged", "registered", "recorded", "allocated", "assigned")),
        (("dealing", "processing", "handling", "considering"), ("your",)),
        (("will",), ("dealt", "processed", "handled", "considered")),
        (("will",), ("answered", "responded", "replied")),
        (("working",), ("respond", "reply")),
        (("your",), ("being",)),
        (("received",), ("will",)),
    ],
)
_CLARIFY_PARTS = Alternatives(
    _CLARIFY_PATTERNS,
    [
        (("clarif",),),
        (("you",), ("clarify", "confirm", "specify", "narrow", "tell")),
        (("please",), ("clarify", "specify")),
        (("need", "require"), ("clarification", "from")),
        (("clarification",),),
        (("without",),),
        (("section", "reg"),),
        (("clock", "limit", "day"), ("start", "begin", "paused", "stop")),
        (("provide", "specify", "confirm", "tell"), ("date", "time", "period")),
        (("inviting",),),
        (("grateful", "appreciate", "helpful"),),
        (("need", "require"), ("clarify", "confirm", "specify", "tell")),
        (("order",),),
    ],
)
_RIGHTS_WORDS = Words("commissioner", "ico", "complain", "appeal", "use", "copyright")
_MAYBE_LATER_WORDS = Words("if", "which", "may", "should")
_REFINE_WORDS = Words("refine", "narrow", "reduce", "rephrase", "reframe", "resubmit", "specific")
_COVER_NOTE_WORDS = Words("attached", "enclosed", "find", "response")
_REVIEW_WORDS = Words("review")
_CLARIF_WORDS = Words("clarif")
_CONDITIONAL_WORDS = Words("if", "where")


# A sentence as the rules below read it: its text, folded (`folded`), and the known words in it
# (`words_in`), found once for all the rules.
_Read = tuple[str, str, frozenset[str]]


def _read(sentence: str) -> _Read:
    lower = folded(sentence)
    return sentence, lower, words_in(lower)


def _any_sentence(
    pattern: re.Pattern[str] | Alternatives, words: Words, chosen: list[_Read]
) -> bool:
    """Whether the pattern (or its parts) matches one of the sentences that have its words.

    (`isdisjoint`: the sentence has none of the words, so the pattern cannot match.)
    """
    if isinstance(pattern, re.Pattern):
        return any(not found.isdisjoint(words) and pattern.search(s) for s, _, found in chosen)
    return any(
        not found.isdisjoint(words) and pattern.search(s, lower, found)
        for s, lower, found in chosen
    )


def _formal(text: str) -> bool:
    """Whether the text names the Acts or a request under them (`_FORMAL_PATTERNS`)."""
    return _FORMAL_PARTS.search(text, caseless(text))


@dataclass(frozen=True)
class KindSigns:
    """Which kinds of message the text has the phrases of."""

    bounce: bool = False
    delay_notice: bool = False
    away: bool = False
    review_done: bool = False
    extension: bool = False
    acknowledged: bool = False
    clarify: bool = False
    refine: bool = False
    cover_note: bool = False
    formal: bool = False


def read_kind_signs(text: str, subject: str = "") -> KindSigns:
    """Find the phrases of each message kind in the authority's own sentences."""
    # Mail systems state a failure at the top; the rest is the returned message.
    head = f"{subject}\n{text[:1500]}"
    own = [_read(s) for s in sentences(without_links(text)) if not _HYPOTHETICAL.search(s)]
    # (`isdisjoint`: a sentence has none of the words, so the pattern after it cannot match.)
    outside_rights = [
        (s, lower, found)
        for s, lower, found in own
        if found.isdisjoint(_RIGHTS_WORDS) or not _RIGHTS.search(s, lower, found)
    ]
    # Sentences about reviews in general ("reviews are answered within 20 working days") are
    # boilerplate; the ones about this requester's own review, or naming a date, are not.
    promises = [
        (s, lower, found)
        for s, lower, found in outside_rights
        if found.isdisjoint(_REVIEW_WORDS)
        or not _REVIEW_WORD.search(s)
        or _THEIR_REVIEW.search(s)
        or any(dates_in(s))
    ]
    asking = [
        (s, lower, found)
        for s, lower, found in outside_rights
        if (found.isdisjoint(_CLARIF_WORDS) or not _NOT_ASKING.search(s))
        and (found.isdisjoint(_MAYBE_LATER_WORDS) or not _MAYBE_LATER.search(s, lower, found))
    ]
    unconditional = [
        (s, lower, found)
        for s, lower, found in promises
        if found.isdisjoint(_CONDITIONAL_WORDS) or not _CONDITIONAL.search(s)
    ]
    return KindSigns(
        bounce=_BOUNCE_PARTS.search(head, caseless(head)),
        delay_notice=bool(_DELAY_NOTICE.search(head)),
        away=bool(_AWAY.search(flat(f"{subject}\n{text[:800]}"))),
        review_done=any(
            not found.isdisjoint(_REVIEW_DONE_WORDS)
            and _REVIEW_DONE.search(s)
            and not _PROMISE.search(s)
            for s, _, found in outside_rights
        ),
        extension=_any_sentence(_EXTENSION, _EXTENSION_WORDS, unconditional),
        acknowledged=_any_sentence(_ACKNOWLEDGED_PARTS, _ACKNOWLEDGED_WORDS, promises),
        clarify=_any_sentence(_CLARIFY_PARTS, _CLARIFY_WORDS, asking),
        refine=_any_sentence(_REFINE, _REFINE_WORDS, asking),
        cover_note=_any_sentence(_COVER_NOTE, _COVER_NOTE_WORDS, outside_rights),
        formal=_formal(f"{subject}\n{text}"),
    )


def classify_kind(
    signs: KindSigns,
    findings: Findings,
    outcome: str | None,
    *,
    has_reference: bool,
    cost_limit: bool = False,
    long_letter: bool = False,
    auto_submitted: bool = False,
    delivery_report: bool = False,
) -> MessageKind:
    """The message kind, from the signs of each kind and what the reply says it gives."""
    if delivery_report or signs.bounce:
        return MessageKind.OTHER if signs.delay_notice and not signs.bounce else MessageKind.BOUNCE
    if signs.away:
        return MessageKind.OTHER
    if auto_submitted and not signs.acknowledged:
        return MessageKind.OTHER
    answered = findings.disclosed or findings.not_held
    if signs.review_done:
        return MessageKind.REVIEW_OUTCOME
    if signs.extension and not answered:
        return MessageKind.EXTENSION
    if signs.clarify and not answered and not cost_limit:
        return MessageKind.CLARIFICATION
    if signs.acknowledged and not (answered or findings.withheld):
        return MessageKind.ACKNOWLEDGEMENT
    if signs.refine and not answered and not cost_limit and not findings.withheld:
        return MessageKind.CLARIFICATION
    if findings.says_anything or signs.cover_note:
        if not (signs.formal or has_reference):
            return MessageKind.OTHER
        return MessageKind.REFUSAL if outcome == "refused" else MessageKind.RESPONSE
    if long_letter and signs.formal and has_reference:
        # A full letter under the Acts that is none of the shorter kinds answers in its own words.
        return MessageKind.RESPONSE
    return MessageKind.OTHER
