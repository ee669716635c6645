"""The data model, one module per aggregate; importing this package registers every table."""

from campaign.models.answer import Answer, Mention
from campaign.models.api_token import ApiToken
from campaign.models.authority import Authority, AuthorityAddress, AuthorityTag
from campaign.models.base import Base
from campaign.models.campaign import Campaign, LetterVersion, Question
from campaign.models.event import Event, WebhookNonce
from campaign.models.mailbox import MailboxPoll
from campaign.models.message import Attachment, Message
from campaign.models.notification import (
    Digest,
    Notification,
    NotificationPreference,
    RequestNote,
)
from campaign.models.request import Request
from campaign.models.search import SearchEntry
from campaign.models.user import User

__all__ = [
    "Answer",
    "ApiToken",
    "Attachment",
    "Authority",
    "AuthorityAddress",
    "AuthorityTag",
    "Base",
    "Campaign",
    "Digest",
    "Event",
    "LetterVersion",
    "MailboxPoll",
    "Mention",
    "Message",
    "Notification",
    "NotificationPreference",
    "Question",
    "Request",
    "RequestNote",
    "SearchEntry",
    "User",
    "WebhookNonce",
]
