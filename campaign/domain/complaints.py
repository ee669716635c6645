"""Complaint drafts for the regulator, written from a request's timeline.

The Information Commissioner's Office (FOIA and EIR bodies) and the Scottish Information
Commissioner (FOISA bodies) take complaints through web forms, so the product never sends one:
it writes the text with every date and reference the regulator asks for, for the campaigner to
paste or download. A complaint is ready when the internal review is overdue or upheld, or (under
FOIA and the EIR) when the authority has not answered the request despite two chasers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from campaign.domain.deadlines import lateness
from campaign.domain.followups import (
    LATE,
    SECOND_CHASER,
    TIME_FOR_COMPLIANCE,
    exemptions_in_words,
    is_late,
)
from campaign.domain.law import LAWS, LawCode
from campaign.domain.letters import format_letter_date
from campaign.domain.vocabulary import MessageKind, RequestStatus, ReviewOutcome

# The provision under which the regulator is asked for a decision.
COMPLAINT_PROVISION = {
    LawCode.FOIA: "section 50 of the Freedom of Information Act 2000",
    LawCode.FOISA: "section 47(1) of the Freedom of Information (Scotland) Act 2002",
    LawCode.EIR: "regulation 18 of the Environmental Information Regulations 2004, which "
    "applies section 50 of the Freedom of Information Act 2000",
}
_REPLY_WORDS = {
    MessageKind.ACKNOWLEDGEMENT: "Acknowledgement received",
    MessageKind.CLARIFICATION: "The authority asked for clarification",
    MessageKind.EXTENSION: "The authority extended its deadline",
    MessageKind.RESPONSE: "Response received",
    MessageKind.REFUSAL: "Refusal received",
    MessageKind.REVIEW_OUTCOME: "Internal review outcome received",
}
_FOLLOW_UP_WORDS = {
    MessageKind.CHASER: "Chaser sent (reminder of the deadline)",
    MessageKind.REVIEW_REQUEST: "Internal review request sent",
}
_OUTCOME_WORDS = {
    ReviewOutcome.UPHELD: "upheld the original decision",
    ReviewOutcome.OVERTURNED: "overturned the original decision",
    ReviewOutcome.PARTIALLY_OVERTURNED: "partly overturned the original decision",
}


class ComplaintGround(StrEnum):
    REVIEW_OVERDUE = "review_overdue"
    REVIEW_UPHELD = "review_upheld"
    REVIEW_PARTLY_UPHELD = "review_partly_upheld"
    NO_RESPONSE = "no_response"


@dataclass(frozen=True)
class ReplyFact:
    """One message from the authority on the request's thread."""

    day: date
    kind: str
    reference_id: str = ""
    exemptions: tuple[str, ...] = ()


@dataclass(frozen=True)
class FollowUpFact:
    """One chaser or review request we sent."""

    day: date
    kind: str
    to: str = ""


@dataclass(frozen=True)
class ComplaintFacts:
    """Everything the complaint says, read from the request, its messages and its events."""

    request_id: int
    authority_name: str
    law: str
    status: str
    campaign_title: str
    request_subject: str
    today: date
    sent_on: date | None = None
    sent_to: str = ""
    due_on: date | None = None
    reference_id: str = ""
    chase_stage: int = 0
    replies: tuple[ReplyFact, ...] = ()
    follow_ups: tuple[FollowUpFact, ...] = ()
    review_requested_on: date | None = None
    review_due_on: date | None = None
    review_outcome: str | None = None
    review_grounds: str = ""
    questions: tuple[str, ...] = field(default_factory=tuple)

    @property
    def exemptions(self) -> list[str]:
        """Every exemption the authority cited, in the order first cited."""
        cited = [code for reply in self.replies for code in reply.exemptions]
        return list(dict.fromkeys(cited))


@dataclass(frozen=True)
class ComplaintDraft:
    regulator: str
    title: str
    text: str
    filename: str


