"""An answer's excerpt marked on its source page: the page's text escaped, the excerpt in
<mark>. Built here rather than in the template so nothing from a reply is ever unescaped."""

from __future__ import annotations

import re
from collections.abc import Sequence

from markupsafe import Markup, escape

# An excerpt longer than this is found by its first and last words: the reader may have
# joined hyphenated lines or dropped a header in the middle.
_WHOLE_WORDS = 80
_END_WORDS = 12


def highlight(text: str, excerpts: Sequence[tuple[int, str]]) -> Markup:
    """The page's text with each (question, excerpt) marked where it is found."""
    spans: list[tuple[int, int, list[int]]] = []
    for question, excerpt in excerpts:
        span = find_excerpt(text, excerpt)
        if span is not None:
            spans.append((span[0], span[1], [question]))
    merged: list[tuple[int, int, list[int]]] = []
    for start, end, questions in sorted(spans):
        if merged and start < merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), last[2] + questions)
        else:
            merged.append((start, end, questions))
    parts: list[str] = []
    position = 0
    for start, end, questions in merged:
        parts.append(escape(text[position:start]))
        extra = "".join(f'<span id="excerpt-q{q}"></span>' for q in questions[1:])
        names = ", ".join(str(q) for q in questions)
        label = f"Question {names}" if len(questions) == 1 else f"Questions {names}"
        parts.append(
            Markup(f'{extra}<mark id="excerpt-q{questions[0]}" title="{label}">')
            + escape(text[start:end])
            + Markup("</mark>")
        )
        position = end
    parts.append(escape(text[position:]))
    return Markup("").join(parts)


def find_excerpt(text: str, excerpt: str) -> tuple[int, int] | None:
    """Where the excerpt is on the page, whatever the line breaks and spacing; None if not."""
    words = excerpt.split()
    if not words or not text:
        return None
    if len(words) <= _WHOLE_WORDS:
        match = re.search(_pattern(words), text, re.IGNORECASE)
        if match:
            return match.span()
    head = re.search(_pattern(words[:_END_WORDS]), text, re.IGNORECASE)
    if head is None:
        return None
    tail = re.compile(_pattern(words[-_END_WORDS:]), re.IGNORECASE).search(text, head.end())
    if tail is not None and tail.end() - head.start() <= 3 * len(excerpt):
        return head.start(), tail.end()
    return head.span()


def _pattern(words: Sequence[str]) -> str:
    return r"\s+".join(re.escape(word) for word in words)
