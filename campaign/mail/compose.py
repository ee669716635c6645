"""One outgoing email as plain values, and its RFC 5322 form.

Both transports send the same bytes: the outbox writes them to disk and Mailgun receives them
through /messages.mime, so the Message-Id we store is the one the authority sees and replies to.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import charset, policy
from email.header import Header
from email.message import Message
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr

REPLY_LOCAL_PART = "foi"
# RFC 5322 line endings; 7-bit output (quoted-printable or base64 bodies, RFC 2047 headers) so
# no relay on the way to a council's mail server has to downgrade 8-bit content.
MIME_POLICY = policy.compat32.clone(linesep="\r\n")
_UTF8_QP = charset.Charset("utf-8")
_UTF8_QP.body_encoding = charset.QP
TOKEN_HEADER = "X-FOI-Request-Token"


@dataclass(frozen=True)
class OutgoingEmail:
    """Everything a transport needs to send one letter; ids are stored without angle brackets."""

    message_id: str
    from_address: str
    from_name: str
    to: str
    subject: str
    body_text: str
    reply_to: str
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    # Sent to Mailgun as v:<name>; they come back in every event about the message.
    variables: Mapping[str, str] = field(default_factory=dict)
    # Further headers, e.g. List-Unsubscribe on notifications; ASCII values only.
    headers: Mapping[str, str] = field(default_factory=dict)


def reply_address(token: str, domain: str) -> str:
    """The request's own address: replies sent to it find their request by the token."""
    return f"{REPLY_LOCAL_PART}+{token}@{domain}"


def token_from_address(address: str) -> str | None:
    """The token in a foi+<token>@domain address, or None for any other address."""
    local_part, _, _domain = address.rpartition("@")
    prefix, plus, token = local_part.partition("+")
    if not plus or prefix.lower() != REPLY_LOCAL_PART or not token:
        return None
    return token.lower()


def new_message_id(token: str, domain: str) -> str:
    """A fresh, globally unique Message-Id that still says which request it belongs to."""
    return f"req-{token}.{secrets.token_hex(10)}@{domain}"


def bracketed(message_id: str) -> str:
    """The header form of a Message-Id: <id@domain>."""
    return f"<{message_id.strip().strip('<>')}>"


def _header(value: str) -> str | Header:
    """ASCII headers as they are; anything else RFC 2047-encoded as UTF-8."""
    return value if value.isascii() else Header(value, "utf-8")


def build_mime(email: OutgoingEmail) -> Message:
    """The letter as an RFC 5322 message: CRLF lines, UTF-8 body, non-ASCII headers encoded.

    Built with the compat32 classes: a tenth of the cost of EmailMessage's header registry,
    which matters when a launch writes thousands of letters.
    """
    body = email.body_text if email.body_text.endswith("\n") else email.body_text + "\n"
    message = MIMEText(body, "plain", _UTF8_QP)
    message["Message-ID"] = bracketed(email.message_id)
    message["Date"] = format_datetime(datetime.now(UTC))
    message["From"] = formataddr((email.from_name, email.from_address), charset="utf-8")
    message["To"] = email.to
    message["Reply-To"] = email.reply_to
    message["Subject"] = _header(email.subject)
    if email.in_reply_to:
        message["In-Reply-To"] = bracketed(email.in_reply_to)
    if email.references:
        message["References"] = " ".join(bracketed(ref) for ref in email.references)
    token = token_from_address(email.from_address)
    if token:
        message[TOKEN_HEADER] = token
    for name, value in email.headers.items():
        message[name] = value
    message.policy = MIME_POLICY
    return message
