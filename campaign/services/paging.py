"""Page arithmetic shared by every paginated list."""

from __future__ import annotations

import math


class PageNumbers:
    """For page dataclasses with `total`, `page` and `per_page`: how many pages, and which
    rows (1-based, inclusive) this page shows."""

    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.total, self.page * self.per_page)
