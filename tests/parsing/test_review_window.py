"""The requester's window to ask for a review, as the authority states it."""

from __future__ import annotations

import pytest

from campaign.parsing.review_window import review_window_days


@pytest.mark.parametrize(
    ("text", "days"),
    [
        (
            "Requests for reviews should be submitted within 40 days of the date of receipt of "
            "our response.",
            40,
        ),
        (
            "If you are dissatisfied with the handling of your request, you have the right to "
            "ask for an internal review. Internal review requests should be submitted within 40 "
            "working days of the date of receipt of the response to your original letter.",
            40,
        ),
        (
            "If you wish to request an internal review, you should do so within 40 working days "
            "of the date of this letter.",
            40,
        ),
        (
            "Please note that a request for a review must be made in writing no later than 40 "
            "working days from the date of receipt of this letter.",
            40,
        ),
        (
            "If you are unhappy with this response you may ask for an internal review. Please "
            "write to us within forty working days.",
            40,
        ),
        (
            "You have 60 calendar days from the date of this letter to request an internal review.",
            60,
        ),
        (
            "Under the Environmental Information Regulations you may make representations "
            "within 40 working days of receiving this response.",
            40,
        ),
        (
            "You can ask for an internal review within 40 working days, and we will respond to "
            "your review within 20 working days.",
            40,
        ),
        (
            "FOISA: if you are dissatisfied you are entitled to require the Council to review its "
            "decision. Your requirement for review must be made within 40 working days of "
            "receipt of this letter. We will complete the review within 20 working days.",
            40,
        ),
    ],
)
def test_requesters_window_is_read(text, days):
    assert review_window_days(text) == days


@pytest.mark.parametrize(
    "text",
    [
        # the authority's own timetable, not the requester's window
        "We aim to complete internal reviews within 20 working days.",
        "If you request a review, you will receive a response within 20 working days.",
        "The review will be undertaken within 20 working days of receipt.",
        # the regulator's window
        "If you remain dissatisfied after the review you may apply to the Information "
        "Commissioner within 6 weeks.",
        # a window stated in months is not a number of days
        "You may ask for an internal review within two months of the date of this letter.",
        # no review mentioned at all
        "We will respond to your request within 20 working days.",
        "You can ask for a review of our decision.",
    ],
)
def test_no_window_when_none_is_given_for_the_requester(text):
    assert review_window_days(text) is None
