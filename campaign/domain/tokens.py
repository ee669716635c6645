"""Request tokens: the part of a reply address that ties an email to its request.

A token is 12 random characters (60 bits, unguessable) plus 2 check characters, in an
alphabet without look-alikes, lower case because mail systems fold the local part. The check
characters let a mistyped or mangled token be told apart from a real one, and `near_tokens`
suggests the token a person or gateway probably meant (l/1, o/0 swaps, one character off).
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32: no i, l, o, u
RANDOM_LENGTH = 12
CHECK_LENGTH = 2
TOKEN_LENGTH = RANDOM_LENGTH + CHECK_LENGTH
_RANDOM_BITS = 5 * RANDOM_LENGTH  # each character carries 5 bits
# RFC 4648 base32 digits, each standing for the same 5 bits as the alphabet's character.
_FROM_BASE32 = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", ALPHABET.encode())
_TOKEN_RE = re.compile(rf"^[{ALPHABET}]{{{TOKEN_LENGTH}}}$")
# Characters people and OCR confuse, read as the symbol the alphabet uses.
_LOOKALIKES = str.maketrans({"i": "1", "l": "1", "o": "0", "u": "v"})


def _check(random_part: str) -> str:
    digest = hashlib.blake2b(random_part.encode(), digest_size=2).digest()
    value = int.from_bytes(digest, "big")
    return ALPHABET[value % 32] + ALPHABET[(value // 32) % 32]


def new_token() -> str:
    """A fresh token: 60 bits from the OS's random source, then the check characters.

    The bits are spelled by the C base32 encoder and one translation, not a character at a
    time: a launch makes thousands of tokens and `secrets.choice` per character was a fifth
    of its time. Every character is still uniform over the alphabet.
    """
    value = secrets.randbits(_RANDOM_BITS) << (64 - _RANDOM_BITS)  # left-aligned in 8 bytes
    spelled = base64.b32encode(value.to_bytes(8, "big"))[:RANDOM_LENGTH]
    random_part = spelled.translate(_FROM_BASE32).decode("ascii")
    return random_part + _check(random_part)


def is_valid_token(text: str) -> bool:
    """True if the text is a well-formed token whose check characters agree."""
    text = text.lower()
    return bool(_TOKEN_RE.match(text)) and _check(text[:RANDOM_LENGTH]) == text[RANDOM_LENGTH:]


def canonical(text: str) -> str:
    """Lower case with look-alike letters replaced: 'AbCl0' -> 'abc10'."""
    return text.lower().translate(_LOOKALIKES)


def near_tokens(text: str, known: set[str], max_distance: int = 1) -> list[str]:
    """Known tokens the text probably meant: same after look-alike folding, or one edit away.

    Meant for suggestions only; an exact token match is the only thing applied automatically.
    """
    folded = canonical(text)
    matches = []
    for token in known:
        if token == text:
            continue
        if canonical(token) == folded or _within_one_edit(folded, token, max_distance):
            matches.append(token)
    return sorted(matches)


def _within_one_edit(a: str, b: str, max_distance: int) -> bool:
    if abs(len(a) - len(b)) > max_distance:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= max_distance
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))
