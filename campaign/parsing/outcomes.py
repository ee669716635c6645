"""What a final answer gives the requester, as the request status words of the product.

A reply is read for four things: information given (attached, set out, or published and pointed
to under s21), information not held, information withheld (exemptions, cost limit, "unable to
provide"), and signs that only part was given ("the remainder of the request", redactions).
The overall outcome follows the way FOI trackers such as WhatDoTheyKnow score requests:
everything given is `successful`; some given and some not held or withheld is
`partially_successful`; nothing given because nothing is held is `not_held`; nothing given
because it is withheld is `refused`. Saying "there are no training materials" in passing is an
answer, not a "not held" statement: only the phrases authorities use to claim the information is
not held count.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from campaign.parsing.exemptions import find_exemptions, relied_on_sentences
from campaign.parsing.plain_text import (
    Alternatives,
    WordGroups,
    Words,
    caseless,
    folded,
    may_match,
    normalise,
    paragraphs,
    words_in,
)

_INFO = (
    r"(?:information|data|records?|documents?|documentation|details|materials?|figures|"
    r"statistics|reports?|notes|manuals?|assessments?|correspondence|emails?|minutes|contracts?|"
    r"evaluations?|policy|policies|guidance|files?|evidence)"
)
_NOT_HELD = [
    rf"\b(?:it|this|that|these|those|they|such|the|any|requested|{_INFO})\s+(?:\w+\s+){{0,4}}?"
    r"(?:is|are|was|were)\s+not\s+(?:held|recorded|collected|kept|retained|captured)\b",
    r"\bnot\s+held\s+by\b",
    r"\bno\s+(?:such\s+|recorded\s+|relevant\s+|specific\s+)?(?:information|data|records?)\s+"
    r"(?:is\s+|are\s+|was\s+)?(?:held|exists?|recorded)\b",
    r"\b(?:do|does|did)\s+not\s+(?:hold|keep|retain|record|collect)\b",
    r"\b(?:do|does|did)\s+not\s+have\s+(?:it\b|them\b|this\b|that\b|these\b|(?:the|any|such|this|"
    rf"that|these|those|specific|recorded|relevant)\s+(?:\w+\s+){{0,3}}?{_INFO})",
    rf"\b(?:hold|holds|held|have|has)\s+no\s+(?:\w+\s+){{0,3}}?{_INFO}",
    rf"\b(?:unable|not\s+able|failed)\s+to\s+(?:locate|find|identify)\s+any\s+(?:\w+\s+){{0,3}}?"
    rf"{_INFO}",
    r"\bsection\s+1\s?\(1\)\s?\(a\)",
    r"\bsection\s+17\b[^.]{0,80}\bnot\s+held\b",
    r"\bregulation\s+12\s?\(4\)\s?\(a\)|\breg\.?\s?12\s?\(4\)\s?\(a\)",
    rf"\b(?:information|{_INFO})\s+(?:\w+\s+){{0,4}}?does\s+not\s+exist\b",
    r"\b(?:information|data)\s+not\s+held\b",
    r"^(?:[A-Z]\d{1,2}\s+)?not\s+held\b",
    r"\bnone\s+held\b",
    r"\bnil\s+return\b",
    r"\b(?:transferred|forwarded|passed)\s+your\s+request\s+(?:on\s+)?to\b",
    r"\bheld\s+by\s+[^.]{3,80}?\brather\s+than\b",
    # "We do not use any such systems": nothing of the kind exists to be held.
    r"\b(?:does|do)\s+not\s+(?:currently\s+)?(?:use|operate|employ|utilise|utilize|have)\s+"
    r"(?:any|such)\s+(?:\w+\s+){0,4}?(?:systems?|tools?|software|analytics|technology|"
    r"technologies|models?)\b",
    r"\bno\s+such\s+(?:systems?|tools?|software|models?)\s+(?:is|are|exists?|in\s+use)\b",
]
_WITHHELD = [
    r"\b(?:unable|not\s+able|cannot|can\s?not)\s+(?:to\s+)?(?:provide|supply|disclose|release|"
    r"share|give)\s+(?:you\s+with\s+)?(?:this|the|that|these|any|some)\b",
    r"\b(?:is|are|has\s+been|have\s+been|being|will\s+be)\s+withheld\b",
    r"\bwithh(?:old|olding)\s+(?:this|the|that|these|it|them|all|some)\b",
    r"\b(?:refuse|refusing|decline|declining)\s+(?:to\s+(?:provide|disclose|release|comply)|"
    r"your\s+request|this\s+request)",
    r"\bneither\s+confirm\s+nor\s+deny\b",
    r"\bexempt\s+from\s+disclosure\b",
    r"\bcannot\s+be\s+(?:disclosed|released|provided|shared)\b",
    r"\b(?:is|are)\s+not\s+(?:able\s+to\s+be\s+)?(?:disclosed|released)\b",
    r"\b(?:is|are)\s+(?:therefore\s+)?exempt\b",
    r"\b(?:not\s+obliged|not\s+required)\s+(?:by\s+statute\s+)?to\s+(?:provide|release|"
    r"disclose|comply)",
]
_PARTIAL = [
    r"\bredact(?:ed|ion|ions)?\b",
    r"\b(?:remainder|rest)\s+of\s+(?:the|your)\s+request\b",
    r"\b(?:any\s+)?further\s+information\b[^.]{0,60}\b(?:refus|exempt|withh)",
    r"\b(?:refus|exempt|withh)\w*\b[^.]{0,60}\b(?:any\s+)?further\s+information\b",
    r"\bsome\s+of\s+the\s+(?:information|data|documents|material)\b",
    r"\b(?:unable|not\s+able)\s+to\s+provide\s+all\s+(?:of\s+)?the\b",
    r"\bpartially\s+(?:disclosed|provided|released)\b",
    r"\bin\s+part\b",
]
_DISCLOSED = [
    r"\bpleased\s+to\s+(?:provide|supply|enclose|attach|confirm|send|share|release|disclose|"
    r"inform|advise)\b",
    r"\b(?:able|happy)\s+to\s+(?:provide|release|disclose|supply|share)\b",
    r"\bplease\s+find\s+(?:attached|enclosed|below)\s+(?:the\s+|a\s+|copies\s+|copy\s+|our\s+)?"
    rf"(?:requested\s+|relevant\s+)?(?:{_INFO}|copies|copy|spreadsheet|presentation|list|table|"
    r"answers?|response\s+to\s+(?:each|your\s+questions))",
    r"\b(?:have|has)\s+(?:been\s+)?attached\s*:|\bwe\s+have\s+attached\b(?![^.]{0,30}\bresponse\b)",
    r"\battached\s+(?:is|are)\s+(?:the|a|copies|copy)\b",
    r"\b(?:is|are)\s+attached\b",
    r"\b(?:I|we)\s+(?:enclose|attach|have\s+enclosed|have\s+attached|am\s+attaching|are\s+attaching)"
    r"\b(?![^.]{0,40}\b(?:response|letter|reply|notice)\b)",
    r"\b(?:see|in|with)\s+(?:the\s+)?attached\s+(?!response|letter|reply|notice|formal)\w+",
    r"\battached\s+(?:most\s+recent\s+|latest\s+)?(?:document|file|spreadsheet|copy|copies|report|"
    r"presentation|slides?|list|table|pdf|excel|policy|information|data)\b",
    r"\b(?:and|with|including)\s+the\s+information\s+(?:you\s+(?:asked\s+for|requested|"
    r"require|sought)|requested)\b",
    r"\b(?:the\s+)?(?:information|answers?|details|responses?)\s+(?:\w+\s+){0,4}?(?:is|are)\s+"
    r"(?:as\s+follows|set\s+out\s+below|provided\s+below|shown\s+below|listed\s+below|"
    r"detailed\s+below|below)\b",
    r"\b(?:repeated|set\s+out)\s+below,?\s+(?:along\s+)?with\s+(?:the|our|its|my)\b[^.]{0,20}"
    r"\bresponse",
    r"\b(?:I|we)\s+can\s+confirm\s+(?:that\s+)?(?:the\s+)?(?:[\w ]{0,40}?)\b(?:holds?|held)\b"
    r"(?!\s+(?:no|elsewhere))",
    r"\bplease\s+see\s+(?:below|the\s+following|the\s+table\s+below|the\s+attached)\b",
    r"\bin\s+(?:answer|response|reply)\s+to\s+(?:your\s+)?(?:question|point|part)\s+\d",
]
_POINTER = [
    r"\b(?:can|may)\s+be\s+(?:found|accessed|viewed|downloaded|obtained|seen)\s+(?:at|on|via|"
    r"here|from|through|using|in)\b",
    r"\b(?:is|are)\s+(?:publicly\s+)?(?:available|published|accessible)\s+(?:to\s+you\s+)?"
    r"(?:at|on|via|from|here|through|online)\b",
    r"\b(?:refer\s+to|see|visit|use)\s+the\s+following\s+(?:link|website|web\s*site|web\s*page|"
    r"websites|links)\b",
    r"\bfollowing\s+link\b",
]
# Framing of answers written into the letter itself ("Our response:", "In relation to Question 1").
_ANSWER_FRAMING = [
    r"\b(?:our|the\s+council'?s|the\s+authority'?s|the\s+force'?s|the\s+department'?s|"
    r"the\s+trust'?s)\s+response\s*(?::|is\s+as\s+follows|to\s+(?:each|your\s+questions))",
    r"^(?:response|answer|reply)\s*\d{0,2}\s*[:.-]",
    r"\bplease\s+see\s+(?:below|our\s+response\s+below)",
    r"\bin\s+(?:answer|response|reply)\s+to\s+(?:your\s+)?(?:question|point|part)s?\s+\d",
    r"\b(?:in\s+relation|with\s+regards?|turning)\s+to\s+(?:question|part|point)s?\s+\d",
    r"\bturning\s+to\s+the\s+specifics\b",
    r"\bas\s+follows\s*:",
]
_NOT_A_POINTER = re.compile(
    r"refer\s+back\s+to|(?:original|previous|earlier)\s+(?:response|reply|letter)|"
    r"complain|request\s+can\s+be\s+submitted|to\s+make\s+a\s+request|you\s+may\s+wish\s+to\s+contact",
    re.IGNORECASE,
)
# Answer lines of a question-and-answer sheet ("A1  Gwent Police uses ...", "Answer: ...").
_ANSWER_LINE = re.compile(r"^(?:A\s?\d{1,2}\b|Answer\s*\d{0,2}\s*[:.-]|Response\s*\d{0,2}\s*:)")


def _compile(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns), re.IGNORECASE)


_NOT_HELD_RE = _compile(_NOT_HELD)
_WITHHELD_RE = _compile(_WITHHELD)
_DISCLOSED_RE = _compile(_DISCLOSED)
_POINTER_RE = _compile(_POINTER)
_ANSWER_FRAMING_RE = re.compile("|".join(f"(?:{p})" for p in _ANSWER_FRAMING), re.I | re.M)
# For each framing alternative, in order: groups of words, one word of each group in every
# match. The framing is looked for in a whole letter, so each alternative is run only when the
# letter has its words: one alternation tried at every character is what makes it slow.
# Keep in step with the patterns.
_ANSWER_FRAMING_NEEDS: list[WordGroups] = [
    (("our", "council", "authority", "force", "department", "trust"), ("response",)),
    (("response", "answer", "reply"),),
    (("please",), ("see",)),
    (("answer", "response", "reply"), ("question", "point", "part")),
    (("relation", "regard", "turning"), ("question", "point", "part")),
    (("specifics",),),
    (("follows",),),
]
# ... and the words each alternative starts with. Keep in step.
_ANSWER_FRAMING_STARTS = [
    ("our", "the"),
    ("response", "answer", "reply"),
    ("please",),
    ("in",),
    ("in", "with", "turning"),
    ("turning",),
    ("as",),
]
_ANSWER_FRAMING_PARTS = Alternatives(
    _ANSWER_FRAMING, _ANSWER_FRAMING_NEEDS, re.I | re.M, starts=_ANSWER_FRAMING_STARTS
)

# Words at least one of which every match of a pattern contains (lower case, read from the
# alternatives above): a sentence with none of them cannot match, and most sentences have none,
# so the alternation is not run on them. Keep these in step with the patterns.
_WITHHELD_WORDS = Words("able", "can", "withh", "refus", "declin", "neither", "exempt", "not")
_PARTIAL_WORDS = Words(
    "redact", "remainder", "rest", "further", "some", "able", "partially", "part"
)
_DISCLOSED_WORDS = Words(
    "pleased",
    "able",
    "happy",
    "find",
    "attach",
    "enclos",
    "information",
    "below",
    "follows",
    "response",
    "confirm",
    "see",
    "question",
    "point",
    "part",
)
_POINTER_WORDS = Words(
    "found",
    "accessed",
    "viewed",
    "downloaded",
    "obtained",
    "seen",
    "available",
    "published",
    "accessible",
    "following",
)


# For each "not held" alternative, in order: groups of words, one word of each group in every
# match. A long ASCII sentence is searched only with the alternatives whose words it has, as
# trying every alternative at every word is what makes the whole pattern slow.
_NOT_HELD_NEEDS: list[WordGroups] = [
    (("not",), ("held", "recorded", "collected", "kept", "retained", "captured")),
    (("not",), ("held",)),
    (("no",), ("information", "data", "record"), ("held", "exist", "record")),
    (("not",), ("hold", "keep", "retain", "record", "collect")),
    (("not",), ("have",)),
    (("no",), ("hold", "held", "have", "has")),
    (("any",), ("locate", "find", "identify")),
    (("section",), ("1",)),
    (("section",), ("17",), ("not",), ("held",)),
    (("reg",), ("12",)),
    (("not",), ("exist",), ("does",)),
    (("not",), ("held",)),
    (("not",), ("held",)),
    (("none",), ("held",)),
    (("nil",), ("return",)),
    (("your",), ("request",), ("transferred", "forwarded", "passed")),
    (("held",), ("rather",)),
    (
        ("not",),
        ("use", "operate", "employ", "utilise", "utilize", "have"),
        ("any", "such"),
        ("system", "tool", "software", "analytics", "technolog", "model"),
    ),
    (("no",), ("such",), ("system", "tool", "software", "model")),
]
_NOT_HELD_PARTS = Alternatives(_NOT_HELD, _NOT_HELD_NEEDS)


def _not_held_in(text: str, lower: str | None) -> bool:
    """Whether `_NOT_HELD_RE` matches the text (`lower` from `folded`)."""
    if lower is None:
        return bool(_NOT_HELD_RE.search(text))
    return _NOT_HELD_PARTS.search(text, lower)


def _frames_answers(text: str) -> bool:
    """Whether `_ANSWER_FRAMING_RE` matches the text."""
    return _ANSWER_FRAMING_PARTS.search(text, caseless(text))


# `_WITHHELD`, `_DISCLOSED` and `_PARTIAL` alternative by alternative, each with groups of words
# one of each of which every match holds: a sentence is searched only with the alternatives whose
# words it has. Keep in step with the patterns.
_WITHHELD_PARTS = Alternatives(
    _WITHHELD,
    [
        (("able", "can"), ("provide", "supply", "disclose", "release", "share", "give")),
        (("withheld",),),
        (("withhold",),),
        (("refus", "declin"),),
        (("neither",),),
        (("exempt",), ("disclosure",)),
        (("cannot",), ("disclosed", "released", "provided", "shared")),
        (("not",), ("disclosed", "released")),
        (("exempt",),),
        (("obliged", "required"), ("provide", "release", "disclose", "comply")),
    ],
)
_DISCLOSED_PARTS = Alternatives(
    _DISCLOSED,
    [
        (("pleased",),),
        (("able", "happy"), ("provide", "release", "disclose", "supply", "share")),
        (("find",), ("attached", "enclosed", "below")),
        (("attached",),),
        (("attached",),),
        (("attached",),),
        (("enclos", "attach"),),
        (("attached",),),
        (("attached",),),
        (("information",),),
        (("information", "answer", "details", "response"), ("follows", "below")),
        (("below",), ("response",)),
        (("confirm",), ("hold", "held")),
        (("see",), ("below", "following", "attached")),
        (("answer", "response", "reply"), ("question", "point", "part")),
    ],
)

_PARTIAL_PARTS = Alternatives(
    _PARTIAL,
    [
        (("redact",),),
        (("remainder", "rest"), ("request",)),
        (("further",), ("information",), ("refus", "exempt", "withh")),
        (("refus", "exempt", "withh"), ("further",), ("information",)),
        (("some",),),
        (("able",), ("provide",)),
        (("partially",),),
        (("part",),),
    ],
)


def _withheld_in(text: str, lower: str | None) -> bool:
    """Whether `_WITHHELD_RE` matches the text (`lower` from `folded`)."""
    return may_match(lower, _WITHHELD_WORDS) and _WITHHELD_PARTS.search(text, lower)


# For readers of one answer that want the sentence that decided it.
NOT_HELD_PATTERN = _NOT_HELD_RE
WITHHELD_PATTERN = _WITHHELD_RE

# Exemptions that mean "published elsewhere" or "not held" rather than "withheld".
_ELSEWHERE = {"s21", "s25"}
_NOT_HELD_EXCEPTIONS = {"reg12(4)(a)"}


@dataclass(frozen=True)
class Findings:
    """What one reply says about the information asked for."""

    disclosed: bool = False
    pointed_to: bool = False
    not_held: bool = False
    withheld: bool = False
    partial: bool = False
    published_elsewhere: bool = False
    answered_in_items: bool = False

    @property
    def says_anything(self) -> bool:
        return any(
            (
                self.disclosed,
                self.pointed_to,
                self.not_held,
                self.withheld,
                self.partial,
                self.published_elsewhere,
                self.answered_in_items,
            )
        )


def read_findings(text: str, exemptions: list[str]) -> Findings:
    """Read a reply for information given, pointed to, not held, withheld or partly given."""
    disclosed = pointed = not_held = withheld = partial = False
    for sentence in relied_on_sentences(text):
        s_not_held, s_withheld, s_partial, s_disclosed, s_pointed = _sentence_findings(sentence)
        not_held |= s_not_held
        withheld |= s_withheld
        partial |= s_partial
        disclosed |= s_disclosed
        pointed |= s_pointed
    disclosed |= _answers_questions(text)
    if not (disclosed or not_held or withheld) and _frames_answers(normalise(text)):
        # Answers written out in the letter with nothing withheld or missing.
        disclosed = True
    withheld |= any(e not in _ELSEWHERE and e not in _NOT_HELD_EXCEPTIONS for e in exemptions)
    not_held |= any(e in _NOT_HELD_EXCEPTIONS for e in exemptions)
    return Findings(
        answered_in_items=_answered_items(text),
        disclosed=disclosed,
        pointed_to=pointed,
        not_held=not_held,
        withheld=withheld,
        partial=partial,
        published_elsewhere=any(e in _ELSEWHERE for e in exemptions),
    )


@functools.lru_cache(maxsize=8192)
def _sentence_findings(sentence: str) -> tuple[bool, bool, bool, bool, bool]:
    """(not held, withheld, partial, disclosed, pointed to) for one sentence.

    A reply's sentences are read again for each letter and answer they belong to: remembered.
    """
    lower = folded(sentence)
    words = words_in(lower)  # found once for every rule (`isdisjoint`: it has none of them)
    not_held = _NOT_HELD_PARTS.search(sentence, lower, words)
    withheld = (
        not not_held
        and not words.isdisjoint(_WITHHELD_WORDS)
        and _WITHHELD_PARTS.search(sentence, lower, words)
        and not _only_published_elsewhere(sentence)
    )
    partial = not words.isdisjoint(_PARTIAL_WORDS) and _PARTIAL_PARTS.search(sentence, lower, words)
    disclosed = (
        not not_held
        and not words.isdisjoint(_DISCLOSED_WORDS)
        and _DISCLOSED_PARTS.search(sentence, lower, words)
    )
    pointed = (
        not words.isdisjoint(_POINTER_WORDS)
        and bool(_POINTER_RE.search(sentence))
        and not _NOT_A_POINTER.search(sentence)
    )
    return not_held, withheld, partial, disclosed, pointed


def judge_outcome(findings: Findings) -> str | None:
    """The request status word for a final answer, or None when the reply does not say."""
    given = (
        findings.answered_in_items
        or findings.disclosed
        or findings.published_elsewhere
        or (findings.pointed_to and not findings.not_held)
    )
    if findings.withheld:
        return "partially_successful" if given or findings.partial else "refused"
    if findings.not_held:
        return "partially_successful" if given or findings.partial else "not_held"
    if findings.partial:
        return "partially_successful"
    if given:
        return "successful"
    return None


_ELSEWHERE_SECTION = re.compile(
    r"(?:section|s\.?)\s?2[15]\b|reasonably\s+accessible|otherwise\s+accessible", re.IGNORECASE
)
_ANY_SECTION = re.compile(r"(?:section|s\.?)\s?(\d{1,2}[A-Z]?)\b", re.IGNORECASE)


def _only_published_elsewhere(sentence: str) -> bool:
    """ "Exempt under section 21" withholds nothing: the information is published already."""
    if not _ELSEWHERE_SECTION.search(sentence):
        return False
    others = {n for n in _ANY_SECTION.findall(sentence) if n not in {"21", "25", "17", "1"}}
    return not others


_ITEM_START = re.compile(
    r"^(?:\(?\d{1,2}[.):]|\(?[a-z][.)]\s|[-*]\s|Q\s?\d{1,2}\b|Question\s+\d{1,2}\b|Part\s+\d)",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(
    r"^(?:yours\s+(?:sincerely|faithfully)|kind\s+regards|best\s+regards|regards|many\s+thanks)\b",
    re.IGNORECASE,
)


def _answered_items(text: str) -> bool:
    """A numbered or bulleted question followed by an answer in the letter's own words.

    Letters that repeat each question and answer it below ("1. Any contracts ... The Council
    uses ...") give information without any "please find attached"; an answer block with no
    "not held", no refusal and no exemption in it is information given.
    """
    blocks: list[list[str]] = []
    current: list[str] | None = None
    for paragraph in paragraphs(text):
        if _SIGN_OFF.match(paragraph):
            break
        if _ITEM_START.match(paragraph) and len(paragraph) <= 600:
            current = []
            blocks.append(current)
        elif current is not None:
            current.append(paragraph)
    for block in blocks:
        answer = "\n\n".join(block)
        own = " ".join(relied_on_sentences(answer))
        if len(own) < 80 or find_exemptions(answer):
            continue
        lower = folded(own)
        if not _not_held_in(own, lower) and not _withheld_in(own, lower):
            return True
    return False


def _answers_questions(text: str) -> bool:
    """A question-and-answer sheet with at least one answer that is not a refusal."""
    for line in normalise(text).split("\n"):
        line = line.strip()
        if _ANSWER_LINE.match(line):
            body = _ANSWER_LINE.sub("", line).strip()
            if (
                len(body) > 15
                and not _not_held_in(body, folded(body))
                and not _withheld_in(body, folded(body))
                and not re.search(r"exempt|section\s+\d", body, re.IGNORECASE)
            ):
                return True
    return False
