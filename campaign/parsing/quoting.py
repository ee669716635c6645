"""The authority's new words in an email, without the thread it quotes below them.

Replies usually quote our request underneath ("-----Original Message-----", "On ... wrote:",
"From: ... Sent: ..."). Our own letter must never be read as the authority's answer: it names
sections, deadlines and "please clarify" in our voice.
"""

from __future__ import annotations

import re

_THREAD_START = re.compile(
    r"^(?:"
    r"-{2,}\s*(?:original\s+message|forwarded\s+message|reply\s+message)\s*-{2,}"
    r"|_{10,}\s*$"
    r"|on\s.{4,120}\bwrote:\s*$"
    r"|from:\s.+\n(?:.*\n){0,2}?(?:sent|date):\s"
    r"|>+\s?from:\s"
    r")",
    re.IGNORECASE | re.MULTILINE,
)


def new_text(body: str) -> str:
    """The part of an email body above the first quoted message; ">" lines dropped."""
    body = body.replace("\r\n", "\n")
    match = _THREAD_START.search(body)
    # A quote marker in the first lines means a top-quoted forward: keep everything then.
    if match and body[: match.start()].strip():
        body = body[: match.start()]
    return "\n".join(line for line in body.split("\n") if not line.lstrip().startswith(">"))
