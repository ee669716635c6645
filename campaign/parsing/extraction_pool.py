"""A pool of long-lived extraction processes, each with a memory ceiling, used one job at a time.

Starting a Python process per PDF cost about 100 ms, more than reading a typical reply, so
processes (extraction_worker.py) are started when first needed and then reused. The parent
never parses an untrusted document itself, and whatever happens in a child costs one
document: a job that runs past its time limit has the child's whole process group killed
(converters and tesseract included); a child that dies or runs out of memory is replaced by a
fresh one on the next job. A child is also retired after many jobs or once it has grown
large, so memory fragmentation cannot build up over a long-running worker.

Safe with threads (the huey worker runs several): each job has a child to itself, and at most
`size` children run at once; other threads wait their turn. Safe after fork: a forked process
forgets its parent's children and starts its own. Children are stopped at exit.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from campaign.parsing.extracted import UnreadableDocument
from campaign.parsing.extraction_worker import MAX_HEADER, write_frame

_WORKER = Path(__file__).with_name("extraction_worker.py")
MAX_JOBS_PER_PROCESS = 500
RETIRE_ABOVE_MB = 400  # a child that has grown past this is replaced after its job


class _Lost(Exception):
    """The child gave no answer: `timeout`, it died reading the job (`died`), or it was
    already gone before the job reached it (`gone`)."""

    def __init__(self, how: str) -> None:
        super().__init__(how)
        self.how = how


@dataclass
class _Child:
    process: subprocess.Popen
    memory_mb: int
    jobs: int = 0

    @classmethod
    def start(cls, memory_mb: int) -> _Child:
        process = subprocess.Popen(
            [sys.executable, "-I", str(_WORKER), str(memory_mb)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, so a kill takes its helpers too
            close_fds=True,
        )
        return cls(process, memory_mb)

    def ask(self, header: dict[str, Any], payload: bytes, seconds: float) -> dict[str, Any]:
        """Send one job and wait up to `seconds` for the answer."""
        deadline = time.monotonic() + seconds
        self.jobs += 1
        try:
            write_frame(self.process.stdin, header, payload)
        except (BrokenPipeError, OSError):
            # Gone before it could read the job (killed while idle): not this document's doing.
            raise _Lost("gone") from None
        return self._answer(deadline)

    def _answer(self, deadline: float) -> dict[str, Any]:
        stream = self.process.stdout
        descriptor = stream.fileno()
        buffer = bytearray()
        needed = 8
        header_length = None
        with selectors.DefaultSelector() as selector:
            selector.register(descriptor, selectors.EVENT_READ)
            while len(buffer) < needed:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    raise _Lost("timeout")
                chunk = os.read(descriptor, max(needed - len(buffer), 65536))
                if not chunk:
                    raise _Lost("died")
                buffer += chunk
                if header_length is None and len(buffer) >= 8:
                    header_length = int.from_bytes(buffer[:4], "big")
                    if header_length > MAX_HEADER or int.from_bytes(buffer[4:8], "big"):
                        raise _Lost("died")  # not our protocol: treat the child as broken
                    needed = 8 + header_length
        return json.loads(bytes(buffer[8:needed]))

    def stop(self) -> None:
        """Ask the child to finish (close its input); kill its group if it does not."""
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        try:
            self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.kill()
            return
        self._close_output()

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        self.process.wait()
        self._close_output()

    def _close_output(self) -> None:
        with contextlib.suppress(OSError):
            self.process.stdout.close()

    def forget(self) -> None:
        """In a forked copy of the parent: drop the pipes without touching the child."""
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                stream.close()
        self.process.returncode = 0  # not ours to wait for


class ExtractionPool:
    """At most `size` capped extraction processes, started lazily and reused."""

    def __init__(self, size: int | None = None) -> None:
        self.size = size or max(2, os.cpu_count() or 2)
        self._lock = threading.Lock()
        self._free = threading.Condition(self._lock)
        self._idle: list[_Child] = []
        self._alive = 0
        self._owner = os.getpid()
        self._peaks: dict[int, int] = {}  # child pid -> peak resident memory, KB
        self._cpu: dict[int, float] = {}  # child pid -> CPU seconds used so far
        self._started = 0
        self._closed = False
        _pools.add(self)

    @property
    def started(self) -> int:
        """How many extraction processes this pool has started (reuse keeps it small)."""
        return self._started

    @property
    def peak_rss_mb(self) -> float:
        """The largest resident memory any of this pool's children has reported, in MB."""
        return max(self._peaks.values(), default=0) / 1024

    @property
    def peak_rss_sum_mb(self) -> float:
        """The peaks of every child this pool started, added up, in MB: an upper bound of the
        memory its processes held at any one time."""
        return sum(self._peaks.values()) / 1024

    @property
    def cpu_seconds(self) -> float:
        """CPU time every child this pool started has used (up to its last answer), in seconds."""
        return sum(self._cpu.values())

    def run(
        self,
        kind: str,
        payload: bytes,
        options: dict[str, Any],
        *,
        label: str,
        memory_limit_mb: int,
        timeout_seconds: float,
    ) -> dict[str, Any]:
        """One job's result, or UnreadableDocument with a reason naming `label` ("PDF", ...)."""
        header = {"kind": kind, **options}
        try:
            child, answer = self._ask(header, payload, memory_limit_mb, timeout_seconds)
        except _Lost as lost:
            if lost.how == "timeout":
                raise UnreadableDocument(
                    f"{label} took longer than {timeout_seconds:g} seconds to read"
                ) from None
            # Under an address-space ceiling a child that dies has, in practice, run out of
            # memory: PDFium aborts on a failed allocation.
            raise UnreadableDocument(
                f"{label} needs more memory than {memory_limit_mb} MB to read"
            ) from None
        rss_kb = int(answer.get("peak_rss_kb", 0))
        self._peaks[child.process.pid] = rss_kb
        with contextlib.suppress(TypeError, ValueError):  # a figure for reports, never trusted
            self._cpu[child.process.pid] = float(answer.get("cpu_s", 0.0))
        worn = child.jobs >= MAX_JOBS_PER_PROCESS or rss_kb > RETIRE_ABOVE_MB * 1024
        if answer.get("error") == "memory" or worn:
            child.stop()
            self._give_back(None)
        else:
            self._give_back(child)
        return _result(answer, label, memory_limit_mb)

    def _ask(self, header: dict[str, Any], payload: bytes, memory_mb: int, seconds: float):
        """(child, answer); a child found gone before the job reached it is replaced once."""
        for attempt in (1, 2):
            child = self._take(memory_mb)
            try:
                return child, child.ask(header, payload, seconds)
            except BaseException as error:
                child.kill()
                self._give_back(None)
                if isinstance(error, _Lost) and error.how == "gone" and attempt == 1:
                    continue
                raise
        raise AssertionError("unreachable")

    def _take(self, memory_mb: int) -> _Child:
        retired: _Child | None = None
        with self._lock:
            self._after_fork_if_needed()
            if self._closed:
                raise RuntimeError("extraction pool is closed")
            while True:
                for child in [child for child in self._idle if child.process.poll() is not None]:
                    self._idle.remove(child)  # died while idle (killed from outside)
                    self._alive -= 1
                    child.stop()
                for index, child in enumerate(self._idle):
                    if child.memory_mb == memory_mb:
                        return self._idle.pop(index)
                if self._alive < self.size:
                    self._alive += 1
                    break
                if self._idle:  # every slot holds an idle child with another ceiling
                    retired = self._idle.pop(0)
                    break
                self._free.wait()
        if retired is not None:
            retired.stop()
        try:
            child = _Child.start(memory_mb)
        except OSError:
            self._give_back(None)
            raise
        with self._lock:
            self._started += 1
        return child

    def _give_back(self, child: _Child | None) -> None:
        with self._lock:
            if child is not None and not self._closed and child.process.poll() is None:
                self._idle.append(child)
                child = None
            else:
                self._alive -= 1
            self._free.notify()
        if child is not None:
            child.stop()

    def close(self) -> None:
        """Stop every idle child; busy ones are stopped when their job ends."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            self._alive -= len(idle)
        for child in idle:
            child.stop()

    def _after_fork_if_needed(self) -> None:
        if self._owner == os.getpid():
            return
        for child in self._idle:
            child.forget()
        self._idle = []
        self._alive = 0
        self._started = 0
        self._peaks = {}
        self._cpu = {}
        self._owner = os.getpid()

    def _reset_after_fork(self) -> None:
        """In the child of os.fork(): a fresh lock (another thread may have held this one)."""
        self._lock = threading.Lock()
        self._free = threading.Condition(self._lock)
        self._after_fork_if_needed()


def _result(answer: dict[str, Any], label: str, memory_mb: int) -> dict[str, Any]:
    error = answer.get("error")
    if error is None:
        return answer["result"]
    if error == "unreadable":
        raise UnreadableDocument(answer.get("reason") or f"{label} cannot be read")
    if error == "memory":
        raise UnreadableDocument(f"{label} needs more memory than {memory_mb} MB to read")
    if error == "password":
        raise UnreadableDocument(f"{label} is password-protected")
    raise UnreadableDocument(f"{label} is damaged and cannot be read")


_pools: weakref.WeakSet[ExtractionPool] = weakref.WeakSet()
_shared: ExtractionPool | None = None
_shared_lock = threading.Lock()


def shared_pool() -> ExtractionPool:
    """The process-wide pool that extract_text uses unless it is given one."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = ExtractionPool()
        return _shared


def _stop_all() -> None:
    for pool in list(_pools):
        pool.close()


def _after_fork_in_child() -> None:
    global _shared_lock
    _shared_lock = threading.Lock()
    for pool in list(_pools):
        pool._reset_after_fork()


atexit.register(_stop_all)
os.register_at_fork(after_in_child=_after_fork_in_child)
