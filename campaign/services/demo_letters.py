"""The made-up replies of the demo campaign: acknowledgements, refusals, disclosures and the rest.

Each is written the way councils write them (a reference number, the law, the question quoted
with the answer beneath), so the real parser reads them as it reads real mail; each also says
plainly that it is a demonstration letter, so nobody mistakes it for a council's words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

DEMO_NOTE = (
    "[Demonstration letter: written for the FOI Campaign demo, not sent by {council}. "
    "Systems and outcomes named here are examples.]"
)


@dataclass(frozen=True)
class Council:
    """What a demo letter needs to know about the council that 'writes' it."""

    name: str
    law_name: str  # "Freedom of Information Act 2000" or the Scottish Act
    reference: str


def _date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _sign_off(council: Council) -> str:
    return (
        "Yours sincerely,\n\nInformation Governance Team\n"
        f"{council.name}\n\n{DEMO_NOTE.format(council=council.name)}\n"
    )


def _heading(council: Council) -> str:
    return f"{council.law_name}\nOur reference: {council.reference}\n"


def acknowledgement(council: Council, received: date, due: date) -> str:
    return (
        f"Dear Requester,\n\n{_heading(council)}\n"
        "Thank you for your request for information about data analytics and algorithmic "
        f"systems, which we received on {_date(received)}.\n\n"
        "Your request is being dealt with under the Act. We will respond within 20 working "
        f"days, by {_date(due)} at the latest.\n\n"
        "Please quote the reference number above in any correspondence about this request.\n\n"
        + _sign_off(council)
    )


def clarification(council: Council) -> str:
    return (
        f"Dear Requester,\n\n{_heading(council)}\n"
        "Thank you for your request. Before we can deal with it we need you to clarify what "
        "you are asking for. The Council runs many databases and reporting tools; please could "
        "you tell us which service areas (for example children's services, revenues and "
        "benefits, or adult social care) you are interested in, and whether you mean systems "
        "that produce a score or prediction about individual people?\n\n"
        "The 20 working day period for responding will begin again once we receive your "
        "clarification. If we do not hear from you within two months we will treat the "
        "request as withdrawn.\n\n" + _sign_off(council)
    )


def extension(council: Council, new_date: date) -> str:
    return (
        f"Dear Requester,\n\n{_heading(council)}\n"
        "We are writing about your request for information about data analytics and "
        "algorithmic systems. Some of the information you asked for may be exempt under "
        "section 43(2) (commercial interests), and we need more time to consider the public "
        "interest test.\n\n"
        "Under section 10(3) of the Act we are extending the time for our response. We now "
        f"expect to respond by {_date(new_date)}.\n\n"
        "We apologise for the delay.\n\n" + _sign_off(council)
    )


def from_an_officer(council: Council) -> str:
    return (
        f"Hello,\n\nI am picking up your request (our reference {council.reference}) while "
        "our team mailbox is being moved, so I am writing from my own address. We are "
        "collecting the information from our children's services and revenues teams and will "
        "reply in full shortly.\n\nKind regards,\nInformation Officer\n"
        f"{council.name}\n\n{DEMO_NOTE.format(council=council.name)}\n"
    )


def out_of_office(council_name: str, back_on: date) -> str:
    return (
        "Thank you for your email. I am out of the office until "
        f"{_date(back_on)} with no access to email.\n\n"
        "Freedom of Information requests are logged by the Information Governance Team and "
        "will be dealt with on my return.\n\n"
        "This is an automatic reply.\n\n" + DEMO_NOTE.format(council=council_name) + "\n"
    )


# Answers per question, by what the letter does with each question. Each is written beneath
# the quoted question, as councils answer a numbered request.
NOT_HELD = "This information is not held by the Council."
S12_WHOLE = (
    "We estimate that the cost of locating, retrieving and extracting the information held "
    "across the Council's services would exceed the appropriate limit of £450 (18 hours) set "
    "for local authorities. Section 12 of the Act therefore applies and we are refusing this "
    "part of your request."
)
S43_CONTRACTS = (
    "This information is withheld. The contract contains pricing and service terms whose "
    "release would be likely to prejudice the commercial interests of the Council and of the "
    "supplier. The exemption at section 43(2) applies, and we consider the public interest in "
    "withholding the information outweighs the public interest in its release."
)
S43_MODEL = (
    "This information is withheld under section 43(2) (commercial interests): the "
    "description of how the model produces its outputs is the supplier's intellectual "
    "property, and its release would be likely to prejudice the supplier's commercial "
    "interests."
)
S40_TRAINING = (
    "The training slides contain the names, photographs and contact details of junior "
    "members of staff. We have withheld these under section 40(2) (personal data of third "
    "parties), as their release would breach the data protection principles. The rest of the "
    "material is withheld in full because it cannot be separated from the personal data."
)


def s21_published(url: str) -> str:
    return (
        "This information is already reasonably accessible to you: it is published on the "
        f"Council's website at {url}. Under section 21 of the Act we are therefore not "
        "required to provide it."
    )


DISCLOSED_SYSTEMS: dict[str, str] = {
    "liquidlogic": (
        "Children's social care records are held in Liquidlogic Children's Social Care System "
        "(LCS), supplied by Liquidlogic. The Council's Troubled Families team uses a risk "
        "score produced by Xantura's OneView platform, which combines records from housing, "
        "education and social care. A summary report on the pilot is attached as part of "
        "this reply."
    ),
    "capita": (
        "The Education service uses Capita One and its One Analytics module to report on "
        "attendance and attainment, and FFT Aspire to estimate pupils' future attainment from "
        "prior attainment and school data. An evaluation summary is enclosed."
    ),
    "experian": (
        "The Revenues and Benefits service applies Risk Based Verification to new Housing "
        "Benefit and Council Tax Reduction claims, using a scoring service supplied by "
        "Xantura. Household data from Experian is used to check single person discounts. The "
        "briefing note given to members is enclosed."
    ),
}


@dataclass(frozen=True)
class Answered:
    """One final letter: its opening line and, per question, what it says."""

    opening: str
    answers: Sequence[str]


def final_letter(council: Council, questions: Sequence[str], letter: Answered) -> str:
    """A final reply that quotes each question and answers beneath it."""
    parts = [f"Dear Requester,\n\n{_heading(council)}\n{letter.opening}\n"]
    for number, (question, answer) in enumerate(zip(questions, letter.answers, strict=True), 1):
        parts.append(f"{number}. {question}\n\n{answer}\n")
    parts.append(
        "If you are unhappy with the way your request has been handled, you may ask for an "
        "internal review within 40 working days of the date of this letter. If you are still "
        "dissatisfied you may then complain to the regulator.\n\n" + _sign_off(council)
    )
    return "\n".join(parts)


def refusal_for_cost(n: int) -> Answered:
    return Answered(
        "Thank you for your request. We have considered it under the Act and are refusing it.",
        [S12_WHOLE] * n,
    )


def refusal_for_commercial_interests(n: int) -> Answered:
    answers = [S43_MODEL, S43_MODEL, NOT_HELD, NOT_HELD, NOT_HELD, NOT_HELD, S43_CONTRACTS]
    return Answered(
        "We hold some of the information you asked for. It is withheld for the reasons below.",
        _fit(answers, n, NOT_HELD),
    )


def refusal_as_published(n: int, url: str) -> Answered:
    answers = [s21_published(url), NOT_HELD, NOT_HELD, NOT_HELD, NOT_HELD, NOT_HELD]
    answers.append(s21_published(url.rsplit("/", 1)[0] + "/contracts-register"))
    return Answered(
        "Our response to each part of your request follows.", _fit(answers, n, NOT_HELD)
    )


def refusal_for_personal_data(n: int, system: str) -> Answered:
    answers = [
        DISCLOSED_SYSTEMS[system],
        NOT_HELD,
        S40_TRAINING,
        NOT_HELD,
        NOT_HELD,
        S40_TRAINING,
        NOT_HELD,
    ]
    return Answered(
        "We hold some of the information you asked for. Part of it is withheld.",
        _fit(answers, n, NOT_HELD),
    )


def disclosure(n: int, system: str, full: bool) -> Answered:
    answers = [
        DISCLOSED_SYSTEMS[system],
        "An overview of how the scores are produced is enclosed: the supplier's technical "
        "summary and the Council's own process map.",
        "The training slides used with staff are enclosed.",
        "The Data Protection Impact Assessment for the system is enclosed.",
        "Sample dashboard screenshots are enclosed." if full else NOT_HELD,
        "The presentation given to the Corporate Management Team is enclosed."
        if full
        else NOT_HELD,
        "A copy of the contract, with the supplier's bank details removed, is enclosed."
        if full
        else NOT_HELD,
    ]
    return Answered(
        "Please find below our response to each part of your request.", _fit(answers, n, NOT_HELD)
    )


def _fit(answers: list[str], n: int, filler: str) -> list[str]:
    """The answers for a letter of n questions (the demo always has seven)."""
    return (answers + [filler] * n)[:n]


def covering_note(council: Council, filename: str) -> str:
    """The email a council sends with its reply attached (the attachment is its real letter)."""
    return (
        f"Dear Requester,\n\nOur reference: {council.reference}\n\n"
        f"Please find attached our response to your Freedom of Information request "
        f"({filename}).\n\nInformation Governance Team\n{council.name}\n\n"
        "[Demonstration covering email written for the FOI Campaign demo; the attached "
        "letter is the council's real reply to the 2018 request, from the Data Justice Lab's "
        "archive.]\n"
    )
