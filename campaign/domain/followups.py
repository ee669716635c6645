"""Follow-up letters and the escalation ladder, as plain values.

A chaser reminds a late authority of the law's deadline; a review request asks it to look again
at a refusal. Both are templates the campaigner may override per campaign, rendered in the same
sandbox as request letters (see `letters`), with more placeholders: the dates of our request and
of their reply, days late, their reference, the exemptions they cited and our grounds.

The ladder decides, for one late request on one day, which rung is due: a first chaser some
working days after the due date, a second some working days after the first, then a proposal
to ask for a review or complain. It only proposes: nothing here sends anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from jinja2 import TemplateSyntaxError, nodes
from jinja2.sandbox import SandboxedEnvironment

from campaign.domain.deadlines import lateness, working_calendar
from campaign.domain.law import Law, LawCode
from campaign.domain.letters import (
    PLACEHOLDERS,
    LetterCheck,
    LetterContext,
    check_templates,
    format_letter_date,
)
from campaign.domain.vocabulary import MessageKind, RequestStatus

S = RequestStatus

# --- The law, as a follow-up cites it ----------------------------------------------------------

# The provision that sets the reply deadline, the one that governs reviews, and the one under
# which the regulator is asked for a decision.
TIME_FOR_COMPLIANCE = {
    LawCode.FOIA: "section 10(1) of the Freedom of Information Act 2000",
    LawCode.FOISA: "section 10(1) of the Freedom of Information (Scotland) Act 2002",
    LawCode.EIR: "regulation 5(2) of the Environmental Information Regulations 2004",
}
REVIEW_PROVISION = {
    LawCode.FOIA: "the Code of Practice issued under section 45 of the Freedom of Information "
    "Act 2000",
    LawCode.FOISA: "section 20 of the Freedom of Information (Scotland) Act 2002",
    LawCode.EIR: "regulation 11 of the Environmental Information Regulations 2004",
}


@dataclass(frozen=True)
class FollowUpLaw:
    """What a follow-up may say about the law: the letter's facts plus the sections it cites."""

    code: str
    name: str
    citation: str
    regulator: str
    time_limit: str
    review_provision: str


def follow_up_law(law: Law) -> FollowUpLaw:
    return FollowUpLaw(
        code=law.code.value,
        name=law.name,
        citation=law.citation,
        regulator=law.regulator,
        time_limit=TIME_FOR_COMPLIANCE[law.code],
        review_provision=REVIEW_PROVISION[law.code],
    )


# --- Exemptions in words -----------------------------------------------------------------------

_SECTION_RE = re.compile(r"^s(\d+[A-Z]?(?:\(\w+\))*)$", re.IGNORECASE)
_REGULATION_RE = re.compile(r"^reg(\d+(?:\(\w+\))*)$", re.IGNORECASE)


def exemption_words(code: str) -> str:
    """'s43(2)' -> 'section 43(2)', 'reg12(4)(a)' -> 'regulation 12(4)(a)'; others as given."""
    code = code.strip()
    if match := _SECTION_RE.match(code):
        return f"section {match.group(1)}"
    if match := _REGULATION_RE.match(code):
        return f"regulation {match.group(1)}"
    return code


def exemptions_in_words(codes: list[str] | tuple[str, ...]) -> str:
    """'section 12, section 40(2) and regulation 12(4)(b)': how a letter lists them."""
    words = [exemption_words(code) for code in dict.fromkeys(codes) if code.strip()]
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


# --- Rendering context -------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestFacts:
    """Our request as a follow-up quotes it; dates already in letter style, "" when unknown."""

    date: str = ""
    due_date: str = ""
    subject: str = ""
    reference_id: str = ""
    sent_to: str = ""
    working_days_late: int = 0
    days_late: int = 0


@dataclass(frozen=True)
class ResponseFacts:
    """The authority's answer a review request is about; empty when it never answered."""

    date: str = ""
    kind: str = ""
    reference_id: str = ""
    exemptions: str = ""  # in words: "section 12 and section 40(2)"


@dataclass(frozen=True)
class ChaserFacts:
    number: int = 1  # first or second chaser


@dataclass(frozen=True)
class ReviewFacts:
    grounds: str = ""
    due_date: str = ""  # when the review answer is due, if it were asked today


@dataclass(frozen=True)
class FollowUpContext(LetterContext):
    """Everything a chaser or review request template can use."""

    request: RequestFacts = RequestFacts()
    response: ResponseFacts = ResponseFacts()
    chaser: ChaserFacts = ChaserFacts()
    review: ReviewFacts = ReviewFacts()

    def as_template_vars(self) -> dict[str, Any]:
        variables = super().as_template_vars()
        variables.update(
            law=follow_up_law(self.law),
            request=self.request,
            response=self.response,
            chaser=self.chaser,
            review=self.review,
        )
        return variables


