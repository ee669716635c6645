"""Replies read from disk: .eml files, mbox files, Maildir folders, and folders holding them.

People bring the replies that reached their own mailbox before the campaign's reply address
existed, or an export from the council's portal. Each message comes out as raw bytes with a
label that says where it came from ("replies.mbox #12", "Maildir/cur/1234.host:2,S"); anything
that cannot be read comes out as an item with a reason instead, so one bad file never stops an
import. Nothing here opens a file that is not a regular file (a FIFO would block forever), and
no message is read past the size limit.

mbox files are read with the stdlib `mailbox` module, message by message, and ">From " lines
are unescaped the mboxrd way. A Maildir is one file per message in new/ and cur/, read directly.
"""

from __future__ import annotations

import mailbox
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from campaign.mail.inbound import human_size

DEFAULT_MAX_MESSAGE_BYTES = 60 * 1024 * 1024
_SNIFF_BYTES = 4096
_MBOX_SUFFIXES = {".mbox", ".mbx"}
_MAILDIR_PARTS = ("new", "cur")
_HEADER_LINE = re.compile(rb"[!-9;-~]+[ \t]*:")
_KNOWN_HEADER = re.compile(
    rb"(?im)^(from|to|subject|date|message-id|received|return-path|delivered-to|mime-version"
    rb"|reply-to|x-[a-z0-9-]+)[ \t]*:"
)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # Outlook .msg (and old Office) compound files
_ESCAPED_FROM = re.compile(rb"(?m)^>(>*From )")


@dataclass(frozen=True)
class MailSource:
    """One message found on disk, or the reason an item could not be read."""

    label: str
    raw: bytes | None
    error: str | None


def iter_mail_sources(
    paths: Iterable[Path], max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
) -> Iterator[MailSource]:
    """Every message under the given paths, in a stable order; never raises for bad input."""
    for given in paths:
        path = Path(given)
        reader = _Reader(path.parent, max_message_bytes)
        try:
            yield from reader.path(path, explicit=True)
        except OSError as error:  # the disk went away under us mid-walk
            yield MailSource(reader.label(path), None, _os_reason(error))


