"""Hostile and broken files cost one attachment each; the extraction processes carry on.

Every case here is a real file built byte by byte (no stand-ins for our own code): a
decompression bomb, a page tree that contains itself, exponentially nested drawings, zip
bombs, XML entity expansion, damaged and password-protected files. Each must give
UnreadableDocument with its reason, and the same pool must read the next file at once.
Time checks are hang guards only (20 s); speed is measured in bench/parse.py.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from campaign.parsing.documents import UnreadableDocument, extract_text
from campaign.parsing.extraction_pool import ExtractionPool

from .factories import (
    make_docx,
    make_encrypted_pdf,
    make_pdf,
    make_pdf_bomb,
    make_xlsx,
    pdf_from_objects,
)

HANG_GUARD_SECONDS = 20
LETTER = [["Our ref: FOI/2018/1234", "We do not hold this information."]]


@pytest.fixture
def pool():
    pool = ExtractionPool(size=2)
    yield pool
    pool.close()


def read(data: bytes, name: str, pool: ExtractionPool, **options):
    return extract_text(data, name, pool=pool, ocr=False, **options)


def assert_pool_still_reads(pool: ExtractionPool) -> None:
    assert "We do not hold this information." in read(make_pdf(LETTER), "next.pdf", pool).text


# --- hostile files ----------------------------------------------------------------------------


def make_self_containing_page_tree() -> bytes:
    """A Pages node whose Kids list is itself: a naive walk never ends."""
    return pdf_from_objects(
        [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"]
    )


def make_nested_drawings(depth: int) -> bytes:
    """Each drawing draws the next one twice: 2**depth drawings from a file of a few KB."""
    font = 5 + depth
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /XObject << /X 5 0 R >> >> >>",
        b"<< /Length 19 >>\nstream\nq /X Do Q q /X Do Q\nendstream",
    ]
    for level in range(depth):
        if level < depth - 1:
            body, resources = b"/X Do /X Do", b"<< /XObject << /X %d 0 R >> >>" % (6 + level)
        else:
            body, resources = b"BT /F1 1 Tf (ab) Tj ET", b"<< /Font << /F1 %d 0 R >> >>" % font
        objects.append(
            b"<< /Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources "
            + resources
            + b" /Length %d >>\nstream\n" % len(body)
            + body
            + b"\nendstream"
        )
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    return pdf_from_objects(objects)


def make_dense_text_pdf(lines: int) -> bytes:
    """One page of `lines` x 100 tiny characters: slow for a layout engine such as pdfminer."""
    shown = " ".join(f"({'x' * 100}) Tj T*" for _ in range(lines))
    stream = f"BT /F1 2 Tf 2 TL 10 830 Td {shown} ET".encode()
    return pdf_from_objects(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
    )


def replace_part(data: bytes, name: str, content: bytes | None = None, *, chunks=()) -> bytes:
    """An Office file with one part replaced by `content`, or streamed from `chunks`."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        for item in source.infolist():
            if item.filename != name:
                target.writestr(item, source.read(item))
        if content is not None:
            target.writestr(name, content)
        else:
            with target.open(name, "w", force_zip64=True) as part:
                for chunk in chunks:
                    part.write(chunk)
    return buffer.getvalue()


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">'
        % (level, (b"&lol%d;" % (level - 1) if level > 1 else b"&lol;") * 10)
        for level in range(1, 10)
    )
    + b"]>\n"
)


def test_decompression_bomb_stops_at_the_memory_ceiling(pool):
    with pytest.raises(UnreadableDocument, match="PDF needs more memory than 100 MB to read"):
        read(make_pdf_bomb(200), "bomb.pdf", pool, memory_limit_mb=100)
    assert_pool_still_reads(pool)


def test_page_tree_that_contains_itself_is_damaged(pool):
    started = time.monotonic()
    with pytest.raises(UnreadableDocument, match="PDF is damaged"):
        read(make_self_containing_page_tree(), "loop.pdf", pool)
    assert time.monotonic() - started < HANG_GUARD_SECONDS
    assert_pool_still_reads(pool)


def test_exponentially_nested_drawings_stop_at_the_time_limit(pool):
    started = time.monotonic()
    with pytest.raises(UnreadableDocument, match="PDF took longer than 1 seconds to read"):
        read(make_nested_drawings(18), "nested.pdf", pool, timeout_seconds=1)
    assert time.monotonic() - started < HANG_GUARD_SECONDS
    assert_pool_still_reads(pool)