def complaint_ground(facts: ComplaintFacts) -> tuple[ComplaintGround | None, str]:
    """Why a complaint can be made now, or (None, why not yet)."""
    outcome = facts.review_outcome
    if outcome == ReviewOutcome.UPHELD:
        return ComplaintGround.REVIEW_UPHELD, "the internal review upheld the decision"
    if outcome == ReviewOutcome.PARTIALLY_OVERTURNED:
        return ComplaintGround.REVIEW_PARTLY_UPHELD, "the internal review was only partly in favour"
    if outcome == ReviewOutcome.OVERTURNED:
        return None, "the internal review overturned the decision: no complaint is needed"
    if facts.status == RequestStatus.REVIEW_OVERDUE or (
        facts.review_requested_on is not None
        and facts.review_due_on is not None
        and facts.review_due_on < facts.today
        and facts.status in (RequestStatus.REVIEW_REQUESTED, RequestStatus.REVIEW_OVERDUE)
    ):
        return ComplaintGround.REVIEW_OVERDUE, "the internal review is overdue"
    unanswered = is_late(facts.status, facts.due_on, facts.today) or facts.status in LATE
    if unanswered and facts.chase_stage >= SECOND_CHASER:
        if LawCode(facts.law) is LawCode.FOISA:
            return None, (
                "under FOISA, ask for an internal review of the failure to respond first; the "
                "Scottish Information Commissioner takes applications after a review"
            )
        return ComplaintGround.NO_RESPONSE, "no response despite two chasers"
    if facts.review_requested_on is not None:
        due = format_letter_date(facts.review_due_on) if facts.review_due_on else "unknown"
        return None, f"the internal review is not due yet (due {due})"
    return None, (
        "a complaint is ready once an internal review is overdue or upheld"
        + ("" if LawCode(facts.law) is LawCode.FOISA else ", or after two unanswered chasers")
    )


def draft_complaint(facts: ComplaintFacts) -> ComplaintDraft:
    """The complaint text for the regulator of this request's law, ready to paste."""
    law = LAWS[LawCode(facts.law)]
    ground, _ = complaint_ground(facts)
    scottish = law.code is LawCode.FOISA
    title = (
        "Application to the Scottish Information Commissioner"
        if scottish
        else "Complaint to the Information Commissioner's Office"
    )
    lines = [
        title,
        f"Under {COMPLAINT_PROVISION[law.code]}",
        "",
        f"Public authority: {facts.authority_name}",
        f"Their reference: {facts.reference_id or 'none given'}",
        f"My request: {facts.request_subject or facts.campaign_title}",
        f"Made under: {law.name}",
    ]
    if facts.sent_on:
        sent_to = f" to {facts.sent_to}" if facts.sent_to else ""
        lines.append(f"Sent: {format_letter_date(facts.sent_on)}{sent_to}")
    lines += ["", "What I am complaining about", _summary(facts, ground, law.regulator)]
    lines += ["", "Timeline", *_timeline_lines(facts)]
    if facts.exemptions:
        lines += [
            "",
            "Exemptions the authority cited",
            f"{exemptions_in_words(facts.exemptions)} ({', '.join(facts.exemptions)})",
        ]
    if facts.review_grounds.strip():
        lines += ["", "My grounds for the internal review", facts.review_grounds.strip()]
    if facts.questions:
        lines += ["", "My request asked for"]
        lines += [f"{n}. {' '.join(q.split())}" for n, q in enumerate(facts.questions, start=1)]
    lines += ["", f"What I ask the {law.regulator} to do", _ask(ground, scottish)]
    lines += ["", f"Prepared on {format_letter_date(facts.today)}."]
    short = "sic" if scottish else "ico"
    return ComplaintDraft(
        regulator=law.regulator,
        title=title,
        text="\n".join(lines).strip() + "\n",
        filename=f"{short}-complaint-{_slug(facts.authority_name)}-request-{facts.request_id}.txt",
    )


