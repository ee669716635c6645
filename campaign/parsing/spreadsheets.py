"""Spreadsheets as pages: each sheet of an .xlsx, .xls or .csv file is one page and one table.

A sheet's page text is its name (CSV and .xls sheets have none) then one row per line with
cells separated by tabs, so answers given in a spreadsheet read like any other table. Rows
and columns are capped: released data sets can run to hundreds of thousands of rows, and the
first few thousand say what the reply says.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time

from campaign.parsing.converters import run_converter
from campaign.parsing.extracted import Table, UnreadableDocument
from campaign.parsing.office_zip import open_zip

MAX_SHEET_ROWS = 5000
MAX_SHEET_COLUMNS = 200


def read_xlsx(data: bytes) -> tuple[list[str], list[list[Table]]]:
    """One page per worksheet: its name, then its rows."""
    import openpyxl

    open_zip(data)  # sizes and DTDs checked before openpyxl parses anything
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except MemoryError:
        raise  # the extraction process reports it as needing more memory
    except Exception as error:  # openpyxl raises many types for damaged workbooks
        raise UnreadableDocument(f"damaged Excel file ({type(error).__name__})") from None
    pages, tables = [], []
    try:
        for sheet in workbook.worksheets:
            rows: Table = []
            for row in sheet.iter_rows(
                max_row=MAX_SHEET_ROWS, max_col=MAX_SHEET_COLUMNS, values_only=True
            ):
                cells = _trimmed([_cell_text(value) for value in row])
                if cells:
                    rows.append(cells)
            pages.append(sheet_text(rows, sheet.title))
            tables.append([rows] if rows else [])
    finally:
        workbook.close()
    return pages, tables


def read_csv(text: str) -> tuple[list[str], list[list[Table]]]:
    """A CSV file as one sheet; the delimiter (comma, semicolon, tab or bar) is worked out."""
    rows = _csv_rows(text)
    return [sheet_text(rows)], [[rows] if rows else []]


def read_xls(data: bytes, xls2csv: str, seconds: float) -> tuple[list[str], list[list[Table]]]:
    """An Excel 97-2003 workbook through xls2csv, which ends each sheet with a form feed."""
    text = run_converter([xls2csv, "-d", "utf-8", "-q", "1"], data, ".xls", seconds, "Excel .xls")
    sheets = text.split("\f")
    while len(sheets) > 1 and not sheets[-1].strip():
        sheets.pop()
    pages, tables = [], []
    for sheet in sheets:
        rows = _csv_rows(sheet, delimiter=",")
        pages.append(sheet_text(rows))
        tables.append([rows] if rows else [])
    return pages, tables


def sheet_text(rows: Table, title: str = "") -> str:
    lines = [title] if title else []
    lines += ["\t".join(row) for row in rows]
    return "\n".join(lines)


def _delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the same number (> 1) of cells most often.

    csv.Sniffer gives up on short files with quoted cells, which is what replies look like.
    """
    sample = text[:16384].splitlines()[:50]
    best, best_score = ",", (0, 0)
    for candidate in ",;\t|":
        try:
            widths = [len(row) for row in csv.reader(sample, delimiter=candidate) if row]
        except csv.Error:
            continue
        if not widths:
            continue
        common = max(set(widths), key=widths.count)
        score = (widths.count(common), common) if common > 1 else (0, 0)
        if score > best_score:
            best, best_score = candidate, score
    return best


def _csv_rows(text: str, delimiter: str | None = None) -> Table:
    delimiter = delimiter or _delimiter(text)
    rows: Table = []
    try:
        for row in csv.reader(io.StringIO(text), delimiter=delimiter):
            cells = _trimmed([" ".join(cell.split()) for cell in row[:MAX_SHEET_COLUMNS]])
            if cells:
                rows.append(cells)
            if len(rows) >= MAX_SHEET_ROWS:
                break
    except csv.Error:  # a field past csv's size limit or a stray NUL: keep the rows read
        pass
    return rows


def _trimmed(cells: list[str]) -> list[str]:
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime) and value.time() == time(0, 0):
        return value.date().isoformat()
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return " ".join(str(value).split())