def test_slow_layout_reading_stops_at_the_time_limit(pool):
    started = time.monotonic()
    with pytest.raises(UnreadableDocument, match="PDF took longer than 1 seconds to read"):
        read(
            make_dense_text_pdf(1000), "dense.pdf", pool, pdf_engine="pdfplumber", timeout_seconds=1
        )
    assert time.monotonic() - started < HANG_GUARD_SECONDS
    assert_pool_still_reads(pool)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (make_pdf(LETTER)[:300], "PDF is damaged"),
        (b"%PDF-1.7\n" + bytes(range(256)) * 8, "PDF is damaged"),
        (make_encrypted_pdf(), "PDF is password-protected"),
    ],
    ids=["truncated", "garbage-after-header", "password"],
)
def test_damaged_or_locked_pdf_says_why(pool, data, reason):
    with pytest.raises(UnreadableDocument, match=reason):
        read(data, "reply.pdf", pool)
    assert_pool_still_reads(pool)


def test_word_zip_bomb_stops_at_the_memory_ceiling(pool):
    docx = make_docx(["Our ref: FOI 1"])
    bomb = replace_part(docx, "word/document.xml", chunks=[b" " * (1 << 20)] * 250)
    assert len(bomb) < 2_000_000
    with pytest.raises(UnreadableDocument, match="Word file needs more memory than 200 MB"):
        read(bomb, "bomb.docx", pool, memory_limit_mb=200)
    assert_pool_still_reads(pool)


def test_excel_zip_bomb_stops_at_the_memory_ceiling(pool):
    xlsx = make_xlsx({"Sheet": [["Supplier", "Xantura"]]})
    sheet = [
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
    ]
    sheet += [b"A" * (1 << 20)] * 250 + [b"</t></is></c></row></sheetData></worksheet>"]
    bomb = replace_part(xlsx, "xl/worksheets/sheet1.xml", chunks=sheet)
    with pytest.raises(UnreadableDocument, match="Excel file needs more memory than 200 MB"):
        read(bomb, "bomb.xlsx", pool, memory_limit_mb=200)
    assert_pool_still_reads(pool)


def test_office_file_declaring_more_than_300_mb_is_refused_unopened(pool):
    bomb = replace_part(make_docx(["x"]), "word/media/blank.bin", chunks=[bytes(1 << 20)] * 301)
    with pytest.raises(UnreadableDocument, match="unpacks to more than 300 MB"):
        read(bomb, "bomb.docx", pool)


def test_office_part_larger_than_its_declared_size_is_damaged(pool):
    docx = make_docx(["Our ref: FOI 1", "Dear Sir"])
    honest = zipfile.ZipFile(io.BytesIO(docx)).getinfo("word/document.xml")
    lying = bytearray(docx)
    # Shrink the sizes the central directory declares for document.xml to a tenth.
    entry = lying.rindex(b"PK\x01\x02", 0, lying.rindex(b"word/document.xml"))
    lying[entry + 24 : entry + 28] = (honest.file_size // 10).to_bytes(4, "little")
    with pytest.raises(UnreadableDocument, match="damaged"):
        read(bytes(lying), "lying.docx", pool)
    assert_pool_still_reads(pool)


@pytest.mark.parametrize(
    ("build", "name"),
    [
        (
            lambda: replace_part(make_docx(["x"]), "word/document.xml", BILLION_LAUGHS + b"<a/>"),
            "r.docx",
        ),
        (
            lambda: replace_part(
                make_xlsx({"Sheet": [["x"]]}), "xl/worksheets/sheet1.xml", BILLION_LAUGHS + b"<a/>"
            ),
            "r.xlsx",
        ),
        (
            lambda: replace_part(
                make_docx(["x"]),
                "word/document.xml",
                (BILLION_LAUGHS.decode() + "<a/>").encode("utf-16"),
            ),
            "utf16.docx",
        ),
    ],
    ids=["word", "excel", "word-utf16"],
)
def test_xml_entity_expansion_is_refused(pool, build, name):
    with pytest.raises(UnreadableDocument, match="declares XML entities; refused as unsafe"):
        read(build(), name, pool)
    assert_pool_still_reads(pool)


# --- the pool itself --------------------------------------------------------------------------


def test_processes_are_started_once_and_reused(pool):
    for number in range(6):
        read(make_pdf([[f"Letter number {number} about the council's systems"]]), "a.pdf", pool)
        read(make_docx([f"Word letter number {number}"]), "a.docx", pool)
    assert pool.started == 1
    assert 0 < pool.peak_rss_mb < 300


def test_several_threads_read_at_once_while_a_bomb_goes_off(pool):
    def job(number: int) -> str:
        if number == 3:
            try:
                read(make_pdf_bomb(200), "bomb.pdf", pool, memory_limit_mb=100)
            except UnreadableDocument as reason:
                return str(reason)
        lines = [f"Reply {number}: the council does not hold this information."]
        return read(make_pdf([lines, [f"Page two of reply {number}"]]), "r.pdf", pool).text

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=6) as threads:
        texts = list(threads.map(job, range(12)))
    assert time.monotonic() - started < HANG_GUARD_SECONDS
    assert texts[3] == "PDF needs more memory than 100 MB to read"
    for number, text in enumerate(texts):
        if number != 3:
            assert f"Reply {number}: the council" in text
            assert f"Page two of reply {number}" in text
    assert pool.started <= 4  # two slots; the bomb's process and the 100 MB one are replaced


