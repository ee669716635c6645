"""Whole replies: kind, outcome, reference, exemptions and review window together.

The messages in `messages/` are written the way UK authorities phrase things (FOIA, FOISA, EIR);
none is copied from the labelled corpus, so they check the rules generalise.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest

from campaign.parsing.documents import extract_text
from campaign.parsing.reply import analyse_reply

from .factories import make_pdf, make_xlsx

# A guard against hangs (quadratic parsing), not a speed test: speed is benchmarked.
HANG_GUARD_SECONDS = 20

MESSAGES = Path(__file__).parent / "messages"

ACK = "acknowledgement"
PARTIAL = "partially_successful"

EXPECTED = {
    # acknowledgements
    "ack-council": dict(reference_id="FOI/2018/00123", kind=ACK, outcome=None),
    "ack-response-by-date": dict(reference_id="FOI/1234/18", kind=ACK),
    "ack-allocated-reference": dict(reference_id="FOI-123456", kind=ACK),
    "automated-acknowledgement": dict(reference_id="11917", kind=ACK),
    "police-ack": dict(reference_id="2018/1234", kind=ACK),
    "scottish-ack": dict(reference_id="123456", kind=ACK),
    "review-ack": dict(reference_id="IR/2019/004", kind=ACK),
    "review-request-acknowledged": dict(reference_id="3861460", kind=ACK),
    "ack-being-processed": dict(reference_id="20190456", kind=ACK),
    "ack-repeats-numbered-request": dict(reference_id="FOI/2018/0999", kind=ACK, outcome=None),
    "ack-eir-aim-to-send": dict(reference_id="4411224", kind=ACK),
    "ack-eir-will-respond-by": dict(reference_id="EIR/0456/19", kind="acknowledgement"),
    "department-ack-aim-to-send": dict(reference_id="4500001", kind="acknowledgement"),
    # extensions
    "extension-section-10-3": dict(reference_id="FOI 4567", kind="extension", outcome=None),
    "extension-eir-regulation-7": dict(reference_id="EIR 12/345", kind="extension"),
    "extension-public-interest": dict(reference_id="FOI/19/0776", kind="extension"),
    "department-extension": dict(reference_id="4123456", kind="extension"),
    "late-holding-reply": dict(reference_id="4567890", kind="extension"),
    "extension-without-a-date": dict(reference_id="FOI 12399", kind="extension"),
    "extension-date-originally-stated": dict(reference_id="4400001", kind="extension"),
    "department-needs-more-time": dict(reference_id="4500007", kind="extension"),
    # clarifications
    "clarify-meaning": dict(reference_id="CAS-123456-ABCD", kind="clarification", outcome=None),
    "clarify-scope": dict(reference_id="77665", kind="clarification"),
    "clarify-eir-regulation-9": dict(reference_id="EIR/2019/311", kind="clarification"),
    "clarify-grateful-if": dict(reference_id="FOI 3321", kind="clarification"),
    "clarify-need-you-to-confirm": dict(reference_id="4411223", kind="clarification"),
    "clarify-narrow-the-request": dict(reference_id="FOI-3344", kind="clarification"),
    "department-clarification": dict(reference_id="4500006", kind="clarification"),
    # refusals
    "cost-limit-refusal": dict(
        reference_id="FOI-2018-0456",
        kind="refusal",
        outcome="refused",
        exemptions=["s12"],
        review_window_days=40,
    ),
    "cost-limit-with-advice-to-narrow": dict(
        reference_id="ECC4537301",
        kind="refusal",
        outcome="refused",
        exemptions=["s12"],
        review_window_days=40,
    ),
    "eir-manifestly-unreasonable": dict(
        reference_id="EIR/2019/0042",
        kind="refusal",
        outcome="refused",
        exemptions=["reg12(4)(b)"],
        review_window_days=40,
    ),
    "neither-confirm-nor-deny": dict(
        reference_id="2018/1234", kind="refusal", outcome="refused", exemptions=["s24", "s31"]
    ),
    "vexatious-refusal": dict(
        reference_id="FOI/22/118", kind="refusal", outcome="refused", exemptions=["s14"]
    ),
    "commercial-interests-refusal": dict(
        reference_id="FOI 5567", kind="refusal", outcome="refused", exemptions=["s43"]
    ),
    "police-law-enforcement-refusal": dict(
        reference_id="2018/004512", kind="refusal", outcome="refused", exemptions=["s31"]
    ),
    "police-cost-limit-refusal": dict(
        reference_id="000123/18", kind="refusal", outcome="refused", exemptions=["s12"]
    ),
    "department-cover-note-exempt": dict(reference_id="4500003", kind="refusal", outcome="refused"),
    # responses
    "answers-below": dict(reference_id="12345", kind="response", outcome="successful"),
    "answers-written-in-the-letter": dict(
        reference_id="FOI 2018/0815", kind="response", outcome="successful"
    ),
    "spreadsheet-attached": dict(reference_id="20180099", kind="response", outcome="successful"),
    "published-elsewhere-only": dict(
        reference_id="FOI 9981", kind="response", outcome="successful", exemptions=["s21"]
    ),
    "phone-number-is-not-a-reference": dict(
        reference_id=None, kind="response", outcome="successful"
    ),
    "redacted-personal-data": dict(
        reference_id="2019/0077",
        kind="response",
        outcome=PARTIAL,
        exemptions=["s40"],
        review_window_days=40,
    ),
    "department-some-exempt": dict(
        reference_id="FOI2018/07512", kind="response", outcome=PARTIAL, exemptions=["s35"]
    ),
    "police-some-exempt": dict(
        reference_id="2018/20985", kind="response", outcome=PARTIAL, exemptions=["s31"]
    ),
    "some-held-provided-below": dict(
        reference_id="FOI18-0501-13317", kind="response", outcome=PARTIAL, review_window_days=40
    ),
    "numbered-answers-one-not-held": dict(
        reference_id="CRN00166467", kind="response", outcome=PARTIAL, review_window_days=None
    ),
    "scottish-some-not-held": dict(
        reference_id="FOI-SC-2018-1234", kind="response", outcome=PARTIAL, review_window_days=40
    ),
    "cover-note-some-exempt": dict(reference_id="4000001", kind="response", outcome=PARTIAL),
    "numbered-answers-in-letter-some-not-held": dict(
        reference_id="FOI 18/234", kind="response", outcome=PARTIAL, review_window_days=40
    ),
    "answer-lines-not-held": dict(reference_id="FOI/2018/331", kind="response", outcome="not_held"),
    "cover-note-not-held": dict(reference_id="4411225", kind="response", outcome="not_held"),
    "transferred-to-another-authority": dict(
        reference_id="FOI 7788", kind="response", outcome="not_held"
    ),
    "scanned-letter-with-ocr-errors": dict(kind="response", outcome="successful"),
    "foisa-section-17-not-held": dict(
        reference_id="2018-123456",
        kind="response",
        outcome="not_held",
        exemptions=[],
        review_window_days=40,
    ),
    "not-held-redirect": dict(
        reference_id="101004567", kind="response", outcome="not_held", review_window_days=None
    ),
    "your-ref-is-the-requesters": dict(
        reference_id="FOI/5544", kind="response", outcome="not_held"
    ),
    "cover-note-without-reference": dict(reference_id=None, kind="response", outcome=None),
    "cover-note-council-response": dict(reference_id=None, kind="response", outcome=None),
    "council-holds-no-information": dict(
        reference_id="FOI 2018/0412", kind="response", outcome="not_held", review_window_days=40
    ),
    "bulleted-answers-with-redaction": dict(
        reference_id="2018-0577",
        kind="response",
        outcome="partially_successful",
        exemptions=["s43"],
    ),
    "question-and-response-pairs": dict(
        reference_id="FOI 11917",
        kind="response",
        outcome="partially_successful",
        review_window_days=40,
    ),
    "email-information-attached": dict(reference_id=None, kind="response", outcome="successful"),
    "published-at-links": dict(reference_id="FOI/2019/8821", kind="response", outcome="successful"),
    "department-cover-note-some-information": dict(
        reference_id="4500002", kind="response", outcome="partially_successful"
    ),
    "department-cover-note-all-information": dict(
        reference_id="4500004", kind="response", outcome="successful"
    ),
    "department-cover-note-not-held": dict(
        reference_id="4500008", kind="response", outcome="not_held"
    ),
    # review outcomes
    "review-upheld": dict(
        reference_id="IR-2018-034", kind="review_outcome", outcome="refused", exemptions=["s43"]
    ),
    "review-overturned": dict(
        reference_id="TRE/AWZBQX-IR", kind="review_outcome", outcome=PARTIAL, exemptions=["s43"]
    ),
    "review-not-held-upheld": dict(
        reference_id="IR/2018/0091", kind="review_outcome", outcome="not_held"
    ),
    "review-response-attached": dict(reference_id="3861460", kind="review_outcome", outcome=None),
    "review-partly-upheld": dict(
        reference_id="IR 2018/44",
        kind="review_outcome",
        outcome="partially_successful",
        exemptions=["s40"],
    ),
    "scottish-review-upheld-not-held": dict(
        reference_id="FOIR-2019-0077", kind="review_outcome", outcome="not_held"
    ),
    "department-internal-review-attached": dict(
        reference_id="4500005", kind="review_outcome", outcome=None
    ),
    # bounces
    "bounce": dict(kind="bounce", outcome=None, reference_id=None),
    "bounce-mailer-daemon": dict(kind="bounce", outcome=None),
    "bounce-exchange": dict(kind="bounce", outcome=None, reference_id=None),
    # auto-replies and everything else
    "out-of-office": dict(kind="other", outcome=None),
    "annual-leave": dict(kind="other", outcome=None),
    "mailbox-not-monitored": dict(kind="other", outcome=None),
    "passed-to-policy-team": dict(reference_id=None, kind="other"),
    "sorry-for-delay-no-date": dict(reference_id=None, kind="other"),
    "after-ico-decision": dict(kind="other"),
    "whatdotheyknow-address-only": dict(reference_id=None, kind="other"),
    "comments-passed-to-service": dict(reference_id=None, kind="other"),
    "follow-up-about-publication": dict(reference_id=None, kind="other"),
    "department-query-passed-on": dict(reference_id=None, kind="other"),
    "department-figures-now-published": dict(reference_id=None, kind="other"),
}


def test_every_message_has_an_expectation():
    assert {path.stem for path in MESSAGES.glob("*.txt")} == set(EXPECTED)


@pytest.mark.parametrize(("name", "expected"), EXPECTED.items(), ids=list(EXPECTED))
def test_reply_is_read_as_expected(name, expected):
    result = analyse_reply(body=(MESSAGES / f"{name}.txt").read_text()).to_json()
    assert {field: result[field] for field in expected} == expected


def test_extension_keeps_its_new_date():
    analysis = analyse_reply(body=(MESSAGES / "extension-section-10-3.txt").read_text())
    assert analysis.extended_until == date(2018, 5, 15)


def test_json_has_exactly_the_parse_reply_fields():
    result = analyse_reply(body=(MESSAGES / "answers-below.txt").read_text()).to_json()
    assert list(result) == [
        "reference_id",
        "kind",
        "outcome",
        "exemptions",
        "mentions",
        "review_window_days",
        "answers",
    ]
    assert result["mentions"] == ["Capita One"] and result["answers"] == []


def test_subject_reference_wins_and_says_where_it_came_from():
    analysis = analyse_reply(
        subject="RE: Freedom of Information Request - 1189733",
        body="Dear Sir, please find attached our response. Our ref: 55555",
    )
    assert (analysis.reference_id, analysis.reference_source) == ("1189733", "subject")


def test_reference_in_an_attached_letter_names_file_and_page():
    letter = extract_text(
        make_pdf(
            [
                ["Freedom of Information Act 2000", "Dear Requester"],
                ["Our ref: FOI/2019/0042", "We do not hold the information you asked for."],
            ]
        ),
        "Response not held.pdf",
    )
    analysis = analyse_reply(
        subject="Information request",
        body="Dear Sir, please find attached our formal response to your request.",
        documents=[("Response not held.pdf", letter)],
    )
    assert analysis.reference_id == "FOI/2019/0042"
    assert analysis.reference_source == "attachment Response not held.pdf p.2"
    assert (analysis.kind, analysis.outcome) == ("response", "not_held")


def test_short_attached_letter_is_read_even_without_a_letterhead():
    letter = extract_text(
        make_pdf([["Request reference: REQ04543", "This information is not held."]]),
        "Response REQ04543.pdf",
    )
    analysis = analyse_reply(
        body="Please find attached our response.", documents=[("Response REQ04543.pdf", letter)]
    )
    assert analysis.reference_id == "REQ04543"
    assert analysis.reference_source == "attachment Response REQ04543.pdf p.1"
    assert (analysis.kind, analysis.outcome) == ("response", "not_held")


def test_released_spreadsheet_counts_as_information_given():
    data = extract_text(
        make_xlsx({"Systems": [["System", "Supplier"]] + [["Risk tool", "Xantura"]] * 30}),
        "systems.xlsx",
    )
    analysis = analyse_reply(
        body=(
            "Our ref: FOI 881\nFreedom of Information Act 2000\nPlease find attached our response."
        ),
        documents=[("systems.xlsx", data)],
    )
    assert (analysis.kind, analysis.outcome) == ("response", "successful")


def test_our_quoted_request_is_not_read_as_the_answer():
    body = (
        "Dear Requester,\n\nThank you for your Freedom of Information request. We will respond "
        "by 12 June 2024.\n\nOur ref: FOI-7781\n\n-----Original Message-----\nFrom: Campaign\n"
        "Sent: 10 May 2024\n\nIf the cost of this request exceeds the appropriate limit under "
        "section 12, please provide whatever you can. Could you please clarify which systems...\n"
    )
    analysis = analyse_reply(body=body)
    assert (analysis.kind, analysis.reference_id, analysis.exemptions) == (ACK, "FOI-7781", [])


@pytest.mark.parametrize(
    ("flags", "kind"),
    [
        (dict(delivery_report=True), "bounce"),
        (dict(auto_submitted=True), "other"),
    ],
)
def test_mail_flags_decide_bounces_and_auto_replies(flags, kind):
    body = "Thank you for your email. We have received it. Information Governance."
    analysis = analyse_reply(subject="Re: FOI request", body=body, **flags)
    assert (analysis.kind, analysis.outcome) == (kind, None)


def test_automatic_acknowledgement_from_a_case_system_is_still_an_acknowledgement():
    body = (
        "Your Freedom of Information request has been logged under reference FOI-99812. "
        "We will respond within 20 working days."
    )
    analysis = analyse_reply(subject="FOI-99812", body=body, auto_submitted=True)
    assert (analysis.kind, analysis.reference_id) == (ACK, "FOI-99812")


def test_questions_repeated_in_the_letter_are_not_read_as_the_answer():
    questions = ["Could you please clarify whether the council uses any risk scoring tools"]
    body = (
        "Our ref: FOI 1234\nFreedom of Information Act 2000\n\nYou asked: Could you please "
        "clarify whether the council uses any risk scoring tools?\n\nThe Council does not hold "
        "this information."
    )
    analysis = analyse_reply(body=body, questions=questions)
    assert (analysis.kind, analysis.outcome) == ("response", "not_held")


@pytest.mark.parametrize(
    "text",
    [
        "This is a long line of text that does not end with punctuation and carries on\n" * 1500,
        "a@b.example " * 10000,
        " " * 120_000 + "Our ref: 1234",
        "A" * 120_000,
        "Our Ref\t" * 10_000 + "\n" + "x\t" * 10_000,
        "1. Any contracts\n" * 8000,
    ],
    ids=["wrapped-lines", "addresses", "spaces", "one-long-word", "wide-table", "list-items"],
)
def test_hostile_text_is_read_in_linear_time(text):
    started = time.monotonic()
    analyse_reply(subject=text[:1000], body=text)
    assert time.monotonic() - started < HANG_GUARD_SECONDS
