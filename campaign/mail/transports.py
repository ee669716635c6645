"""The two ways a letter leaves: an outbox of .eml files (default) or Mailgun's official SDK.

A send either succeeds with the transport's id or raises one of three errors that tell the
send loop what it may do next: retry later (TransientSendError), ask the transport whether the
letter went before retrying (AmbiguousSendError, via `find_sent`), or give up and show the
reason (PermanentSendError). Nothing here retries: the queue decides when to try again.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from email.headerregistry import Address
from pathlib import Path
from typing import Any, Protocol

import requests
from mailgun.client import Client
from mailgun.config import RetryPolicy
from mailgun.handlers.error_handler import ApiError
from requests.utils import getproxies
from urllib3.exceptions import MaxRetryError, NewConnectionError

from campaign.mail.compose import (
    TOKEN_HEADER,
    OutgoingEmail,
    bracketed,
    build_mime,
    token_from_address,
)

# The SDK retries POSTs on 429/5xx and on network errors, which could send a letter twice
# (a read timeout may follow an accepted send). Zero retries: every call is one HTTP request.
NO_RETRIES = RetryPolicy(max_retries=0)
MAX_REASON_LENGTH = 500


class SendError(Exception):
    """The transport did not confirm the letter was accepted."""


class TransientSendError(SendError):
    """Definitely not accepted (rate limited, server error, connection refused): retry later."""


class AmbiguousSendError(SendError):
    """Maybe accepted (no answer after the request went out): reconcile with find_sent first."""


class PermanentSendError(SendError):
    """Refused for good (bad address, unknown domain, wrong key); str() is shown to people."""


@dataclass(frozen=True)
class SendResult:
    transport_id: str  # Mailgun's id without angle brackets, or the outbox file name


class Transport(Protocol):
    name: str

    def send(self, email: OutgoingEmail) -> SendResult: ...

    def find_sent(self, message_id: str) -> SendResult | None: ...


class OutboxTransport:
    """Writes each letter as <outbox>/<message id>.eml, so everything works with no account."""

    name = "outbox"

    def __init__(self, outbox_dir: str | Path) -> None:
        self.outbox_dir = Path(outbox_dir)

    def send(self, email: OutgoingEmail) -> SendResult:
        """Write the letter once; sending the same Message-Id again changes nothing."""
        path = self._path(email.message_id)
        if path.exists():
            return SendResult(transport_id=path.name)
        self.outbox_dir.mkdir(parents=True, exist_ok=True)
        _write_atomically(path, build_mime(email).as_bytes())
        return SendResult(transport_id=path.name)

    def find_sent(self, message_id: str) -> SendResult | None:
        path = self._path(message_id)
        return SendResult(transport_id=path.name) if path.exists() else None

    def _path(self, message_id: str) -> Path:
        return self.outbox_dir / outbox_file_name(message_id)


def outbox_file_name(message_id: str) -> str:
    """A safe file name for a Message-Id; ids that had to be altered get a hash to stay unique."""
    message_id = message_id.strip().strip("<>")
    safe = re.sub(r"[^A-Za-z0-9._@+=-]", "_", message_id).lstrip(".")
    if safe != message_id or len(safe) > 200:
        digest = hashlib.sha256(message_id.encode()).hexdigest()[:16]
        safe = f"{safe[:180]}-{digest}"
    return f"{safe}.eml"


def _write_atomically(path: Path, data: bytes) -> None:
    """Readers see the whole file or none of it, even if the process dies mid-write."""
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


class MailgunTransport:
    """Sends the built MIME through the official SDK (POST /v3/<domain>/messages.mime)."""

    name = "mailgun"

    def __init__(
        self,
        api_key: str,
        domain: str,
        api_url: str = "https://api.mailgun.net",
        timeout_seconds: float = 30,
    ) -> None:
        self.domain = domain
        self.timeout = (float(timeout_seconds), float(timeout_seconds))  # (connect, read)
        self.client = Client(
            auth=("api", api_key), api_url=api_url, timeout=self.timeout, retry_policy=NO_RETRIES
        )
        # The SDK builds a new endpoint object on every attribute access; build ours once.
        self._messages = self.client.messages
        self._messages.retry_policy = NO_RETRIES
        session = getattr(self.client, "_session", None)
        if session is not None and not getproxies():
            # requests re-reads proxy settings from the environment on every call; with none
            # configured at start-up that is wasted work on each of thousands of letters.
            session.trust_env = False

    def send(self, email: OutgoingEmail) -> SendResult:
        """One POST to /messages. Mailgun keeps a Message-Id given as h:Message-Id (its FAQ on
        tracking replies says so), which is what replies and delivery events are matched by."""
        try:
            response = self._messages.create(domain=self.domain, data=mailgun_fields(email))
        except ApiError as error:
            raise _network_error(error) from error
        _raise_for_refusal(response)
        return SendResult(transport_id=_accepted_id(response) or email.message_id)

    def find_sent(self, message_id: str) -> SendResult | None:
        """Ask the Events API whether Mailgun accepted this Message-Id; None if it has no record.

        Raises TransientSendError when Mailgun cannot be asked. Events appear a few seconds
        after acceptance, so reconcile a while after the ambiguous send, not at once.
        """
        filters = {"message-id": message_id.strip().strip("<>"), "event": "accepted", "limit": 1}
        try:
            response = self.client.events.get(domain=self.domain, filters=filters)
        except ApiError as error:
            raise TransientSendError(
                f"Could not ask Mailgun about {message_id}: {error}"
            ) from error
        if response.status_code != 200:
            reason = _reason(response)
            raise TransientSendError(f"Mailgun events answered {response.status_code}: {reason}")
        items = _json(response).get("items") or []
        if not items:
            return None
        headers = items[0].get("message", {}).get("headers", {})
        return SendResult(transport_id=str(headers.get("message-id") or message_id).strip("<>"))

    def close(self) -> None:
        self.client.close()


def mailgun_fields(email: OutgoingEmail) -> dict[str, str]:
    """The letter as Mailgun's form fields: the same headers the outbox writes into MIME."""
    fields = {
        # Mailgun encodes non-ASCII headers itself: the display name goes as text, quoted
        # only where RFC 5322 needs it.
        "from": from_header(email.from_name, email.from_address),
        "to": email.to,
        "subject": email.subject,
        "text": email.body_text,
        "h:Message-Id": bracketed(email.message_id),
        "h:Reply-To": email.reply_to,
    }
    if email.in_reply_to:
        fields["h:In-Reply-To"] = bracketed(email.in_reply_to)
    if email.references:
        fields["h:References"] = " ".join(bracketed(ref) for ref in email.references)
    token = token_from_address(email.from_address)
    if token:
        fields[f"h:{TOKEN_HEADER}"] = token
    fields.update({f"h:{name}": value for name, value in email.headers.items()})
    fields.update({f"v:{name}": str(value) for name, value in email.variables.items()})
    return fields


