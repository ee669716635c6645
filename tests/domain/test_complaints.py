"""Complaint drafts: when one is ready, which regulator, and the timeline it tells."""

from __future__ import annotations

from datetime import date

import pytest

from campaign.domain.complaints import (
    ComplaintFacts,
    ComplaintGround,
    FollowUpFact,
    ReplyFact,
    complaint_ground,
    draft_complaint,
)

TODAY = date(2026, 11, 24)


def facts(**kwargs) -> ComplaintFacts:
    values = {
        "request_id": 7,
        "authority_name": "Coventry City Council",
        "law": "foia",
        "status": "refused",
        "campaign_title": "Data analytics",
        "request_subject": "FOI request: data analytics",
        "today": TODAY,
        "sent_on": date(2026, 6, 1),
        "sent_to": "foi@coventry.gov.uk",
        "due_on": date(2026, 6, 29),
        "reference_id": "REQ04543",
    }
    values.update(kwargs)
    return ComplaintFacts(**values)


REVIEWED = {
    "replies": (
        ReplyFact(date(2026, 6, 3), "acknowledgement", "REQ04543"),
        ReplyFact(date(2026, 7, 1), "refusal", "REQ04543", ("s12", "s40(2)")),
    ),
    "follow_ups": (FollowUpFact(date(2026, 7, 2), "review_request", "foi@coventry.gov.uk"),),
    "review_requested_on": date(2026, 7, 2),
    "review_due_on": date(2026, 7, 30),
    "review_grounds": "The cost estimate is wrong.",
}


@pytest.mark.parametrize(
    ("kwargs", "ground"),
    [
        ({"status": "review_overdue", **REVIEWED}, ComplaintGround.REVIEW_OVERDUE),
        ({"status": "review_requested", **REVIEWED}, ComplaintGround.REVIEW_OVERDUE),
        (
            {"status": "review_answered", "review_outcome": "upheld", **REVIEWED},
            ComplaintGround.REVIEW_UPHELD,
        ),
        (
            {"status": "review_answered", "review_outcome": "partially_overturned", **REVIEWED},
            ComplaintGround.REVIEW_PARTLY_UPHELD,
        ),
        ({"status": "review_answered", "review_outcome": "overturned", **REVIEWED}, None),
        ({"status": "refused"}, None),
        (
            {"status": "review_requested", **{**REVIEWED, "review_due_on": date(2026, 12, 1)}},
            None,
        ),
        ({"status": "very_overdue", "chase_stage": 2}, ComplaintGround.NO_RESPONSE),
        ({"status": "very_overdue", "chase_stage": 1}, None),
        ({"status": "very_overdue", "chase_stage": 3, "law": "foisa"}, None),
    ],
)
def test_a_complaint_is_ready_when_the_review_is_overdue_or_upheld(kwargs, ground):
    assert complaint_ground(facts(**kwargs))[0] == ground


def test_a_scottish_non_response_needs_a_review_first():
    ground, reason = complaint_ground(facts(status="very_overdue", chase_stage=3, law="foisa"))
    assert ground is None and "review" in reason


def test_the_ico_complaint_tells_the_whole_timeline_in_order():
    draft = draft_complaint(facts(status="review_overdue", **REVIEWED, questions=("Q1?",)))

    assert draft.regulator == "Information Commissioner's Office"
    assert draft.filename == "ico-complaint-coventry-city-council-request-7.txt"
    text = draft.text
    assert text.startswith("Complaint to the Information Commissioner's Office\n")
    assert "section 50 of the Freedom of Information Act 2000" in text
    assert "Their reference: REQ04543" in text
    order = [
        "1 June 2026        Request sent to foi@coventry.gov.uk",
        "3 June 2026        Acknowledgement received, their reference REQ04543",
        "29 June 2026       Reply due",
        "1 July 2026        Refusal received, their reference REQ04543, citing section 12 and "
        "section 40(2)",
        "2 July 2026        Internal review request sent to foi@coventry.gov.uk",
        "30 July 2026       Internal review answer due",
        "24 November 2026   No internal review outcome received yet",
    ]
    positions = [text.index(line) for line in order]
    assert positions == sorted(positions)
    assert "The review was due by 30 July 2026, 81 working days ago" in text
    assert "The cost estimate is wrong." in text and "1. Q1?" in text
    assert "section 12 and section 40(2) (s12, s40(2))" in text


def test_the_scottish_commissioner_gets_an_application_under_section_47():
    draft = draft_complaint(
        facts(law="foisa", status="review_answered", review_outcome="upheld", **REVIEWED)
    )
    assert draft.title == "Application to the Scottish Information Commissioner"
    assert draft.filename.startswith("sic-complaint-")
    assert "section 47(1) of the Freedom of Information (Scotland) Act 2002" in draft.text
    assert "Part 1 of the Act" in draft.text
    assert "Outcome of the internal review: it upheld the original decision" in draft.text


def test_an_eir_non_response_names_regulation_18_and_counts_the_chasers():
    draft = draft_complaint(
        facts(
            law="eir",
            status="very_overdue",
            chase_stage=3,
            follow_ups=(
                FollowUpFact(date(2026, 7, 6), "chaser"),
                FollowUpFact(date(2026, 7, 20), "chaser"),
            ),
        )
    )
    assert "regulation 18 of the Environmental Information Regulations 2004" in draft.text
    assert "It has not responded, despite 2 reminders." in draft.text
    assert draft.text.count("Chaser sent") == 2
