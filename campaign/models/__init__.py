"""The data model, one module per aggregate; importing this package registers every table."""

from campaign.models.answer import Answer, Mention
from campaign.models.authority import Authority, AuthorityAddress, AuthorityTag
from campaign.models.base import Base
from campaign.models.campaign import Campaign, LetterVersion, Question
from campaign.models.event import Event, WebhookNonce
from campaign.models.message import Attachment, Message
from campaign.models.request import Request
from campaign.models.user import User

__all__ = [
    "Answer",
    "Attachment",
    "Authority",
    "AuthorityAddress",
    "AuthorityTag",
    "Base",
    "Campaign",
    "Event",
    "LetterVersion",
    "Mention",
    "Message",
    "Question",
    "Request",
    "User",
    "WebhookNonce",
]
