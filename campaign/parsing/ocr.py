"""OCR of scanned PDF pages with Debian's tesseract, page by page, inside the capped process.

Councils often print a signed reply and scan it back. Such pages have no text layer (or one
of unmapped glyph codes), so PDFium renders them to a greyscale image at 300 dpi and
`tesseract` reads it from a pipe. Each page is a separate tesseract run with its own time
limit, so one bad page costs that page, and page numbers stay those of the PDF.
Rendering happens in the extraction process (memory-capped) and tesseract inherits the cap.

tesseract is used directly rather than through ocrmypdf: ocrmypdf would hand the untrusted
PDF to Ghostscript, another large PDF interpreter, and rebuild a whole PDF to get the text.
Without tesseract (Debian packages `tesseract-ocr tesseract-ocr-eng`, see scripts/install-tools)
scanned pages stay empty and the document is marked as needing OCR.
"""

from __future__ import annotations

import functools
import math
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

DPI = 300
MAX_PIXELS = 40_000_000  # an A3 page at 300 dpi is 17.5 million; posters are scaled down
LANGUAGE = "eng"
INSTALL_HINT = "install Debian's tesseract-ocr and tesseract-ocr-eng (scripts/install-tools)"


def find_tesseract() -> str | None:
    """The tesseract program on PATH when it can read English, else None."""
    program = shutil.which("tesseract")
    if program is None:
        return None
    return program if LANGUAGE in _languages(program) else None


@functools.lru_cache(maxsize=8)
def _languages(program: str) -> frozenset[str]:
    try:
        listed = subprocess.run(
            [program, "--list-langs"], capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(line.strip() for line in listed.stdout.splitlines()[1:] if line.strip())


@dataclass
class Recognised:
    """Text per page index (from 0) that OCR read; pages it had no time for or gave up on."""

    texts: dict[int, str] = field(default_factory=dict)
    out_of_time: bool = False
    gave_up: list[int] = field(default_factory=list)  # indexes past the per-page limit

    def to_json(self) -> dict[str, object]:
        return {
            "texts": {str(index): text for index, text in self.texts.items()},
            "out_of_time": self.out_of_time,
            "gave_up": self.gave_up,
        }


def recognise_pages(
    data: bytes | bytearray | Path,
    indexes: list[int],
    tesseract: str,
    seconds: float,
    page_seconds: float,
) -> Recognised:
    """OCR the given pages of a PDF within `seconds` overall and `page_seconds` per page."""
    from campaign.parsing.pdf_text import open_pdf

    deadline = time.monotonic() + seconds
    result = Recognised()
    pdf = open_pdf(data)
    try:
        for index in indexes:
            remaining = deadline - time.monotonic()
            if remaining <= 1:
                result.out_of_time = True
                break
            image = _page_image(pdf, index)
            text = _tesseract(tesseract, image, min(page_seconds, remaining))
            if text is None:
                result.gave_up.append(index)
                continue
            result.texts[index] = text
    finally:
        pdf.close()
    return result


def _page_image(pdf, index: int) -> bytes:
    """One page as a binary PGM (greyscale) image, which tesseract reads from a pipe."""
    page = pdf[index]
    try:
        width, height = page.get_size()
        scale = DPI / 72
        if width * height * scale * scale > MAX_PIXELS:
            scale = math.sqrt(MAX_PIXELS / max(width * height, 1.0))
        bitmap = page.render(scale=scale, grayscale=True)
        try:
            raw = bytes(bitmap.buffer)
            columns, rows, stride = bitmap.width, bitmap.height, bitmap.stride
            if bitmap.n_channels != 1:
                raise ValueError("PDFium did not render in greyscale")
        finally:
            bitmap.close()
    finally:
        page.close()
    if stride != columns:
        raw = b"".join(raw[row * stride : row * stride + columns] for row in range(rows))
    return b"P5\n%d %d\n255\n" % (columns, rows) + raw


def _tesseract(program: str, image: bytes, seconds: float) -> str | None:
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "OMP_THREAD_LIMIT": "1",  # one page, one core: the worker reads other replies meanwhile
    }
    try:
        finished = subprocess.run(
            [program, "stdin", "stdout", "-l", LANGUAGE],
            input=image,
            capture_output=True,
            timeout=seconds,
            env=environment,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None
    if finished.returncode != 0:
        return ""
    return finished.stdout.decode("utf-8", "replace").replace("\f", "").strip()
