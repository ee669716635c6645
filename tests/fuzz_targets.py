"""Fuzz targets for the untrusted inputs: raw mail, authority CSVs, documents, reply text.

Each target takes bytes (or text) and returns normally or raises the one error its entry point
documents; anything else is a crash. The suite runs each with a small budget
(tests/test_fuzz.py); `bench/fuzz.py` runs them for minutes.

Inputs are seeds from the fixtures, mutated the way broken software and attackers mangle
files: bytes flipped, ranges deleted, duplicated or truncated, random bytes inserted, and
structure-aware edits (a header repeated a thousand times, a boundary cut in half).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

from hypothesis import strategies as st

from campaign.domain.authority_import import read_authority_csv
from campaign.mail.forwarded import unwrap_forwarded
from campaign.mail.inbound import parse_mime
from campaign.parsing.documents import extract_text
from campaign.parsing.extracted import ExtractedText, UnreadableDocument
from campaign.parsing.reply import analyse_reply

FIXTURES = Path(__file__).parent / "fixtures"


def _seeds(*patterns: str) -> list[bytes]:
    found = []
    for pattern in patterns:
        found += [path.read_bytes() for path in sorted(FIXTURES.glob(pattern))]
    return found


MAIL_SEEDS = _seeds("mail/*.eml")
CSV_SEEDS = _seeds("authorities/*.csv") or [
    b"name,email,nation\nKent County Council,foi@kent.gov.uk,England\n"
]
DOCUMENT_SEEDS = [
    (path.name, path.read_bytes())
    for path in sorted((FIXTURES / "corpus" / "originals").glob("*"))
    if path.stat().st_size < 400_000
][:6]


MAX_INPUT_BYTES = 4 * 1024 * 1024


def mutate(data: bytes, seed: int, rounds: int) -> bytes:
    """`rounds` random edits of `data`, reproducible from `seed`."""
    rng = random.Random(seed)
    buffer = bytearray(data)
    for _ in range(rounds):
        if not buffer:
            buffer += rng.randbytes(rng.randint(1, 64))
            continue
        at = rng.randrange(len(buffer))
        kind = rng.randrange(7)
        if kind == 0:
            buffer[at] ^= 1 << rng.randrange(8)
        elif kind == 1:
            del buffer[at : at + rng.randint(1, 512)]
        elif kind == 2:
            buffer[at:at] = rng.randbytes(rng.randint(1, 64))
        elif kind == 3:
            chunk = bytes(buffer[at : at + rng.randint(1, 256)])
            buffer[at:at] = chunk * rng.randint(2, 50)
        elif kind == 4:
            del buffer[at:]
        elif kind == 5:
            buffer[at:at] = rng.choice(
                [b"\r\n", b"\n\n", b"--", b"=?utf-8?b?", b"\x00", b"\xff\xfe", b'"', b"%PDF-"]
            )
        else:
            line_end = buffer.find(b"\n", at)
            line = buffer[at : line_end + 1 if line_end != -1 else len(buffer)]
            buffer[at:at] = line[:4096] * rng.randint(10, 1000)
        if len(buffer) > MAX_INPUT_BYTES:  # repeated growth must not exhaust memory
            del buffer[MAX_INPUT_BYTES:]
    return bytes(buffer)


def mutations(seeds: list[bytes]) -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.binary(max_size=4096),
        st.builds(
            mutate,
            st.sampled_from(seeds),
            st.integers(min_value=0, max_value=2**32),
            st.integers(min_value=1, max_value=12),
        ),
    )


def fuzz_mime(data: bytes) -> None:
    email = parse_mime(data)  # documented: never raises
    assert isinstance(email.text, str) and isinstance(email.attachments, list)
    unwrap_forwarded(email)


def fuzz_csv(data: bytes) -> None:
    parsed = read_authority_csv(data, max_rows=500)
    assert all(isinstance(problem, str) for problem in parsed.file_errors)


def fuzz_document(name: str, data: bytes) -> None:
    try:
        extracted = extract_text(data, name, timeout_seconds=20, memory_limit_mb=512)
    except UnreadableDocument as reason:
        assert str(reason)  # a reason a person can read
        return
    assert isinstance(extracted, ExtractedText)
    analyse_reply(body="", documents=[(name, extracted)])


def fuzz_reply_text(text: str) -> None:
    analyse_reply(subject=text[:200], body=text)


TARGETS: dict[str, Callable] = {
    "mime": fuzz_mime,
    "csv": fuzz_csv,
    "document": fuzz_document,
    "reply_text": fuzz_reply_text,
}
