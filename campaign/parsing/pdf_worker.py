"""Extract PDF text in a child process with a memory ceiling; run as a script, not imported.

PDF libraries decompress streams without limit (a 1.2 KB file can claim 800 MB), so the parent
(`documents.extract_text`) runs this file with `python -I pdf_worker.py ENGINE MAX_PAGES MEMORY_MB`,
writes the PDF to stdin and reads one JSON object from stdout:
{"pages": [...], "page_count": N} or {"error": "password" | "damaged" | "memory", "detail": "..."}.
The address-space limit is set before any PDF library is imported. This file deliberately imports
nothing from the campaign package, so starting it does not load Flask.
"""

from __future__ import annotations

import json
import resource
import sys


def _limit_memory(megabytes: int) -> None:
    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _pdfium_pages(data: bytes, max_pages: int) -> tuple[list[str], int]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        count = len(pdf)
        pages = []
        for index in range(min(count, max_pages)):
            page = pdf[index]
            textpage = page.get_textpage()
            pages.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return pages, count
    finally:
        pdf.close()


def _pdfplumber_pages(data: bytes, max_pages: int) -> tuple[list[str], int]:
    import io

    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        count = len(pdf.pages)
        return [page.extract_text() or "" for page in pdf.pages[:max_pages]], count


def _near_memory_limit(megabytes: int) -> bool:
    """PDFium reports a failed allocation as a format error; the peak size tells them apart."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmPeak:"):
                    return int(line.split()[1]) >= megabytes * 1024 * 0.9
    except (OSError, ValueError, IndexError):
        pass
    return False


def _classify(error: BaseException, memory_mb: int) -> dict[str, str]:
    text = f"{type(error).__name__}: {error}"
    lowered = text.lower()
    if (
        isinstance(error, MemoryError | ImportError)
        or "memory" in lowered
        or "failed to map" in lowered
        or _near_memory_limit(memory_mb)
    ):
        return {"error": "memory", "detail": text}
    if "password" in lowered or "encrypt" in lowered or "security" in lowered:
        return {"error": "password", "detail": text}
    return {"error": "damaged", "detail": text}


def main(argv: list[str]) -> int:
    engine, max_pages, memory_mb = argv[1], int(argv[2]), int(argv[3])
    _limit_memory(memory_mb)
    data = sys.stdin.buffer.read()
    try:
        extract = _pdfplumber_pages if engine == "pdfplumber" else _pdfium_pages
        pages, count = extract(data, max_pages)
        result: dict[str, object] = {"pages": pages, "page_count": count}
    except Exception as error:  # MemoryError included: every failure becomes a reason
        result = dict(_classify(error, memory_mb))
    sys.stdout.write(json.dumps(result))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
