"""Scanned replies are read by OCR when tesseract is installed, and clearly marked when not.

Uses the corpus's real scans: a police custody script with no text layer at all, and a
council's signed letter whose text layer is unmapped glyph codes. `make test` installs the
tools (scripts/install-tools); without them the OCR tests are skipped locally and fail in CI.
"""

from __future__ import annotations

import os
import time

import pytest

from campaign.parsing.documents import extract_text
from campaign.parsing.ocr import find_tesseract

from .factories import CORPUS, make_pdf

HANG_GUARD_SECONDS = 120  # OCR of a page takes a second or two; this only catches a hang

installed = pytest.mark.skipif(
    find_tesseract() is None and os.environ.get("CI") != "true",
    reason="tesseract is not installed (scripts/install-tools)",
)


@installed
def test_scanned_letter_is_read_by_ocr_with_its_pages():
    data = (CORPUS / "originals" / "djl-manchester-sol-aycbwb.pdf").read_bytes()
    started = time.monotonic()
    extracted = extract_text(data, "response.pdf")
    assert time.monotonic() - started < HANG_GUARD_SECONDS
    assert extracted.method == "ocr"
    assert not extracted.needs_ocr
    assert extracted.ocr_pages == [1, 2, 3]
    assert extracted.unread_pages == []
    assert "Reference Number: SOL/AYCBWB" in extracted.pages[0]
    assert "Manchester City" in extracted.pages[0]
    assert all(page.strip() for page in extracted.pages)


@installed
def test_scanned_script_without_text_layer_is_read_by_ocr():
    data = (CORPUS / "documents" / "script-for-custody-officers.pdf").read_bytes()
    extracted = extract_text(data, "script.pdf")
    assert extracted.method == "ocr"
    assert extracted.ocr_pages == [1, 2, 3, 4]
    assert "Checkpoint" in extracted.pages[0]


@installed
def test_second_scan_of_the_released_documents_is_read_by_ocr():
    path = CORPUS / "documents" / "pid.pdf"
    extracted = extract_text(path.read_bytes(), path.name)
    assert extracted.method == "ocr"
    assert len(extracted.ocr_pages) == len(extracted.pages) == 9
    assert sum(len(page.split()) for page in extracted.pages) > 500


@installed
def test_text_pdf_is_not_sent_to_ocr():
    extracted = extract_text(make_pdf([["Our ref: FOI 1", "We do not hold this."]]), "r.pdf")
    assert extracted.method == "pdfium"
    assert extracted.ocr_pages == []


@installed
def test_ocr_stops_at_its_time_limit_and_says_which_pages_are_unread():
    data = (CORPUS / "originals" / "djl-manchester-sol-aycbwb.pdf").read_bytes()
    extracted = extract_text(data, "response.pdf", ocr_timeout_seconds=1)
    assert extracted.needs_ocr
    assert extracted.unread_pages == [1, 2, 3]
    assert extracted.note == "3 pages look scanned and have no text: OCR stopped after 1 seconds"


@pytest.mark.parametrize(
    "path",
    [
        CORPUS / "originals" / "djl-manchester-sol-aycbwb.pdf",
        CORPUS / "documents" / "script-for-custody-officers.pdf",
    ],
    ids=lambda path: path.name,
)
def test_without_tesseract_a_scan_is_marked_needs_ocr_with_what_to_install(
    path, monkeypatch, tmp_path
):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty PATH: no tesseract to be found
    extracted = extract_text(path.read_bytes(), path.name)
    assert extracted.needs_ocr
    assert extracted.method == "pdfium"
    assert not extracted.text.strip()
    assert extracted.unread_pages == list(range(1, len(extracted.pages) + 1))
    assert "look scanned and have no text: OCR is not installed" in extracted.note
    assert "tesseract-ocr" in extracted.note
