"""Mailgun webhook signatures: HMAC-SHA256(signing key, timestamp + token), fresh within 15 minutes.

Pure functions over plain values; the caller refuses replayed tokens (that needs storage).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from enum import StrEnum

MAX_SKEW_SECONDS = 15 * 60


class SignatureCheck(StrEnum):
    VALID = "valid"
    MALFORMED = "malformed"  # timestamp not a number, or a part missing
    INVALID = "invalid"  # the HMAC does not match: forged, or signed with another key
    STALE = "stale"  # more than 15 minutes old
    FUTURE = "future"  # more than 15 minutes ahead of our clock


def sign(signing_key: str, timestamp: str, token: str) -> str:
    """The signature Mailgun sends for this timestamp and token (hex digest)."""
    message = f"{timestamp}{token}".encode()
    return hmac.new(signing_key.encode(), message, hashlib.sha256).hexdigest()


def check_signature(
    signing_key: str,
    timestamp: str,
    token: str,
    signature: str,
    *,
    now: float | None = None,
    max_skew: int = MAX_SKEW_SECONDS,
) -> SignatureCheck:
    """Say whether a webhook was signed with our key recently; never raises on bad input."""
    if not (signing_key and timestamp and token and signature):
        return SignatureCheck.MALFORMED
    try:
        signed_at = int(timestamp)
    except ValueError:
        return SignatureCheck.MALFORMED
    expected = sign(signing_key, timestamp, token)
    if not hmac.compare_digest(expected.encode(), signature.strip().lower().encode()):
        return SignatureCheck.INVALID
    now = time.time() if now is None else now
    if signed_at < now - max_skew:
        return SignatureCheck.STALE
    if signed_at > now + max_skew:
        return SignatureCheck.FUTURE
    return SignatureCheck.VALID
