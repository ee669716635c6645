"""Reading a mailbox over IMAP: a thin, careful layer over the standard library's imaplib.

Replies often arrive in an ordinary mailbox rather than through Mailgun: a campaigner's own
address, a shared team inbox. The poller reads new messages from it, stores each one, and only
then marks it read (or moves it). The server is outside our control, so every failure
(refused connection, silence, a wrong password, a missing folder, a broken TLS handshake)
becomes an `ImapError` with a sentence a campaigner can act on, never a traceback.

Messages are fetched with BODY.PEEK[] so fetching alone never marks them read, and addressed
by UID so a message deleted by someone else meanwhile cannot shift the others.
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType

# Keyword set on a message the tool will not take (too large, empty): it stays in the mailbox,
# unread, for a person, and later polls pass over it.
SKIPPED_KEYWORD = "$FoiCampaignSkipped"
# UIDs per FETCH command when asking for sizes; keeps command lines short on huge mailboxes.
SIZE_CHUNK = 500
_SIZE_ITEM = re.compile(rb"UID (\d+).*?RFC822\.SIZE (\d+)|RFC822\.SIZE (\d+).*?UID (\d+)")


class ImapError(Exception):
    """The mailbox could not be read; the message says why in plain words."""


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    user: str
    password: str
    folder: str = "INBOX"
    tls: bool = True
    ca_file: str | None = None
    move_to: str | None = None
    timeout: float = 30.0

    @property
    def label(self) -> str:
        """The mailbox as people name it: user@host:port/folder (no password)."""
        return f"{self.user}@{self.host}:{self.port}/{self.folder}"


class Mailbox:
    """One logged-in connection with the folder selected; use as a context manager."""

    def __init__(self, settings: ImapSettings) -> None:
        self.settings = settings
        self._imap: imaplib.IMAP4 | None = None

    def __enter__(self) -> Mailbox:
        self._imap = _connect(self.settings)
        try:
            _login(self._imap, self.settings)
            _select(self._imap, self.settings.folder)
        except BaseException:
            self._close()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._close()

    @property
    def imap(self) -> imaplib.IMAP4:
        if self._imap is None:
            raise ImapError("the mailbox is not open")
        return self._imap

    def waiting_uids(self) -> list[int]:
        """UIDs of unread messages the tool has not set aside, oldest first."""
        data = self._command("search", "UID", "SEARCH", "UNSEEN", "UNKEYWORD", SKIPPED_KEYWORD)
        found: list[int] = []
        for chunk in data:
            if isinstance(chunk, bytes):
                found += [int(uid) for uid in chunk.split() if uid.isdigit()]
        return sorted(found)

    def sizes(self, uids: Sequence[int]) -> dict[int, int]:
        """Each message's size in bytes, asked before fetching so a huge one is never read."""
        sizes: dict[int, int] = {}
        for start in range(0, len(uids), SIZE_CHUNK):
            chunk = ",".join(str(uid) for uid in uids[start : start + SIZE_CHUNK])
            for item in self._command("size", "UID", "FETCH", chunk, "(RFC822.SIZE)"):
                line = item[0] if isinstance(item, tuple) else item
                if not isinstance(line, bytes):
                    continue
                match = _SIZE_ITEM.search(line)
                if match:
                    uid, size = (
                        (match.group(1), match.group(2))
                        if match.group(1)
                        else (
                            match.group(4),
                            match.group(3),
                        )
                    )
                    sizes[int(uid)] = int(size)
        return sizes

    def fetch(self, uid: int) -> bytes | None:
        """The raw message, without marking it read; None if it vanished meanwhile."""
        for item in self._command("fetch", "UID", "FETCH", str(uid), "(BODY.PEEK[])"):
            if isinstance(item, tuple) and len(item) >= 2 and isinstance(item[1], bytes):
                return item[1]
        return None

    def done(self, uid: int) -> None:
        """The message is stored: mark it read, or move it to IMAP_MOVE_TO."""
        if self.settings.move_to:
            self._command("move", "UID", "MOVE", str(uid), _quoted(self.settings.move_to))
        else:
            self._command("mark", "UID", "STORE", str(uid), "+FLAGS.SILENT", "(\\Seen)")

    def set_aside(self, uid: int) -> None:
        """Leave a message the tool will not take where it is, unread, and pass over it later."""
        flags = f"({SKIPPED_KEYWORD})"
        self._command("set aside", "UID", "STORE", str(uid), "+FLAGS.SILENT", flags)

    def _command(self, label: str, *args) -> list:
        command, *rest = args
        try:
            if command == "UID":
                status, data = self.imap.uid(*rest)
            else:
                status, data = getattr(self.imap, command.lower())(*rest)
        except TimeoutError as error:
            raise ImapError(_timeout_text(self.settings)) from error
        except (imaplib.IMAP4.abort, OSError) as error:
            raise ImapError(f"the IMAP connection broke during {label}: {error}") from error
        except imaplib.IMAP4.error as error:
            raise ImapError(f"the IMAP server refused {label}: {_text(error)}") from error
        if status != "OK":
            raise ImapError(f"the IMAP server refused {label}: {_text(data)}")
        return list(data or [])

    def _close(self) -> None:
        imap, self._imap = self._imap, None
        if imap is None:
            return
        try:
            imap.logout()
        except Exception:  # the connection is going anyway
            with contextlib.suppress(Exception):
                imap.shutdown()


