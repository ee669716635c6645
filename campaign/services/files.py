"""The files directory: raw messages and attachments stored once each, named by their SHA-256.

Content addressing makes storing idempotent (the same PDF sent by forty councils is kept once,
and a redelivered message writes nothing new) and lets a row point at bytes that cannot change
under it. Writes are durable before the database row that points at them commits: a crash
leaves at worst an unreferenced file, never a row without its bytes.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from flask import current_app

_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


def files_dir() -> Path:
    return Path(current_app.config["FILES_DIR"])


def blob_path(sha256: str, root: Path | None = None) -> Path:
    """Where the bytes with this digest live: two levels of fan-out keep directories small."""
    if not _SHA256_RE.match(sha256):
        raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
    root = files_dir() if root is None else root
    return root / sha256[:2] / sha256[2:4] / sha256


def store_blob(data: bytes, root: Path | None = None) -> str:
    """Write the bytes durably (unless already there) and return their SHA-256."""
    sha256 = hashlib.sha256(data).hexdigest()
    path = blob_path(sha256, root)
    if path.exists() and path.stat().st_size == len(data):
        return sha256
    write_durably(path, data)
    return sha256


def write_durably(path: Path, data: bytes) -> None:
    """Write a whole file that survives a power cut: temporary file, sync, rename, sync dir.

    Readers never see a half-written file under the final name.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".partial-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fdatasync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    fsync_directory(path.parent)


def read_blob(sha256: str, root: Path | None = None) -> bytes:
    return blob_path(sha256, root).read_bytes()


def fsync_directory(directory: Path) -> None:
    """Make the rename itself durable, so the file survives a power cut after commit."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
