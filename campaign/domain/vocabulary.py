"""The words the product uses for statuses, outcomes and message kinds (see DESIGN.md).

Stored as plain strings in the database so that adding a word needs no schema change; these
enums are the one list code, forms and validation draw from.
"""

from __future__ import annotations

from enum import StrEnum


class Nation(StrEnum):
    ENGLAND = "England"
    WALES = "Wales"
    SCOTLAND = "Scotland"
    NORTHERN_IRELAND = "Northern Ireland"


class RequestStatus(StrEnum):
    DRAFT = "draft"
    QUEUED = "queued"
    SENT = "sent"
    AWAITING_RESPONSE = "awaiting_response"
    OVERDUE = "overdue"
    VERY_OVERDUE = "very_overdue"
    SUCCESSFUL = "successful"
    PARTIALLY_SUCCESSFUL = "partially_successful"
    NOT_HELD = "not_held"
    REFUSED = "refused"
    DELIVERY_FAILED = "delivery_failed"
    AWAITING_CLARIFICATION = "awaiting_clarification"
    EXTENDED = "extended"
    WITHDRAWN = "withdrawn"
    REVIEW_REQUESTED = "review_requested"
    REVIEW_OVERDUE = "review_overdue"
    REVIEW_ANSWERED = "review_answered"
    ESCALATED = "escalated"


# Late today: the reply, or the internal review's answer, is past its due date.
OVERDUE_STATUSES = frozenset(
    {
        RequestStatus.OVERDUE.value,
        RequestStatus.VERY_OVERDUE.value,
        RequestStatus.REVIEW_OVERDUE.value,
    }
)
# The authority has answered, whatever came after (a review, an escalation).
ANSWERED_STATUSES = frozenset(
    {
        RequestStatus.SUCCESSFUL.value,
        RequestStatus.PARTIALLY_SUCCESSFUL.value,
        RequestStatus.NOT_HELD.value,
        RequestStatus.REFUSED.value,
        RequestStatus.REVIEW_REQUESTED.value,
        RequestStatus.REVIEW_OVERDUE.value,
        RequestStatus.REVIEW_ANSWERED.value,
        RequestStatus.ESCALATED.value,
    }
)


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    LIVE = "live"
    CLOSED = "closed"


class AnswerOutcome(StrEnum):
    DISCLOSED = "disclosed"
    PARTIALLY_DISCLOSED = "partially_disclosed"
    NOT_HELD = "not_held"
    REFUSED = "refused"
    PUBLISHED_ELSEWHERE = "published_elsewhere"
    NO_ANSWER = "no_answer"


class MessageKind(StrEnum):
    REQUEST = "request"
    CHASER = "chaser"
    REVIEW_REQUEST = "review_request"
    CLARIFICATION_REPLY = "clarification_reply"
    ACKNOWLEDGEMENT = "acknowledgement"
    CLARIFICATION = "clarification"
    RESPONSE = "response"
    REFUSAL = "refusal"
    EXTENSION = "extension"
    REVIEW_OUTCOME = "review_outcome"
    BOUNCE = "bounce"
    OTHER = "other"


class MessageDirection(StrEnum):
    OUTBOUND = "outbound"
    INBOUND = "inbound"


class ProcessingState(StrEnum):
    """Where a stored message or attachment is in the store-first, process-later pipeline."""

    STORED = "stored"
    PROCESSED = "processed"
    FAILED = "failed"


class ReviewOutcome(StrEnum):
    """What an internal review decided about the original answer."""

    UPHELD = "upheld"
    OVERTURNED = "overturned"
    PARTIALLY_OVERTURNED = "partially_overturned"


class SendState(StrEnum):
    """Where a queued follow-up letter (chaser, review request) is on its way out."""

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"  # a reply arrived first: the chaser is no longer needed


class MessageSource(StrEnum):
    """How a message reached us: all inbound routes end in the same stored message."""

    SENT = "sent"  # written by us and handed to the transport
    WEBHOOK = "webhook"  # Mailgun's inbound route
    IMPORT = "import"  # `campaign mail import` of .eml, mbox or Maildir
    UPLOAD = "upload"  # a person uploaded an .eml or a document
    IMAP = "imap"  # read from a mailbox by `campaign mail poll` or the periodic poll


class MatchState(StrEnum):
    """Whether an inbound message has found its request."""

    PENDING = "pending"  # stored, not processed yet
    MATCHED = "matched"
    HELD = "held"  # addressed to a request but from a sender we cannot vouch for
    UNMATCHED = "unmatched"  # waits in the Inbox for a person


class MatchMethod(StrEnum):
    """What tied an inbound message to its request, strongest first."""

    TOKEN = "token"
    THREAD = "thread"
    REFERENCE = "reference"
    SENDER = "sender"
    MANUAL = "manual"


class ParseState(StrEnum):
    PENDING = "pending"
    PARSED = "parsed"
    NEEDS_OCR = "needs_ocr"
    UNPARSEABLE = "unparseable"


class Role(StrEnum):
    """Owner manages users; editor changes campaigns and authorities; viewer only reads."""

    OWNER = "owner"
    EDITOR = "editor"
    VIEWER = "viewer"

    @property
    def can_edit(self) -> bool:
        return self in (Role.OWNER, Role.EDITOR)


def values(enum: type[StrEnum]) -> list[str]:
    """All stored values of a vocabulary, in declaration order."""
    return [member.value for member in enum]
