"""Debian's command-line converters for legacy Office files, run on a private temporary copy.

catdoc's `catppt` and `xls2csv` read PowerPoint and Excel 97-2003 files, which no Python
library we depend on reads. They run from the extraction process, so they inherit its memory
ceiling, and they get their own time limit; a converter that fails is a reason, not a crash.
The programs are found by the parent process (`find_converter`) and passed in by path.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from campaign.parsing.extracted import UnreadableDocument

CATDOC_HINT = "install Debian's catdoc package (scripts/install-tools)"


def find_converter(name: str) -> str | None:
    """The converter program on PATH, or None when catdoc is not installed."""
    return shutil.which(name)


def run_converter(command: list[str], data: bytes, suffix: str, seconds: float, label: str) -> str:
    """The converter's standard output for `data` (written to a temporary file) as text."""
    with tempfile.TemporaryDirectory(prefix="campaign-convert-") as folder:
        path = Path(folder) / f"document{suffix}"
        path.write_bytes(data)
        try:
            finished = subprocess.run(
                [*command, str(path)],
                capture_output=True,
                timeout=seconds,
                check=False,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            raise UnreadableDocument(
                f"{label} took longer than {seconds:g} seconds to read"
            ) from None
        except OSError as error:
            raise UnreadableDocument(f"{label}: {Path(command[0]).name} failed ({error})") from None
    if finished.returncode != 0:
        raise UnreadableDocument(f"{label} is damaged and cannot be read")
    return finished.stdout.decode("utf-8", "replace")
