"""The extraction process: reads untrusted documents under a memory ceiling, one after another.

extraction_pool.py starts this file as `python -I extraction_worker.py MEMORY_MB`. Before any
document library is imported the process limits its own address space (RLIMIT_AS), so a
decompression bomb makes an allocation fail here, never in the worker that reads the inbox.
It then serves jobs over its standard input and output until the input closes. A job is a
frame: a JSON header ({"kind": "pdf" | "ocr" | "docx" | "xlsx" | "pptx" | "odt" | "ole", ...})
and the file's bytes (for a large PDF the header names a private temporary file instead). The
answer is a JSON frame {"result": {...}} or {"error": ..., "reason": ...}, always with the
process's peak resident memory and the CPU time it has used so far. Answers are JSON, never
pickle, so a process subverted by a hostile file cannot run code in the parent by what it sends
back.

Only the reading modules of campaign.parsing are loaded: the `campaign` package itself (which
imports Flask) is never initialised here.
"""

from __future__ import annotations

import json
import resource
import struct
import sys
import types
from pathlib import Path
from typing import Any, BinaryIO

_LENGTHS = struct.Struct(">II")  # header length, payload length
MAX_HEADER = 16 * 1024 * 1024


def write_frame(stream: BinaryIO, header: dict[str, Any], payload: bytes = b"") -> None:
    """One message: the two lengths, the JSON header, then the raw payload."""
    encoded = json.dumps(header, separators=(",", ":")).encode()
    stream.write(_LENGTHS.pack(len(encoded), len(payload)))
    stream.write(encoded)
    if payload:
        stream.write(payload)
    stream.flush()


def read_frame(stream: BinaryIO) -> tuple[dict[str, Any], bytearray] | None:
    """The next message, or None when the other side has closed the pipe.

    The payload is read straight into one buffer: a 50 MB attachment costs 50 MB, not twice.
    """
    lengths = _read_exactly(stream, _LENGTHS.size)
    if lengths is None:
        return None
    header_length, payload_length = _LENGTHS.unpack(lengths)
    if header_length > MAX_HEADER:
        raise ValueError("extraction message header too long")
    header = _read_exactly(stream, header_length)
    payload = _read_exactly(stream, payload_length)
    if header is None or payload is None:
        return None
    return json.loads(header), payload


def _read_exactly(stream: BinaryIO, size: int) -> bytearray | None:
    buffer = bytearray(size)
    view, done = memoryview(buffer), 0
    while done < size:
        count = stream.readinto(view[done:])
        if not count:
            return None
        done += count
    view.release()
    return buffer


# --- inside the extraction process ------------------------------------------------------------


def _limit_memory(megabytes: int) -> None:
    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _reading_modules_only() -> None:
    """Make `campaign.parsing.x` importable without running the packages' __init__ files."""
    parsing = Path(__file__).resolve().parent
    for name, folder in (("campaign", parsing.parent), ("campaign.parsing", parsing)):
        package = types.ModuleType(name)
        package.__path__ = [str(folder)]
        sys.modules[name] = package


def _read(kind: str, data: bytearray, job: dict[str, Any]) -> dict[str, Any]:
    source: bytearray | Path = Path(job["path"]) if job.get("path") else data
    if kind == "pdf":
        from campaign.parsing.pdf_text import read_pdf

        engine, first, last = job.get("engine", "pdfium"), job.get("first", 0), job.get("last")
        count_past = job.get("count_past")
        return read_pdf(source, job["max_pages"], engine, first, last, count_past).to_json()
    if kind == "ocr":
        from campaign.parsing.ocr import recognise_pages

        recognised = recognise_pages(
            source, job["pages"], job["tesseract"], job["seconds"], job["page_seconds"]
        )
        return recognised.to_json()
    if kind == "ole":
        from campaign.parsing.legacy_office import read_legacy

        method, pages, tables = read_legacy(
            data, job.get("catppt"), job.get("xls2csv"), job["seconds"]
        )
        return {"method": method, "pages": pages, "tables": tables}
    if kind == "docx":
        from campaign.parsing.word_files import read_docx as reader
    elif kind == "odt":
        from campaign.parsing.word_files import read_odt as reader
    elif kind == "xlsx":
        from campaign.parsing.spreadsheets import read_xlsx as reader
    elif kind == "pptx":
        from campaign.parsing.slides import read_pptx as reader
    else:
        raise ValueError(f"unknown extraction job {kind!r}")
    pages, tables = reader(data)
    return {"pages": pages, "tables": tables}


def _peak_rss_kb() -> int:
    """This process's own peak resident memory.

    Not getrusage's ru_maxrss: Linux keeps that across exec, so a process started from a large
    worker would report the worker's peak and be retired after every job.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _cpu_seconds() -> float:
    """CPU time this process and the helpers it waited for (tesseract, converters) have used."""
    used = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        used += usage.ru_utime + usage.ru_stime
    return used


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


def _failure(error: BaseException, memory_mb: int) -> dict[str, str]:
    text = f"{type(error).__name__}: {error}"
    lowered = text.lower()
    if (
        isinstance(error, MemoryError)
        or "memory" in lowered
        or "failed to map" in lowered
        or _near_memory_limit(memory_mb)
    ):
        return {"error": "memory", "reason": text}
    if "password" in lowered or "encrypt" in lowered or "security" in lowered:
        return {"error": "password", "reason": text}
    return {"error": "damaged", "reason": text}


def serve(memory_mb: int, source: BinaryIO, sink: BinaryIO) -> None:
    """Answer jobs until the parent closes the pipe; stop after running out of memory."""
    from campaign.parsing.extracted import UnreadableDocument

    while True:
        job = read_frame(source)
        if job is None:
            return
        header, data = job
        try:
            answer: dict[str, Any] = {"result": _read(header["kind"], data, header)}
        except UnreadableDocument as reason:
            answer = {"error": "unreadable", "reason": str(reason)}
        except Exception as error:  # MemoryError included: every failure becomes a reason
            answer = _failure(error, memory_mb)
        del data, job
        answer["peak_rss_kb"] = _peak_rss_kb()
        answer["cpu_s"] = _cpu_seconds()
        write_frame(sink, answer)
        if answer.get("error") == "memory":
            return  # the heap may be in pieces: the pool starts a fresh process


def main(argv: list[str]) -> int:
    memory_mb = int(argv[1])
    _limit_memory(memory_mb)
    _reading_modules_only()
    from campaign.parsing.pdf_text import warm_up

    warm_up()
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a library's stray print must not corrupt the answers
    serve(memory_mb, source, sink)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
