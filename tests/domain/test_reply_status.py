"""A reply moves its request forward along the status vocabulary, never backwards."""

from __future__ import annotations

import pytest

from campaign.domain.reply_status import status_after_reply
from campaign.domain.vocabulary import MessageKind as K
from campaign.domain.vocabulary import RequestStatus as S


@pytest.mark.parametrize(
    ("current", "kind", "outcome", "expected"),
    [
        (S.SENT, K.ACKNOWLEDGEMENT, None, S.AWAITING_RESPONSE),
        (S.DELIVERY_FAILED, K.ACKNOWLEDGEMENT, None, S.AWAITING_RESPONSE),
        (S.AWAITING_RESPONSE, K.ACKNOWLEDGEMENT, None, None),
        (S.SUCCESSFUL, K.ACKNOWLEDGEMENT, None, None),  # a late acknowledgement reopens nothing
        (S.AWAITING_RESPONSE, K.CLARIFICATION, None, S.AWAITING_CLARIFICATION),
        (S.OVERDUE, K.EXTENSION, None, S.EXTENDED),
        (S.SENT, K.EXTENSION, None, S.EXTENDED),
        (S.REFUSED, K.EXTENSION, None, None),
        (S.AWAITING_RESPONSE, K.RESPONSE, "successful", S.SUCCESSFUL),
        (S.EXTENDED, K.RESPONSE, "partially_successful", S.PARTIALLY_SUCCESSFUL),
        (S.VERY_OVERDUE, K.RESPONSE, "not_held", S.NOT_HELD),
        (S.AWAITING_CLARIFICATION, K.REFUSAL, None, S.REFUSED),
        (S.AWAITING_RESPONSE, K.RESPONSE, None, None),  # outcome unclear: a person decides
        (S.REFUSED, K.RESPONSE, "successful", S.SUCCESSFUL),  # released after all
        (S.REVIEW_REQUESTED, K.RESPONSE, "successful", S.REVIEW_ANSWERED),
        (S.REVIEW_OVERDUE, K.REVIEW_OUTCOME, "refused", S.REVIEW_ANSWERED),
        (S.ESCALATED, K.REVIEW_OUTCOME, None, None),
        (S.SENT, K.BOUNCE, None, S.DELIVERY_FAILED),
        (S.SUCCESSFUL, K.BOUNCE, None, None),
        (S.AWAITING_RESPONSE, K.OTHER, None, None),  # out-of-office and the like
        (S.WITHDRAWN, K.RESPONSE, "successful", None),
    ],
)
def test_status_after_reply(current, kind, outcome, expected):
    assert status_after_reply(current, kind, outcome) == expected


def test_unknown_words_are_refused():
    with pytest.raises(ValueError):
        status_after_reply("answered", K.RESPONSE, None)
