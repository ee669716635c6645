"""Benchmark: reading PDFs into text and answers, against `pdftotext -layout` on the same files.

    python bench/parse.py [DIR] [--workers 2] [--repeat 3] [--ocr] [--no-sample]
    python bench/parse.py --make-sample FILE [--sample-pages 300]

"Ours" is what the worker does for each PDF in DIR: `extract_text` (the capped extraction
process: PDFium text, ruled tables, scanned pages marked) then `analyse_reply` with the seven
questions of the 2018 data-analytics request (tests/fixtures/corpus/questions.txt), so the
answers are produced too. It runs in `--workers` processes, each with its own extraction
processes (as many as its pool holds) started before timing, as in a long-running worker.
The baseline, timed in the same run, is `pdftotext -layout FILE -` on the same files with the
same number of worker processes (text only, no answers, a new process per file as the
command works). Files go largest first to both. Each side runs `--repeat` times,
interleaved; the best run counts. Pages are the PDFs' page counts. OCR is off unless
`--ocr`: pdftotext has none, so scanned pages are counted (`unread_pages`) but not read.

After DIR (or alone, when DIR is omitted) the bench reads a generated 300-page text PDF the
same way and reports it separately (`sample`). `--sample-kind report` (the default) writes a
long FOI release: a running header, numbered headings, paragraphs set word by word as word
processors write them (Times, kerned TJ arrays), a ruled answers table every fifth page, and
page numbers. `corpus` repeats the text pages of the corpus's real documents (embedded fonts,
pictures, charts; tests/fixtures/corpus); `plain` is one
Helvetica paragraph per page. `peak_mb` is the largest resident memory one
reading pipeline used: a worker process's peak plus the peaks of every extraction process it
started (a long PDF is read by two at once), an upper bound; `peak_total_mb` adds up all
workers' pipelines. `ours_cpu_s` and `pdftotext_cpu_s` are the CPU seconds each side's
processes used in its least costly run (workers and extraction processes; the pdftotext
processes), and `cpu_ratio` compares them: wall-clock figures on a machine shared with other
work swing by tens of percent from run to run, CPU time much less. The last line is one JSON
object.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from campaign.parsing.documents import extract_text  # noqa: E402
from campaign.parsing.extraction_pool import shared_pool  # noqa: E402
from campaign.parsing.reply import analyse_reply  # noqa: E402

QUESTIONS_FILE = ROOT / "tests" / "fixtures" / "corpus" / "questions.txt"
SAMPLE_SOURCES = [
    ROOT / "tests" / "fixtures" / "corpus" / "originals",
    ROOT / "tests" / "fixtures" / "corpus" / "documents",
]
_QUESTIONS: list[str] = []
_OCR = False
# Workers are fresh interpreters, as `campaign worker` processes are: a forked copy of this
# process would count the memory the bench used to build its sample as the worker's own.
_FRESH = multiprocessing.get_context("spawn")


@dataclass
class Figures:
    """One side's best run over a set of files."""

    pages: int
    seconds: float
    peak_mb: float = 0.0
    peak_total_mb: float = 0.0
    extract_seconds: float = 0.0
    analyse_seconds: float = 0.0
    unread_pages: int = 0
    tables: int = 0
    cpu_seconds: float = 0.0

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


# --- our pipeline, in worker processes ---------------------------------------------------------


def _start_worker(questions: list[str], ocr: bool) -> None:
    """Load the parser and start this worker's extraction process before anything is timed."""
    global _OCR
    _QUESTIONS[:] = questions
    _OCR = ocr
    # As many jobs at once as the pool holds processes, so all of them are running, as in a
    # worker that has already read a long PDF (which is read by several at once).
    size = shared_pool().size
    with ThreadPoolExecutor(size) as threads:
        warm = list(
            threads.map(lambda _: extract_text(_tiny_pdf(), "warm.pdf", ocr=False), range(size))
        )
    analyse_reply(documents=[("warm.pdf", warm[0])], questions=_QUESTIONS)


def _warm(_: int) -> tuple[int, float]:
    time.sleep(0.3)  # long enough for every worker to take one and start
    return os.getpid(), _pipeline_cpu_seconds()


