"""Mailgun webhook signatures: HMAC-SHA256 over timestamp + token, fresh within 15 minutes."""

from __future__ import annotations

import pytest
from mailgun.security import SecurityGuard

from campaign.mail.signatures import SignatureCheck, check_signature, sign

KEY = "key-webhook-signing"
NOW = 1_700_000_000
TOKEN = "a" * 50


def signed(timestamp: int = NOW, token: str = TOKEN, key: str = KEY) -> tuple[str, str, str]:
    return str(timestamp), token, sign(key, str(timestamp), token)


def test_a_fresh_signature_from_our_key_is_valid():
    assert check_signature(KEY, *signed(), now=NOW) is SignatureCheck.VALID


def test_our_signature_agrees_with_the_official_sdk():
    timestamp, token, signature = signed(NOW)
    assert SecurityGuard.verify_webhook(KEY, token, timestamp, signature, max_age_seconds=0)


def test_a_signature_made_with_another_key_is_invalid():
    assert check_signature(KEY, *signed(key="key-forger"), now=NOW) is SignatureCheck.INVALID


def test_changing_the_token_breaks_the_signature():
    timestamp, _token, signature = signed()
    assert check_signature(KEY, timestamp, "b" * 50, signature, now=NOW) is SignatureCheck.INVALID


def test_changing_the_timestamp_breaks_the_signature():
    _timestamp, token, signature = signed()
    assert check_signature(KEY, str(NOW + 1), token, signature, now=NOW) is SignatureCheck.INVALID


@pytest.mark.parametrize(
    ("age_seconds", "expected"),
    [
        (0, SignatureCheck.VALID),
        (14 * 60, SignatureCheck.VALID),
        (15 * 60, SignatureCheck.VALID),
        (15 * 60 + 1, SignatureCheck.STALE),
        (20 * 60, SignatureCheck.STALE),
        (-14 * 60, SignatureCheck.VALID),
        (-20 * 60, SignatureCheck.FUTURE),
    ],
)
def test_signatures_older_or_newer_than_fifteen_minutes_are_refused(age_seconds, expected):
    assert check_signature(KEY, *signed(NOW - age_seconds), now=NOW) is expected


@pytest.mark.parametrize(
    ("timestamp", "token", "signature"),
    [("", TOKEN, "ab"), (str(NOW), "", "ab"), (str(NOW), TOKEN, ""), ("soon", TOKEN, "ab")],
)
def test_missing_or_garbled_parts_are_malformed(timestamp, token, signature):
    assert check_signature(KEY, timestamp, token, signature, now=NOW) is SignatureCheck.MALFORMED


def test_no_signing_key_validates_nothing():
    assert check_signature("", *signed(key=""), now=NOW) is SignatureCheck.MALFORMED


def test_upper_case_hex_is_accepted():
    timestamp, token, signature = signed()
    assert (
        check_signature(KEY, timestamp, token, signature.upper(), now=NOW) is SignatureCheck.VALID
    )
