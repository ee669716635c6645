"""Where a reply moves its request: the status rules, as a pure function.

Replies arrive out of order (a late acknowledgement after the answer, a second copy of an
extension notice), so a message only moves a request forward: an acknowledgement never
reopens an answered request, and a bounce never undoes a reply. Auto-replies and unknown
mail change nothing. A person's manual status is respected by the caller, not here.
"""

from __future__ import annotations

from campaign.domain.vocabulary import MessageKind, RequestStatus

S = RequestStatus

# Waiting for the authority's answer, in any form.
OPEN = frozenset(
    {S.SENT, S.AWAITING_RESPONSE, S.OVERDUE, S.VERY_OVERDUE, S.EXTENDED,
     S.AWAITING_CLARIFICATION, S.DELIVERY_FAILED, S.QUEUED}
)  # fmt: skip
ANSWERED = frozenset({S.SUCCESSFUL, S.PARTIALLY_SUCCESSFUL, S.NOT_HELD, S.REFUSED})
REVIEW = frozenset({S.REVIEW_REQUESTED, S.REVIEW_OVERDUE})
OUTCOMES = {s.value: s for s in ANSWERED}


def status_after_reply(
    current: RequestStatus | str, kind: MessageKind | str, outcome: str | None
) -> RequestStatus | None:
    """The status an inbound message of this kind moves the request to, or None to stay."""
    current, kind = RequestStatus(current), MessageKind(kind)
    if current is S.WITHDRAWN:
        return None
    match kind:
        case MessageKind.ACKNOWLEDGEMENT:
            not_yet_heard = {S.SENT, S.QUEUED, S.DELIVERY_FAILED}
            target = S.AWAITING_RESPONSE if current in not_yet_heard else None
        case MessageKind.CLARIFICATION:
            target = S.AWAITING_CLARIFICATION if current in OPEN else None
        case MessageKind.EXTENSION:
            target = S.EXTENDED if current in OPEN else None
        case MessageKind.RESPONSE | MessageKind.REFUSAL:
            if current in REVIEW:
                target = S.REVIEW_ANSWERED
            elif current in OPEN or current in ANSWERED:
                default = S.REFUSED if kind is MessageKind.REFUSAL else None
                target = OUTCOMES.get(outcome or "", default)
            else:
                target = None
        case MessageKind.REVIEW_OUTCOME:
            target = S.REVIEW_ANSWERED if current is not S.ESCALATED else None
        case MessageKind.BOUNCE:
            target = S.DELIVERY_FAILED if current in {S.SENT, S.QUEUED} else None
        case _:
            target = None
    return None if target is current else target