def _connect(settings: ImapSettings) -> imaplib.IMAP4:
    where = f"{settings.host}:{settings.port}"
    try:
        if settings.tls:
            context = ssl.create_default_context(cafile=settings.ca_file or None)
            return imaplib.IMAP4_SSL(
                settings.host, settings.port, ssl_context=context, timeout=settings.timeout
            )
        return imaplib.IMAP4(settings.host, settings.port, timeout=settings.timeout)
    except ssl.SSLCertVerificationError as error:
        raise ImapError(
            f"the IMAP server at {where} showed a certificate that could not be trusted "
            f"({error.verify_message}); set IMAP_CA_FILE if it uses a private authority"
        ) from error
    except ssl.SSLError as error:
        raise ImapError(
            f"TLS with the IMAP server at {where} failed ({error.reason or error}); "
            "check IMAP_PORT (993 is TLS) and IMAP_TLS"
        ) from error
    except ConnectionRefusedError as error:
        raise ImapError(f"the IMAP server at {where} refused the connection") from error
    except TimeoutError as error:
        raise ImapError(_timeout_text(settings)) from error
    except socket.gaierror as error:
        raise ImapError(f"the IMAP host {settings.host!r} could not be found") from error
    except (OSError, imaplib.IMAP4.error) as error:
        raise ImapError(f"could not connect to the IMAP server at {where}: {error}") from error


def _login(imap: imaplib.IMAP4, settings: ImapSettings) -> None:
    try:
        imap.login(settings.user, settings.password)
    except imaplib.IMAP4.abort as error:
        raise ImapError(f"the IMAP connection broke while signing in: {error}") from error
    except imaplib.IMAP4.error as error:
        raise ImapError(
            f"the IMAP server refused the user name or password for {settings.user!r} "
            f"({_text(error)})"
        ) from error
    except TimeoutError as error:
        raise ImapError(_timeout_text(settings)) from error
    except OSError as error:
        raise ImapError(f"the IMAP connection broke while signing in: {error}") from error


def _select(imap: imaplib.IMAP4, folder: str) -> None:
    try:
        status, data = imap.select(_quoted(folder))
    except (imaplib.IMAP4.error, OSError) as error:
        raise ImapError(f"the folder {folder!r} could not be opened: {_text(error)}") from error
    if status != "OK":
        raise ImapError(f"the folder {folder!r} could not be opened: {_text(data)}")


def _quoted(name: str) -> str:
    """A mailbox name as an IMAP quoted string (spaces and quotes in folder names)."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _timeout_text(settings: ImapSettings) -> str:
    return (
        f"the IMAP server at {settings.host}:{settings.port} did not answer within "
        f"{settings.timeout:g} seconds"
    )


def _text(value: object) -> str:
    if isinstance(value, list | tuple):
        value = b" ".join(v for v in value if isinstance(v, bytes))
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return " ".join(str(value).split())[:300]