FOLLOW_UP_PLACEHOLDERS: dict[str, set[str]] = {
    **PLACEHOLDERS,
    "law": set(FollowUpLaw.__dataclass_fields__),
    "request": set(RequestFacts.__dataclass_fields__),
    "response": set(ResponseFacts.__dataclass_fields__),
    "chaser": set(ChaserFacts.__dataclass_fields__),
    "review": set(ReviewFacts.__dataclass_fields__),
}

# Shown next to the template editors: (placeholder, what it becomes).
FOLLOW_UP_PLACEHOLDER_HELP: list[tuple[str, str]] = [
    ("{{ authority.name }}", "the authority's name"),
    ("{{ law.citation }}", "section 1 of the Act (regulation 5 for the EIR)"),
    ("{{ law.time_limit }}", "the section on time for compliance, e.g. section 10(1)"),
    ("{{ law.review_provision }}", "where the law provides for internal reviews"),
    ("{{ law.regulator }}", "the Information Commissioner's Office, or the Scottish one"),
    ("{{ request.date }}", "the date our request was sent"),
    ("{{ request.due_date }}", "the date the reply was due"),
    ("{{ request.subject }}", "the subject of our request"),
    ("{{ request.reference_id }}", "the authority's own reference, empty if unknown"),
    ("{{ request.working_days_late }}", "working days past the due date"),
    ("{{ request.days_late }}", "calendar days past the due date"),
    ("{{ chaser.number }}", "1 for the first chaser, 2 for the second"),
    ("{{ response.date }}", "the date of their answer (review requests)"),
    ("{{ response.exemptions }}", "the exemptions they cited, in words"),
    ("{{ review.grounds }}", "your grounds for the review"),
    ("{{ reply_to }}", "this request's own reply address"),
    ("{{ today }}", "the date the letter is written"),
    ("{{ questions }}", "the questions of the request, numbered"),
]

# --- Default templates -------------------------------------------------------------------------

YOUR_REF = "{% if request.reference_id %} [Your ref: {{ request.reference_id }}]{% endif %}"
DEFAULT_CHASER_SUBJECT = "Re: {{ request.subject }}" + YOUR_REF
DEFAULT_CHASER_BODY = """Dear {{ authority.name }},

{% if request.reference_id %}Your reference: {{ request.reference_id }}

{% endif %}On {{ request.date }} I made a request for information under {{ law.citation }}. \
Under {{ law.time_limit }} you were required to respond promptly and in any event no later than \
the twentieth working day following receipt, which was {{ request.due_date }}.

I have not yet received your response. It is now {{ request.working_days_late }} working days \
late.

Please send your response without further delay, to {{ reply_to }}. If you need me to clarify \
anything, or there is a reason for the delay, please tell me.
{% if chaser.number > 1 %}
This is my second reminder. If I do not hear from you, I will ask for an internal review of \
your failure to respond and then refer the matter to the {{ law.regulator }}.
{% endif %}
For reference, my request was:

{{ questions }}

Yours faithfully,
"""

DEFAULT_REVIEW_SUBJECT = "Internal review request: Re: {{ request.subject }}" + YOUR_REF
DEFAULT_REVIEW_BODY = """Dear {{ authority.name }},

{% if request.reference_id %}Your reference: {{ request.reference_id }}

{% endif %}I am writing to ask for an internal review of your handling of my request for \
information under {{ law.citation }}, made on {{ request.date }}.

{% if response.date %}You responded on {{ response.date }}\
{% if response.exemptions %}, withholding information under {{ response.exemptions }}{% endif %}.\
{% else %}I have not received a response, which was due on {{ request.due_date }}.{% endif %}

{% if review.grounds %}{{ review.grounds }}
{% else %}I do not accept that the information can be withheld, and ask you to reconsider your \
decision and release it.
{% endif %}
I make this request under {{ law.review_provision }}. Please send the outcome of the review to \
{{ reply_to }}{% if review.due_date %} by {{ review.due_date }}{% endif %}.

Yours faithfully,
"""


class FollowUpKind(StrEnum):
    CHASER = MessageKind.CHASER.value
    REVIEW_REQUEST = MessageKind.REVIEW_REQUEST.value


def default_templates(kind: FollowUpKind | str) -> tuple[str, str]:
    """The built-in (subject, body) of a chaser or a review request."""
    if FollowUpKind(kind) is FollowUpKind.CHASER:
        return DEFAULT_CHASER_SUBJECT, DEFAULT_CHASER_BODY
    return DEFAULT_REVIEW_SUBJECT, DEFAULT_REVIEW_BODY