def _pipeline_cpu_seconds() -> float:
    """CPU time this worker and its extraction processes have used so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime + shared_pool().cpu_seconds


def _read_one(path: str, answers: bool = True) -> dict[str, float]:
    """Text and answers of one PDF, as the worker's reply processing does."""
    started = time.perf_counter()
    extracted = extract_text(Path(path).read_bytes(), Path(path).name, ocr=_OCR)
    read = time.perf_counter()
    if answers:
        analyse_reply(documents=[(Path(path).name, extracted)], questions=_QUESTIONS)
    return {
        "pid": os.getpid(),
        "extract_s": read - started,
        "analyse_s": time.perf_counter() - read,
        "unread": len(extracted.unread_pages),
        "tables": sum(len(tables) for tables in extracted.tables),
        "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "children_rss_kb": shared_pool().peak_rss_sum_mb * 1024,
        "cpu_s": _pipeline_cpu_seconds(),
    }


def run_ours(
    files: list[Path], pages: int, workers: int, ocr: bool, answers: bool = True
) -> Figures:
    questions = [line.strip() for line in QUESTIONS_FILE.read_text().splitlines() if line.strip()]
    with ProcessPoolExecutor(
        workers, _FRESH, initializer=_start_worker, initargs=(questions, ocr)
    ) as pool:
        cpu_before = dict(pool.map(_warm, range(workers)))
        started = time.perf_counter()
        paths = [str(path) for path in files]
        results = list(pool.map(_read_one, paths, [answers] * len(paths)))
        seconds = time.perf_counter() - started
    cpu_after: dict[int, float] = {}
    for result in results:
        cpu_after[result["pid"]] = max(cpu_after.get(result["pid"], 0.0), result["cpu_s"])
    peaks: dict[int, float] = {}
    for result in results:
        pipeline_kb = result["rss_kb"] + result["children_rss_kb"]
        peaks[result["pid"]] = max(peaks.get(result["pid"], 0.0), pipeline_kb)
    return Figures(
        pages=pages,
        seconds=seconds,
        peak_mb=max(peaks.values()) / 1024,
        peak_total_mb=sum(peaks.values()) / 1024,
        extract_seconds=sum(result["extract_s"] for result in results),
        analyse_seconds=sum(result["analyse_s"] for result in results),
        unread_pages=int(sum(result["unread"] for result in results)),
        tables=int(sum(result["tables"] for result in results)),
        cpu_seconds=sum(cpu_after[pid] - cpu_before.get(pid, 0.0) for pid in cpu_after),
    )


# --- pdftotext, the same way -------------------------------------------------------------------