# An address whose local part and domain are plain dot-atoms (RFC 5322 3.2.3) of ASCII
# characters: the header parser would hand it back unchanged.
_PLAIN_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
)
_SPECIALS = frozenset('()<>@,:;.\\"[]')  # RFC 5322 specials: a phrase with one is quoted


def from_header(display_name: str, address: str) -> str:
    """`str(Address(display_name=..., addr_spec=...))` from email.headerregistry, which parses
    the address with the full header grammar: a tenth of a letter's own cost, for addresses
    (ours: foi+<token>@<domain>) that need none of it. Anything but a plain ASCII dot-atom
    address, or a name with a line break, still goes through Address and its checks."""
    if "\r" in display_name or "\n" in display_name or not _PLAIN_ADDRESS.fullmatch(address):
        return str(Address(display_name=display_name, addr_spec=address))
    if not display_name:
        return address
    if not _SPECIALS.isdisjoint(display_name):
        escaped = display_name.replace("\\", "\\\\").replace('"', '\\"')
        display_name = f'"{escaped}"'
    return f"{display_name} <{address}>"


def _raise_for_refusal(response: requests.Response) -> None:
    """Turn a non-2xx answer into the error that says whether a retry can help."""
    status = response.status_code
    if 200 <= status < 300:
        return
    reason = _reason(response)
    if status == 401:
        raise PermanentSendError(f"Mailgun refused the API key (401): {reason}")
    if 400 <= status < 500 and status != 429:
        raise PermanentSendError(f"Mailgun refused the letter ({status}): {reason}")
    raise TransientSendError(f"Mailgun answered {status}: {reason}")


def _network_error(error: ApiError) -> SendError:
    """Connection never made: safe to retry. Anything later (timeout, reset): maybe sent."""
    cause = error.__cause__
    if isinstance(cause, requests.ConnectTimeout) or _connection_refused(cause):
        return TransientSendError(f"Could not reach Mailgun: {error}")
    return AmbiguousSendError(f"No answer from Mailgun after sending: {error}")


def _connection_refused(cause: BaseException | None) -> bool:
    if not isinstance(cause, requests.ConnectionError) or not cause.args:
        return False
    inner = cause.args[0]
    return isinstance(inner, MaxRetryError) and isinstance(inner.reason, NewConnectionError)


def _accepted_id(response: requests.Response) -> str | None:
    value = _json(response).get("id")
    return str(value).strip().strip("<>") if value else None


def _reason(response: requests.Response) -> str:
    """Mailgun's own explanation: the JSON "message", else the start of the body."""
    message = _json(response).get("message")
    text = str(message) if message else response.text.strip() or response.reason or ""
    return text[:MAX_REASON_LENGTH]


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def transport_from_config(config: Mapping[str, Any]) -> Transport:
    """The transport MAIL_TRANSPORT names, built from the app's settings."""
    if config.get("MAIL_TRANSPORT", "outbox") == "mailgun":
        return MailgunTransport(
            api_key=config["MAILGUN_API_KEY"],
            domain=config["MAILGUN_DOMAIN"],
            api_url=config.get("MAILGUN_API_URL") or "https://api.mailgun.net",
            timeout_seconds=config.get("MAILGUN_TIMEOUT_SECONDS", 30),
        )
    return OutboxTransport(config["OUTBOX_DIR"])