def effective_templates(kind: FollowUpKind | str, subject: str, body: str) -> tuple[str, str]:
    """The campaign's own subject and body where it has one, else the built-in ones."""
    default_subject, default_body = default_templates(kind)
    return (subject if subject.strip() else default_subject, body if body.strip() else default_body)


# --- Checking follow-up templates --------------------------------------------------------------

_PARSER = SandboxedEnvironment()


def check_follow_up_templates(subject: str, body: str) -> LetterCheck:
    """Problems that stop a follow-up template from being used: syntax, forbidden tags, and
    (unlike request letters, where they are warnings) unknown placeholders and any reach into
    Python's internals such as `{{ ''.__class__ }}`."""
    check = check_templates(subject, body)
    check.warnings = []
    for label, source in (("subject", subject), ("body", body)):
        try:
            tree = _PARSER.parse(source)
        except TemplateSyntaxError:
            continue  # check_templates has reported it
        check.errors.extend(_placeholder_errors(tree, label))
    check.errors = list(dict.fromkeys(check.errors))
    return check


def _placeholder_errors(tree: nodes.Template, label: str) -> list[str]:
    assigned = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    errors = []
    for name in tree.find_all(nodes.Name):
        known = name.name in FOLLOW_UP_PLACEHOLDERS or name.name in assigned
        if name.ctx == "load" and not known:
            errors.append(f"Unknown placeholder {{{{ {name.name} }}}} in the {label}.")
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        attr = node.attr if isinstance(node, nodes.Getattr) else _constant(node.arg)
        if isinstance(attr, str) and attr.startswith("_"):
            errors.append(
                f"The {label} reaches into Python internals ({attr}); "
                "follow-ups can only use the listed placeholders."
            )
            continue
        target = node.node
        if isinstance(target, nodes.Name) and target.name in FOLLOW_UP_PLACEHOLDERS:
            allowed = FOLLOW_UP_PLACEHOLDERS[target.name]
            if isinstance(attr, str) and attr not in allowed:
                known = ", ".join(sorted(allowed)) or "none"
                errors.append(
                    f"Unknown placeholder {{{{ {target.name}.{attr} }}}} in the {label} "
                    f"(known: {known})."
                )
    return errors


def _constant(node: nodes.Node) -> Any:
    return node.value if isinstance(node, nodes.Const) else None


def reply_subject(subject: str) -> str:
    """Our original subject without any 'Re:' already in front, so a chaser never says 'Re: Re:'."""
    return re.sub(r"^(\s*(re|fw|fwd)\s*:\s*)+", "", subject, flags=re.IGNORECASE).strip()


def letter_date(day: date | None) -> str:
    return format_letter_date(day) if day else ""


# --- The ladder --------------------------------------------------------------------------------

# Waiting for an answer; "late" once the due date has passed, whatever the sweep has written yet.
WAITING = frozenset({S.SENT, S.AWAITING_RESPONSE, S.EXTENDED, S.OVERDUE, S.VERY_OVERDUE})
LATE = frozenset({S.OVERDUE, S.VERY_OVERDUE})
REVIEWABLE = frozenset({S.REFUSED, S.PARTIALLY_SUCCESSFUL, S.NOT_HELD, *LATE})
# chase_stage values: chasers sent (or queued) so far, and the rung after the second chaser.
FIRST_CHASER, SECOND_CHASER, ESCALATION_PROPOSED = 1, 2, 3
MAX_CHASERS = SECOND_CHASER


class Rung(StrEnum):
    """What the ladder would do next for one late request."""

    FIRST_CHASER = "first_chaser"
    SECOND_CHASER = "second_chaser"
    PROPOSE_ESCALATION = "propose_escalation"

    @property
    def stage(self) -> int:
        """The chase_stage a request reaches by taking this rung."""
        return {
            Rung.FIRST_CHASER: FIRST_CHASER,
            Rung.SECOND_CHASER: SECOND_CHASER,
            Rung.PROPOSE_ESCALATION: ESCALATION_PROPOSED,
        }[self]


@dataclass(frozen=True)
class LadderSettings:
    enabled: bool = False
    first_after: int = 5  # working days after the due date
    second_after: int = 10  # working days after the first chaser (and again to the proposal)


@dataclass(frozen=True)
class ChaseFacts:
    """What the ladder needs to know about one request."""

    status: str
    law: str
    due_on: date | None
    chase_stage: int
    chased_on: date | None  # London date the last chaser was queued