def _pdftotext(path: str) -> float:
    """Run pdftotext on one file; the CPU seconds it used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(["pdftotext", "-layout", path, "-"], capture_output=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def run_pdftotext(files: list[Path], pages: int, workers: int) -> Figures:
    with ProcessPoolExecutor(workers, _FRESH) as pool:
        list(pool.map(_pdftotext, [str(files[-1])] * workers))  # libraries into the page cache
        started = time.perf_counter()
        cpu = sum(pool.map(_pdftotext, [str(path) for path in files]))
        seconds = time.perf_counter() - started
    return Figures(pages=pages, seconds=seconds, cpu_seconds=cpu)


# --- files and the sample ------------------------------------------------------------------------


def page_count(path: Path) -> int:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(path)
    except pdfium.PdfiumError:
        return 0
    try:
        return len(pdf)
    finally:
        pdf.close()


def make_sample(target: Path, pages: int, kind: str) -> Path:
    """A `pages`-page PDF of the given kind (see the module notes)."""
    import pypdfium2 as pdfium

    if kind == "report":
        target.write_bytes(_report_pdf(pages))
        return target
    sources = _text_pages() if kind == "corpus" else []
    if not sources:
        target.write_bytes(_plain_pdf(pages))
        return target
    sample = pdfium.PdfDocument.new()
    opened: dict[Path, pdfium.PdfDocument] = {}
    try:
        for number in range(pages):
            path, index = sources[number % len(sources)]
            if path not in opened:
                opened[path] = pdfium.PdfDocument(path)
            sample.import_pages(opened[path], [index])
        sample.save(target)
    finally:
        for pdf in opened.values():
            pdf.close()
        sample.close()
    return target


_VOCABULARY = (
    "council data system risk model children family services analytics predictive information "
    "request freedom act section exemption review officer team report evaluation contract "
    "supplier software platform assessment training manual briefing notes outputs produced staff "
    "visualisation promotional material impact public interest held published website reference"
)
_WORDS = _VOCABULARY.split()


def _report_pdf(pages: int, seed: int = 2018) -> bytes:
    """A long FOI release in base-14 fonts: see the module notes for what each page holds."""
    sys.path.insert(0, str(ROOT / "tests" / "parsing"))
    from factories import pdf_from_objects

    rng = random.Random(seed)
    fonts = 3 + 2 * pages
    kids = " ".join(f"{3 + 2 * index} 0 R" for index in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
    ]
    for index in range(pages):
        stream = _report_page(rng, index + 1, pages)
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {4 + 2 * index} 0 R "
            f"/Resources << /Font << /F1 {fonts} 0 R /F2 {fonts + 1} 0 R >> >> >>".encode()
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold >>")
    return pdf_from_objects(objects)


def _report_page(rng: random.Random, number: int, pages: int) -> bytes:
    ops = [
        "BT /F2 8 Tf 56 806 Td (Example Council - Freedom of Information release 2018/1234) Tj ET"
    ]
    y = 770
    if number % 3 == 1:
        ops.append(f"BT /F2 14 Tf 56 {y} Td ({number // 3 + 1}. Findings about the systems) Tj ET")
        y -= 28
    if number % 5 == 2:
        rows = [["Question", "Response", "Exemption"]] + [
            [f"Q{row}", rng.choice(["Held", "Not held"]), rng.choice(["none", "s21", "s43(2)"])]
            for row in range(1, 7)
        ]
        columns, top = [56, 206, 406, 540], y
        for row_number, row in enumerate(rows):
            line = top - 20 * row_number
            ops.append(f"56 {line - 0.5} 484 1 re f")
            for x, cell in zip(columns, row, strict=False):
                ops.append(f"BT /F1 10 Tf {x + 4} {line - 14} Td ({cell}) Tj ET")
        bottom = top - 20 * len(rows)
        ops.append(f"56 {bottom - 0.5} 484 1 re f")
        ops += [f"{x - 0.5} {bottom} 1 {top - bottom} re f" for x in columns]
        y = bottom - 24
    ops.append(f"BT /F1 11 Tf 13.5 TL 1 0 0 1 56 {y} Tm")
    for line in range(int((y - 70) / 13.5 * 0.9)):  # a blank line after every ninth
        words = [rng.choice(_WORDS) for _ in range(rng.randint(7, 10))]
        words[0] = words[0].capitalize()
        kerned = f" -{rng.randint(200, 320)} ".join(f"({word})" for word in words)
        ops.append(f"[{kerned}] TJ T*" + (" T*" if line % 9 == 8 else ""))
    ops.append("ET")
    ops.append(f"BT /F1 9 Tf 280 40 Td (Page {number} of {pages}) Tj ET")
    return "\n".join(ops).encode()


def _text_pages() -> list[tuple[Path, int]]:
    """(file, page index) of every corpus page with a text layer of real words."""
    import pypdfium2 as pdfium

    from campaign.parsing.pdf_text import is_readable

    found = []
    for folder in SAMPLE_SOURCES:
        for path in sorted(folder.glob("*.pdf")) if folder.is_dir() else []:
            pdf = pdfium.PdfDocument(path)
            try:
                for index in range(len(pdf)):
                    page = pdf[index]
                    textpage = page.get_textpage()
                    if is_readable(textpage.get_text_range()):
                        found.append((path, index))
                    textpage.close()
                    page.close()
            finally:
                pdf.close()
    return found


def _plain_pdf(pages: int) -> bytes:
    sys.path.insert(0, str(ROOT / "tests" / "parsing"))
    from factories import make_pdf

    line = "The council holds no briefing notes about algorithmic systems for this request"
    return make_pdf(
        [[f"{line} (page {page}, line {row})" for row in range(45)] for page in range(pages)]
    )


def _tiny_pdf() -> bytes:
    sys.path.insert(0, str(ROOT / "tests" / "parsing"))
    from factories import make_pdf

    return make_pdf([["Our ref: FOI 1", "We do not hold this information."]])


# --- the run ------------------------------------------------------------------------------------


def compare(
    files: list[Path], workers: int, repeat: int, ocr: bool
) -> tuple[Figures, Figures, Figures]:
    """Best runs of ours (text and answers), ours text only, and pdftotext, interleaved."""
    files = sorted(files, key=lambda path: path.stat().st_size, reverse=True)
    pages = sum(page_count(path) for path in files)
    ours_runs, text_runs, theirs_runs = [], [], []
    for _ in range(repeat):
        ours_runs.append(run_ours(files, pages, workers, ocr))
        text_runs.append(run_ours(files, pages, workers, ocr, answers=False))
        theirs_runs.append(run_pdftotext(files, pages, workers))
    ours = min(ours_runs, key=lambda figures: figures.seconds)
    ours.peak_mb = max(run.peak_mb for run in ours_runs)
    ours.peak_total_mb = max(run.peak_total_mb for run in ours_runs)
    ours.cpu_seconds = min(run.cpu_seconds for run in ours_runs)
    text = min(text_runs, key=lambda figures: figures.seconds)
    text.cpu_seconds = min(run.cpu_seconds for run in text_runs)
    theirs = min(theirs_runs, key=lambda figures: figures.seconds)
    theirs.cpu_seconds = min(run.cpu_seconds for run in theirs_runs)
    return ours, text, theirs


def report(
    title: str, files: int, ours: Figures, text: Figures, theirs: Figures
) -> dict[str, object]:
    ratio = ours.pages_per_s / theirs.pages_per_s if theirs.pages_per_s else 0.0
    text_ratio = text.pages_per_s / theirs.pages_per_s if theirs.pages_per_s else 0.0
    print(f"{title}: {files} PDFs, {ours.pages} pages")
    for name, figures in (
        ("ours, text + tables + answers", ours),
        ("ours, text + tables only", text),
        ("pdftotext -layout", theirs),
    ):
        print(f"  {name:30} {figures.pages_per_s:8.1f} pages/s  ({figures.seconds:.2f} s)")
    print(f"  ratio ours/pdftotext: {ratio:.2f} (text only: {text_ratio:.2f})")
    cpu_ratio = theirs.cpu_seconds / ours.cpu_seconds if ours.cpu_seconds else 0.0
    text_cpu_ratio = theirs.cpu_seconds / text.cpu_seconds if text.cpu_seconds else 0.0
    print(
        f"  CPU time: ours {ours.cpu_seconds:.2f} s (text only {text.cpu_seconds:.2f} s), "
        f"pdftotext {theirs.cpu_seconds:.2f} s; ratio {cpu_ratio:.2f} "
        f"(text only: {text_cpu_ratio:.2f})"
    )
    print(
        f"  peak memory: {ours.peak_mb:.0f} MB per worker and its extraction process, "
        f"{ours.peak_total_mb:.0f} MB for all; {ours.tables} tables; "
        f"{ours.unread_pages} scanned pages left unread"
    )
    return {
        "pages": ours.pages,
        "ours_pages_per_s": round(ours.pages_per_s, 1),
        "pdftotext_pages_per_s": round(theirs.pages_per_s, 1),
        "ratio": round(ratio, 2),
        "peak_mb": round(ours.peak_mb, 1),
        "peak_total_mb": round(ours.peak_total_mb, 1),
        "files": files,
        "tables": ours.tables,
        "unread_pages": ours.unread_pages,
        "ours_text_pages_per_s": round(text.pages_per_s, 1),
        "text_ratio": round(text_ratio, 2),
        "ours_cpu_s": round(ours.cpu_seconds, 3),
        "ours_text_cpu_s": round(text.cpu_seconds, 3),
        "pdftotext_cpu_s": round(theirs.cpu_seconds, 3),
        "cpu_ratio": round(cpu_ratio, 2),
        "text_cpu_ratio": round(text_cpu_ratio, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, help="folder of PDFs to read")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--ocr", action="store_true", help="OCR scanned pages (slow)")
    parser.add_argument("--no-sample", action="store_true", help="skip the 300-page sample")
    parser.add_argument("--make-sample", type=Path, metavar="FILE", help="write the sample, exit")
    parser.add_argument("--sample-pages", type=int, default=300)
    parser.add_argument("--sample-kind", choices=("report", "corpus", "plain"), default="report")
    args = parser.parse_args()
    if args.make_sample:
        made = make_sample(args.make_sample, args.sample_pages, args.sample_kind)
        print(f"{made}: {page_count(made)} pages")
        return
    if shutil.which("pdftotext") is None:
        sys.exit("pdftotext is not installed: run scripts/install-tools (Debian's poppler-utils)")
    print(
        f"{args.workers} worker processes, best of {args.repeat}, OCR {'on' if args.ocr else 'off'}"
    )
    figures: dict[str, object] = {"workers": args.workers}
    settings = (args.workers, args.repeat, args.ocr)
    if args.folder:
        files = sorted(args.folder.glob("*.pdf"))
        if not files:
            sys.exit(f"no PDFs in {args.folder}")
        figures.update(report(str(args.folder), len(files), *compare(files, *settings)))
    if not args.folder or not args.no_sample:
        with tempfile.TemporaryDirectory() as folder:
            sample = make_sample(
                Path(folder) / f"sample-{args.sample_pages}.pdf",
                args.sample_pages,
                args.sample_kind,
            )
            sampled = report(f"sample ({args.sample_kind})", 1, *compare([sample], *settings))
        if args.folder:
            figures["sample"] = sampled
        else:
            figures.update(sampled)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
