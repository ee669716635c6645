"""What the parser reads out of a reply, as plain values: the pages it read, answers, mentions.

These are the shapes shared by the per-question reader (answers.py), the mention finder
(mentions.py), the whole-reply reading (reply.py) and the services that store them, so none of
them depends on another's internals. Pages are numbered from 1 within their document; the email
body is the document named None.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Bump when the answer or mention rules change, so a campaign can be re-read with the new rules
# and every stored answer says which rules produced it.
PARSER_VERSION = "2026.11.2"


@dataclass(frozen=True)
class SourcePage:
    """One page of text the reply gave: the email body (document None) or an attachment's page."""

    document: str | None
    page: int
    text: str


@dataclass(frozen=True)
class AnswerFinding:
    """How the reply answered one question (numbered from 1, in the request's order)."""

    question: int
    outcome: str  # AnswerOutcome value
    exemptions: list[str] = field(default_factory=list)
    excerpt: str = ""
    document: str | None = None
    page: int | None = None
    urls: list[str] = field(default_factory=list)
    confidence: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "outcome": self.outcome,
            "exemptions": list(self.exemptions),
            "excerpt": self.excerpt,
            "page": self.page,
            "document": self.document,
            "urls": list(self.urls),
            "confidence": round(self.confidence, 2),
        }


@dataclass(frozen=True)
class MentionFinding:
    """A system, product or vendor the reply names, with the sentence it was named in."""

    name: str  # canonical form, e.g. "Capita One"
    category: str  # "system" | "vendor"
    sentence: str = ""
    document: str | None = None
    page: int | None = None
    source: str = "gazetteer"  # "gazetteer" | "pattern"