def is_late(status: str, due_on: date | None, today: date) -> bool:
    """Past its due date and still unanswered (even if the daily sweep has not said so yet)."""
    if status in LATE:
        return True
    return status in WAITING and due_on is not None and due_on < today


def _working_days_since(law: str, day: date, today: date) -> int:
    return working_calendar(law).working_days_between(day, today)


def rung_due(facts: ChaseFacts, today: date, settings: LadderSettings) -> Rung | None:
    """The rung the ladder takes for this request today, or None: the ladder is off, the
    request is not late, or the next rung's working days have not gone by yet."""
    if not settings.enabled or not is_late(facts.status, facts.due_on, today):
        return None
    if facts.chase_stage == 0:
        if facts.due_on is None:
            return None
        gone = _working_days_since(facts.law, facts.due_on, today)
        return Rung.FIRST_CHASER if gone >= settings.first_after else None
    if facts.chase_stage in (FIRST_CHASER, SECOND_CHASER) and facts.chased_on is not None:
        if _working_days_since(facts.law, facts.chased_on, today) < settings.second_after:
            return None
        return Rung.SECOND_CHASER if facts.chase_stage == FIRST_CHASER else Rung.PROPOSE_ESCALATION
    return None


def chase_blocker(facts: ChaseFacts, today: date, min_gap: int, address: str | None) -> str | None:
    """Why this request cannot be chased by hand today, or None if it can.

    A second chaser waits `min_gap` working days after the first (the ladder's own spacing),
    so a bulk round sent twice in a week does not chase the same authority twice.
    """
    if not is_late(facts.status, facts.due_on, today):
        return "not overdue"
    if facts.chase_stage >= MAX_CHASERS:
        return "chased twice already: ask for an internal review or complain instead"
    if not address:
        return "no email address for this authority: add one on its page"
    if facts.chase_stage >= FIRST_CHASER and facts.chased_on is not None:
        gone = _working_days_since(facts.law, facts.chased_on, today)
        if gone < min_gap:
            next_day = working_calendar(facts.law).add_working_days(facts.chased_on, min_gap)
            return (
                f"chased on {format_letter_date(facts.chased_on)}; "
                f"the second chaser can go from {format_letter_date(next_day)}"
            )
    return None


def days_late(law: str, due_on: date | None, today: date) -> tuple[int, int]:
    """(working days, calendar days) past the due date; (0, 0) if not late or no due date."""
    if due_on is None:
        return 0, 0
    late = lateness(law, due_on, today)
    return late.working_days_late, late.calendar_days_late


# --- Where each request stands, for the campaign's summary -------------------------------------


class LadderPosition(StrEnum):
    NOT_CHASED = "not_chased"
    CHASED_ONCE = "chased_once"
    CHASED_TWICE = "chased_twice"
    ESCALATION_PROPOSED = "escalation_proposed"
    REVIEW_REQUESTED = "review_requested"
    REVIEW_OVERDUE = "review_overdue"

    @property
    def label(self) -> str:
        return {
            LadderPosition.NOT_CHASED: "Overdue, not chased",
            LadderPosition.CHASED_ONCE: "Chased once",
            LadderPosition.CHASED_TWICE: "Chased twice",
            LadderPosition.ESCALATION_PROPOSED: "Review or complaint proposed",
            LadderPosition.REVIEW_REQUESTED: "Review requested",
            LadderPosition.REVIEW_OVERDUE: "Review overdue",
        }[self]


def ladder_position(status: str, chase_stage: int) -> LadderPosition | None:
    """Which rung a request is on, or None if it is not on the ladder (on time or answered)."""
    if status == S.REVIEW_REQUESTED:
        return LadderPosition.REVIEW_REQUESTED
    if status == S.REVIEW_OVERDUE:
        return LadderPosition.REVIEW_OVERDUE
    if status not in WAITING:
        return None
    if chase_stage >= ESCALATION_PROPOSED:
        return LadderPosition.ESCALATION_PROPOSED
    if chase_stage == SECOND_CHASER:
        return LadderPosition.CHASED_TWICE
    if chase_stage == FIRST_CHASER:
        return LadderPosition.CHASED_ONCE
    return LadderPosition.NOT_CHASED if status in LATE else None


def escalation_advice(law: str) -> str:
    """What to do after two unanswered chasers, in the law's own terms."""
    if LawCode(law) is LawCode.FOISA:
        return (
            "Ask for an internal review of the failure to respond (section 20 of the Freedom "
            "of Information (Scotland) Act 2002); if that goes unanswered too, apply to the "
            "Scottish Information Commissioner."
        )
    return (
        "Ask for an internal review, or complain to the Information Commissioner's Office "
        "about the failure to respond."
    )
