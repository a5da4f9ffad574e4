"""Live progress of in-process runs (``pdfpipe run``/``resume``/``eval``): documents and pages
done, failed, pages/s, ETA and the stage in flight.

On a terminal it is one line redrawn in place; otherwise a plain line every ``every_s``
seconds and at the end.  Runs launched by the daemon report nothing here: the UI shows them.
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass, field
from typing import TextIO

from ..stages import FUSED, SOURCE


@dataclass
class Progress:
    total: int
    out: TextIO = field(default_factory=lambda: sys.stderr)
    every_s: float = 10.0
    done: int = 0
    failed: int = 0
    pages: int = 0  # pages of the documents that finished
    in_flight: str = ""
    started: float = field(default_factory=time.monotonic)
    _pages_of: dict[str, int] = field(default_factory=dict)
    _last: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def stage_started(self, stage: str, documents: int) -> None:
        with self._lock:
            self.in_flight = f"{stage} ({documents} docs)"
            self._show()

    def document_done(self, stage: str, key: str, metadata: dict) -> None:
        with self._lock:
            if stage == SOURCE and isinstance(metadata.get("pages"), int):
                self._pages_of[key] = metadata["pages"]
            if stage == FUSED:
                self.done += 1
                self.pages += self._pages_of.get(key, 0)
            self._show()

    def document_failed(self, stage: str, key: str) -> None:
        with self._lock:
            self.failed += 1
            self._show()

    def line(self) -> str:
        elapsed = max(1e-6, time.monotonic() - self.started)
        finished = self.done + self.failed
        eta = ""
        if 0 < finished < self.total:
            eta = f" · ETA {_duration(elapsed / finished * (self.total - finished))}"
        flight = f" · {self.in_flight}" if self.in_flight and finished < self.total else ""
        return (
            f"{self.done}/{self.total} documents, {self.failed} failed · {self.pages} pages · "
            f"{self.pages / elapsed:.1f} pages/s{eta}{flight}"
        )

    def _show(self) -> None:
        if self.out.isatty():
            self.out.write("\r\033[K" + self.line())
            self.out.flush()
        elif time.monotonic() - self._last >= self.every_s:
            self._last = time.monotonic()
            print(self.line(), file=self.out, flush=True)

    def finish(self) -> None:
        if not self.total:
            return
        with self._lock:
            self.in_flight = ""
            end = "\r\033[K" if self.out.isatty() else ""
            print(end + self.line(), file=self.out, flush=True)


def _duration(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    return f"{m}m{s:02d}s" if m else f"{s}s"


_current: Progress | None = None


def report_to(progress: Progress | None) -> None:
    """Send this process's stage events to ``progress`` (None: to nobody)."""
    global _current
    _current = progress


def current() -> Progress | None:
    return _current