def test_a_forked_worker_starts_its_own_processes(pool):
    assert_pool_still_reads(pool)
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the forked copy
        try:
            text = read(make_pdf(LETTER), "forked.pdf", pool).text
            os._exit(0 if "do not hold" in text and pool.started == 1 else 1)
        except BaseException:
            os._exit(2)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert_pool_still_reads(pool)
    assert pool.started == 1


def _our_extraction_processes() -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == os.getpid() and b"extraction_worker.py" in command:
            found.add(int(entry.name))
    return found


def test_closing_the_pool_stops_its_processes():
    pool = ExtractionPool(size=2)
    before = _our_extraction_processes()
    with ThreadPoolExecutor(max_workers=2) as threads:
        list(threads.map(lambda _: assert_pool_still_reads(pool), range(4)))
    assert _our_extraction_processes() - before
    pool.close()
    assert not _our_extraction_processes() - before


def test_long_pdf_read_in_page_ranges_keeps_every_page_in_order(pool):
    pages = [[f"Page {number} of the released report"] for number in range(1, 121)]
    extracted = read(make_pdf(pages), "report.pdf", pool)
    assert len(extracted.pages) == 120
    assert all(f"Page {n} of the released report" in extracted.pages[n - 1] for n in range(1, 121))
    # The ranges share the pool's processes; whether the second starts depends on timing.
    assert 1 <= pool.started <= pool.size


def test_large_pdf_reaches_the_processes_as_a_file_and_reads_the_same(pool):
    letter = make_pdf([*LETTER, ["Annex: a large embedded file follows"]])
    # An unreferenced 9 MB stream makes the file large without changing what it shows.
    padding = (
        b"9 0 obj\n<< /Length 9437184 >>\nstream\n" + bytes(9 << 20) + b"\nendstream\nendobj\n"
    )
    large = letter.replace(b"xref\n", padding + b"xref\n", 1)
    large = large.replace(  # the cross-reference table moved: let PDFium rebuild it
        large[large.rindex(b"startxref") :], b"startxref\n0\n%%EOF\n"
    )
    assert len(large) > 9_000_000
    extracted = read(large, "large.pdf", pool)
    assert extracted.pages[0] == read(letter, "small.pdf", pool).pages[0]
    assert "Annex: a large embedded file follows" in extracted.pages[1]


def test_a_pool_in_a_large_worker_keeps_its_processes():
    """A child's peak is its own: Linux carries a process's peak RSS across exec, so a child of
    a large worker used to report the worker's peak and be replaced after every document."""
    script = """
big = bytearray(500 * 1024 * 1024)
for index in range(0, len(big), 4096):
    big[index] = 1
from campaign.parsing.documents import extract_text
from campaign.parsing.extraction_pool import ExtractionPool
from tests.parsing.factories import make_pdf
pool = ExtractionPool(size=2)
for number in range(4):
    extract_text(make_pdf([["Freedom of Information letter", str(number)]]), "a.pdf", pool=pool)
print(pool.started, round(pool.peak_rss_mb))
pool.close()
"""
    root = Path(__file__).resolve().parents[2]
    finished = subprocess.run(
        [sys.executable, "-c", script],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=HANG_GUARD_SECONDS * 3,
        check=True,
    )
    started, peak_mb = map(int, finished.stdout.split())
    assert started == 1 and peak_mb < 200
