"""Systems, products and vendors a reply names (placeholder until the gazetteer lands)."""

from __future__ import annotations

from collections.abc import Sequence

from campaign.parsing.findings import MentionFinding, SourcePage


def find_mentions(pages: Sequence[SourcePage]) -> list[MentionFinding]:
    """Every system, product or vendor named in the pages, once per name, first mention first."""
    return []
