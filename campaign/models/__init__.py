"""The data model, one module per aggregate; importing this package registers every table."""

from campaign.models.answer import Answer, Mention
from campaign.models.authority import Authority, AuthorityTag
from campaign.models.base import Base
from campaign.models.campaign import Campaign, Question
from campaign.models.event import Event
from campaign.models.message import Attachment, Message
from campaign.models.request import Request
from campaign.models.user import User

__all__ = [
    "Answer",
    "Attachment",
    "Authority",
    "AuthorityTag",
    "Base",
    "Campaign",
    "Event",
    "Mention",
    "Message",
    "Question",
    "Request",
    "User",
]
