"""Tables: found from a page's ruled lines, and written as text a person or a parser can follow.

Authorities often answer a request in a ruled table (question | answer | exemption). A PDF
does not say "table"; it draws lines. The lattice method (as in Tabula and pdfplumber, after
Nurminen's thesis) snaps and joins the drawn horizontal and vertical lines, takes their
crossings, and keeps the smallest rectangles whose four sides are drawn: those are cells, and
cells that share corners are one table. Everything here works on plain numbers so it can be
tested without a PDF; pdf_text.py feeds it the lines PDFium reads from a page.

Coordinates are PDF points with y growing downwards (top of the page is 0).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from typing import NamedTuple

from campaign.parsing.extracted import Table

SNAP = 3.0  # lines this close are one line (double borders, anti-aliasing offsets)
JOIN = 3.0  # collinear pieces with a gap this small are one line
CROSS = 3.0  # a line that stops this short of another still meets it
MIN_LINE = 3.0
# A page drawing this many lines is a chart or a map, not a table worth the time.
MAX_LINES = 1500
MAX_CROSSINGS = 20_000


class Line(NamedTuple):
    """A horizontal (y fixed) or vertical (x fixed) ruled line: `at` is that fixed coordinate.

    A tuple, not a dataclass: a page of figures draws thousands, made one by one.
    """

    at: float
    start: float
    end: float


Box = tuple[float, float, float, float]  # x0, top, x1, bottom


def find_grids(horizontal: list[Line], vertical: list[Line]) -> list[list[list[Box]]]:
    """Ruled tables on a page: each a list of rows, each row its cells' boxes left to right.

    Only grids of at least two rows with at least two cells in some row count: a box drawn
    around a paragraph or a single row of headings is not a table.
    """
    horizontal = _merge(horizontal)
    vertical = _merge(vertical)
    if len(horizontal) + len(vertical) > MAX_LINES or len(horizontal) < 2 or len(vertical) < 2:
        return []
    crossings = _crossings(horizontal, vertical)
    if crossings is None:
        return []
    cells = _cells(crossings)
    grids = []
    for group in _group_by_corners(cells):
        rows: dict[float, list[Box]] = defaultdict(list)
        for cell in group:
            rows[cell[1]].append(cell)
        ordered = [sorted(rows[top]) for top in sorted(rows)]
        if len(ordered) >= 2 and max(len(row) for row in ordered) >= 2:
            grids.append(ordered)
    grids.sort(key=lambda grid: (grid[0][0][1], grid[0][0][0]))
    return grids


def grid_box(grid: list[list[Box]]) -> Box:
    """The rectangle a table covers."""
    cells = [cell for row in grid for cell in row]
    return (
        min(cell[0] for cell in cells),
        min(cell[1] for cell in cells),
        max(cell[2] for cell in cells),
        max(cell[3] for cell in cells),
    )


def cell_text(text: str) -> str:
    """One cell's text on one line: a cell's own line breaks are only wrapping."""
    return " ".join(text.replace("\ufffe", "-").replace("\x02", "-").split())


def table_text(table: Table) -> str:
    """A table as text: one row per line, cells separated by tabs, empty rows left out."""
    lines = []
    for row in table:
        cells = [cell_text(cell) for cell in row]
        if any(cells):
            lines.append("\t".join(cells))
    return "\n".join(lines)


def is_worth_keeping(table: Table) -> bool:
    """A table with words in at least two of its cells (ruled forms are often empty)."""
    return sum(1 for row in table for cell in row if re.search(r"\w", cell)) >= 2


def _merge(lines: list[Line]) -> list[Line]:
    """Snap lines that lie within SNAP of each other to one, then join collinear pieces."""
    merged: list[Line] = []
    ordered = sorted(lines, key=lambda line: line.at)
    group: list[Line] = []
    for line in [*ordered, None]:
        if line is not None and (not group or line.at - group[0].at <= SNAP):
            group.append(line)
            continue
        if group:
            at = sum(item.at for item in group) / len(group)
            pieces = sorted(group, key=lambda item: item.start)
            start, end = pieces[0].start, pieces[0].end
            for piece in pieces[1:]:
                if piece.start <= end + JOIN:
                    end = max(end, piece.end)
                else:
                    merged.append(Line(at, start, end))
                    start, end = piece.start, piece.end
            merged.append(Line(at, start, end))
        group = [line] if line is not None else []
    return [line for line in merged if line.end - line.start >= MIN_LINE]


_Crossings = dict[tuple[float, float], tuple[set[int], set[int]]]


def _crossings(horizontal: list[Line], vertical: list[Line]) -> _Crossings | None:
    """Points where a vertical line meets a horizontal one, with the lines through each.

    Both lists come from _merge, sorted by `at`: each vertical line only looks at the
    horizontal ones within its own height, found by bisection, not at every one on the page.
    """
    points: _Crossings = {}
    heights = [h.at for h in horizontal]
    for v_index, v in enumerate(vertical):
        first = bisect_left(heights, v.start - CROSS)
        last = bisect_right(heights, v.end + CROSS)
        for h_index in range(first, last):
            h = horizontal[h_index]
            if h.start - CROSS <= v.at <= h.end + CROSS:
                through = points.setdefault((v.at, h.at), (set(), set()))
                through[0].add(v_index)
                through[1].add(h_index)
                if len(points) > MAX_CROSSINGS:
                    return None
    return points


def _cells(points: _Crossings) -> list[Box]:
    """For each crossing, the smallest rectangle below-right of it whose four sides are drawn."""
    by_x: dict[float, list[float]] = defaultdict(list)
    by_y: dict[float, list[float]] = defaultdict(list)
    for x, y in points:
        by_x[x].append(y)
        by_y[y].append(x)
    for values in (*by_x.values(), *by_y.values()):
        values.sort()
    cells = []
    for (x, y), (verticals, horizontals) in points.items():
        column, row = by_x[x], by_y[y]
        below = column[bisect_right(column, y) :]
        right = row[bisect_right(row, x) :]
        cell = _smallest_cell(points, x, y, verticals, horizontals, below, right)
        if cell:
            cells.append(cell)
    return cells


def _smallest_cell(
    points: _Crossings,
    x: float,
    y: float,
    verticals: set[int],
    horizontals: set[int],
    below: list[float],
    right: list[float],
) -> Box | None:
    for bottom in below:
        if not verticals & points[(x, bottom)][0]:
            continue
        for x1 in right:
            if not horizontals & points[(x1, y)][1]:
                continue
            corner = points.get((x1, bottom))
            if corner and corner[1] & points[(x, bottom)][1] and corner[0] & points[(x1, y)][0]:
                return (x, y, x1, bottom)
    return None


def _group_by_corners(cells: list[Box]) -> list[list[Box]]:
    """Cells that share a corner, directly or through others, form one table."""
    parent = list(range(len(cells)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    owner: dict[tuple[float, float], int] = {}
    for index, (x0, top, x1, bottom) in enumerate(cells):
        for corner in ((x0, top), (x0, bottom), (x1, top), (x1, bottom)):
            if corner in owner:
                parent[root(index)] = root(owner[corner])
            else:
                owner[corner] = index
    groups: dict[int, list[Box]] = defaultdict(list)
    for index, cell in enumerate(cells):
        groups[root(index)].append(cell)
    return [group for group in groups.values() if len(group) > 1]