def _summary(facts: ComplaintFacts, ground: ComplaintGround | None, regulator: str) -> str:
    made = f"On {format_letter_date(facts.sent_on)} I" if facts.sent_on else "I"
    law_name = LAWS[LawCode(facts.law)].name
    opening = f"{made} asked {facts.authority_name} for information under the {law_name}."
    if ground is ComplaintGround.REVIEW_OVERDUE:
        asked = _day(facts.review_requested_on)
        due = _day(facts.review_due_on)
        late = ""
        if facts.review_due_on is not None and facts.review_due_on < facts.today:
            days = lateness(facts.law, facts.review_due_on, facts.today).working_days_late
            late = f", {days} working days ago"
        return (
            f"{opening} I asked for an internal review on {asked}. The review was due by {due}"
            f"{late}, and I have not received its outcome."
        )
    if ground in (ComplaintGround.REVIEW_UPHELD, ComplaintGround.REVIEW_PARTLY_UPHELD):
        outcome = _OUTCOME_WORDS[ReviewOutcome(facts.review_outcome)]
        return (
            f"{opening} I asked for an internal review on {_day(facts.review_requested_on)}. "
            f"The review {outcome}, and I remain dissatisfied with how my request was handled."
        )
    if ground is ComplaintGround.NO_RESPONSE:
        chasers = sum(1 for f in facts.follow_ups if f.kind == MessageKind.CHASER)
        time_limit = TIME_FOR_COMPLIANCE[LawCode(facts.law)]
        return (
            f"{opening} Under {time_limit} the authority had to respond by "
            f"{_day(facts.due_on)}. It has not responded, despite {chasers} reminder"
            f"{'s' if chasers != 1 else ''}."
        )
    return f"{opening} I ask the {regulator} to consider how it was handled."


def _ask(ground: ComplaintGround | None, scottish: bool) -> str:
    part = "Part 1" if scottish else "Part I"
    decide = (
        f"Please decide whether the authority dealt with my request in accordance with {part} "
        "of the Act"
    )
    if ground is ComplaintGround.REVIEW_OVERDUE:
        return f"{decide}, and require it to complete the internal review and respond to me."
    if ground is ComplaintGround.NO_RESPONSE:
        return f"{decide}, and require it to respond to my request."
    return (
        f"{decide}: in particular whether the exemptions it relied on apply, and whether the "
        "public interest favours disclosure. Please require it to disclose the information it "
        "withheld."
    )


def _timeline_lines(facts: ComplaintFacts) -> list[str]:
    entries: list[tuple[date, int, str]] = []
    if facts.sent_on:
        to = f" to {facts.sent_to}" if facts.sent_to else ""
        entries.append((facts.sent_on, 0, f"Request sent{to}"))
    if facts.due_on:
        entries.append((facts.due_on, 1, "Reply due (20 working days after receipt)"))
    for reply in facts.replies:
        words = _REPLY_WORDS.get(
            MessageKind(reply.kind), f"{reply.kind.replace('_', ' ')} received"
        )
        if reply.reference_id:
            words += f", their reference {reply.reference_id}"
        if reply.exemptions:
            words += f", citing {exemptions_in_words(reply.exemptions)}"
        entries.append((reply.day, 2, words))
    review_sent = False
    for follow_up in facts.follow_ups:
        words = _FOLLOW_UP_WORDS.get(MessageKind(follow_up.kind), follow_up.kind)
        review_sent |= follow_up.kind == MessageKind.REVIEW_REQUEST
        entries.append((follow_up.day, 2, words + (f" to {follow_up.to}" if follow_up.to else "")))
    if facts.review_requested_on and not review_sent:
        entries.append((facts.review_requested_on, 2, "Internal review requested"))
    if facts.review_due_on:
        entries.append((facts.review_due_on, 3, "Internal review answer due"))
    lines = [f"{format_letter_date(day):<18} {text}" for day, _, text in sorted(entries)]
    if facts.review_outcome:
        outcome = _OUTCOME_WORDS.get(ReviewOutcome(facts.review_outcome), facts.review_outcome)
        lines.append(f"{'':<18} Outcome of the internal review: it {outcome}")
    elif facts.review_requested_on:
        lines.append(
            f"{format_letter_date(facts.today):<18} No internal review outcome received yet"
        )
    return lines


def _day(day: date | None) -> str:
    return format_letter_date(day) if day else "an unknown date"


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "authority"