class _Reader:
    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes

    def label(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def error(self, path: Path, reason: str) -> MailSource:
        return MailSource(self.label(path), None, reason)

    def path(self, path: Path, *, explicit: bool) -> Iterator[MailSource]:
        try:
            info = path.stat()
        except FileNotFoundError:
            yield self.error(path, "no such file or folder")
            return
        except OSError as error:
            yield self.error(path, _os_reason(error))
            return
        if stat.S_ISDIR(info.st_mode):
            yield from self.folder(path)
        elif stat.S_ISREG(info.st_mode):
            yield from self.file(path, explicit=explicit)
        elif explicit:
            yield self.error(path, "not a regular file or folder")

    def folder(self, top: Path) -> Iterator[MailSource]:
        """Walk without recursion (no depth limit to hit) and without following links."""
        pending = [top]
        while pending:
            folder = pending.pop()
            try:
                entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
            except OSError as error:
                yield self.error(folder, _os_reason(error))
                continue
            names = {entry.name for entry in entries if entry.is_dir(follow_symlinks=False)}
            maildir = all(part in names for part in _MAILDIR_PARTS)
            subfolders = []
            for entry in entries:
                if entry.is_symlink() and entry.is_dir():
                    continue  # a link to a folder could lead back here
                if entry.is_dir(follow_symlinks=False):
                    if maildir and entry.name in ("new", "cur", "tmp"):
                        continue
                    # Hidden folders are Maildir++ folders inside a Maildir, clutter elsewhere.
                    if entry.name.startswith(".") and not maildir:
                        continue
                    subfolders.append(Path(entry.path))
                elif not entry.name.startswith(".") and not maildir:
                    yield from self.file(Path(entry.path), explicit=False)
            if maildir:
                yield from self.maildir(folder)
            pending.extend(reversed(subfolders))

    def maildir(self, folder: Path) -> Iterator[MailSource]:
        for part in _MAILDIR_PARTS:
            try:
                entries = sorted(os.scandir(folder / part), key=lambda entry: entry.name)
            except OSError as error:
                yield self.error(folder / part, _os_reason(error))
                continue
            for entry in entries:
                if not entry.name.startswith(".") and not entry.is_dir(follow_symlinks=False):
                    yield self.message(Path(entry.path))

    def file(self, path: Path, *, explicit: bool) -> Iterator[MailSource]:
        suffix = path.suffix.lower()
        head = _head(path)
        if head is None:
            yield self.message(path)  # reading it again gives the reason
            return
        if head.startswith(_OLE_MAGIC):
            if explicit or suffix == ".msg":
                yield self.error(path, "an Outlook .msg file; save it from Outlook as .eml")
            return
        if head.startswith(b"From ") or suffix in _MBOX_SUFFIXES:
            yield from self.mbox(path, explicit=explicit)
        elif suffix == ".emlx":
            yield self.emlx(path)
        elif suffix == ".eml" or _looks_like(head):
            yield self.message(path)
        elif explicit:
            yield self.error(path, "does not look like an email message or a mailbox")

    def message(self, path: Path) -> MailSource:
        raw, reason = self.read(path)
        if raw is None:
            return self.error(path, reason or "could not be read")
        if not raw.strip():
            return self.error(path, "the file is empty")
        return MailSource(self.label(path), raw, None)

    def emlx(self, path: Path) -> MailSource:
        """Apple Mail's .emlx: a line with the message's length, the message, then a plist."""
        raw, reason = self.read(path)
        if raw is None:
            return self.error(path, reason or "could not be read")
        first, _, rest = raw.partition(b"\n")
        if first.strip().isdigit():
            raw = rest[: int(first.strip())]
        return (
            MailSource(self.label(path), raw, None)
            if raw.strip()
            else self.error(path, "the file is empty")
        )

    def read(self, path: Path) -> tuple[bytes | None, str | None]:
        """The file's bytes, unless it is not a regular file or is over the size limit."""
        try:
            data = _read_regular_file(path, self.max_bytes + 1, whole=True)
        except _NotRegular:
            return None, "not a regular file"
        except _TooLarge:
            return None, self.too_large()
        except OSError as error:
            return None, _os_reason(error)
        if len(data) > self.max_bytes:
            return None, self.too_large()
        return data, None

    def too_large(self) -> str:
        return f"larger than the {human_size(self.max_bytes)} limit for one message"

    def mbox(self, path: Path, *, explicit: bool) -> Iterator[MailSource]:
        label = self.label(path)
        try:
            box = mailbox.mbox(path, factory=None, create=False)
            keys = box.keys()
        except (OSError, mailbox.Error) as error:
            yield MailSource(label, None, _os_reason(error))
            return
        try:
            for index, key in enumerate(keys, 1):
                yield self.mbox_message(box, key, f"{label} #{index}")
        finally:
            box.close()
        if not keys and explicit:
            yield MailSource(label, None, "the mailbox holds no messages")

    def mbox_message(self, box: mailbox.mbox, key: str, label: str) -> MailSource:
        try:
            handle = box.get_file(key)
            data = handle.read(self.max_bytes + 1)
        except (OSError, KeyError, mailbox.Error) as error:
            return MailSource(label, None, _os_reason(error))
        if len(data) > self.max_bytes:
            return MailSource(label, None, self.too_large())
        data = data.replace(os.linesep.encode(), b"\n")
        data = _ESCAPED_FROM.sub(rb"\1", data)
        if not data.strip():
            return MailSource(label, None, "the message is empty")
        return MailSource(label, data, None)


class _NotRegular(Exception):
    """A path that is a folder, pipe or device where a file was expected."""


class _TooLarge(Exception):
    """A file larger than the caller will read whole."""


def _read_regular_file(path: Path, limit: int, *, whole: bool = False) -> bytes:
    """Up to `limit` bytes of a regular file (with `whole`, refuse one that is larger).

    Opened without blocking and checked after opening, so a FIFO swapped in for the file
    cannot hang the import.
    """
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise _NotRegular(path)
        if whole and info.st_size >= limit:
            raise _TooLarge(path)
        os.set_blocking(descriptor, True)
        chunks = []
        remaining = limit
        while remaining > 0:
            chunk = os.read(descriptor, min(remaining, 1024 * 1024))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        if len(chunks) == 1:
            return chunks[0]
        return b"".join(chunks)
    finally:
        os.close(descriptor)


def _head(path: Path) -> bytes | None:
    try:
        return _read_regular_file(path, _SNIFF_BYTES)
    except (OSError, _NotRegular, _TooLarge):
        return None


def _looks_like(head: bytes) -> bool:
    """Whether the first bytes read like an email's header section."""
    stripped = head.lstrip(b"\r\n")
    return bool(_HEADER_LINE.match(stripped)) and len(_KNOWN_HEADER.findall(head)) >= 2


def _os_reason(error: BaseException) -> str:
    if isinstance(error, PermissionError):
        return "could not be read: permission denied"
    if isinstance(error, IsADirectoryError):
        return "is a folder, not a file"
    if isinstance(error, OSError) and error.strerror:
        return f"could not be read: {error.strerror.lower()}"
    return f"could not be read ({type(error).__name__})"
