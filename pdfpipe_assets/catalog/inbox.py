"""Find new, finished PDFs in the inbox folder, past a cursor.

The cursor is a watermark on ``st_ctime_ns`` (a rename or copy into the folder updates
it, unlike mtime) plus the names seen at exactly that instant.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

SETTLE_S = 2.0  # a file younger than this may still be being written


@dataclass
class InboxCursor:
    ctime_ns: int = 0
    names: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str | None) -> InboxCursor:
        return cls(**json.loads(text)) if text else cls()

    def dump(self) -> str:
        return json.dumps({"ctime_ns": self.ctime_ns, "names": sorted(self.names)})


@dataclass
class InboxScan:
    """One look at the inbox past a cursor: files to register, files refused and why, next cursor."""

    ready: list[Path]
    refused: list[tuple[str, str]]  # (file name, reason)
    cursor: InboxCursor


def refusal(entry: os.DirEntry) -> str | None:
    """Why the inbox will not take this entry, or None for a PDF it takes."""
    if entry.name.startswith("."):
        return "hidden name (a file still being uploaded should be renamed into the inbox when done)"
    if entry.is_symlink():
        return "a symbolic link: it could point anywhere, copy the file in instead"
    if not entry.is_file(follow_symlinks=False):
        return "not a regular file"
    if not entry.name.lower().endswith(".pdf"):
        return "name does not end in .pdf"
    return None


def scan_inbox(inbox: Path, cursor: InboxCursor, now: float | None = None) -> InboxScan:
    """New entries past the cursor, once each: PDFs to register (regular files named ``*.pdf``,
    not hidden), and the rest refused with a reason.  Entries still settling are left for a
    later tick: the cursor stops before them."""
    if not inbox.is_dir():
        return InboxScan([], [], cursor)
    now = time.time() if now is None else now
    entries = []
    with os.scandir(inbox) as it:
        for entry in it:
            st = entry.stat(follow_symlinks=False)
            if st.st_ctime_ns < cursor.ctime_ns or (st.st_ctime_ns == cursor.ctime_ns and entry.name in cursor.names):
                continue
            entries.append((st.st_ctime_ns, entry.name, st.st_mtime, refusal(entry)))
    entries.sort()
    ready = []
    for ctime_ns, name, mtime, why in entries:
        if now - max(mtime, ctime_ns / 1e9) < SETTLE_S:
            break  # keep order: everything after this is newer still
        ready.append((ctime_ns, name, why))
    if not ready:
        return InboxScan([], [], cursor)
    last = ready[-1][0]
    names = [n for c, n, _ in ready if c == last] + (cursor.names if last == cursor.ctime_ns else [])
    return InboxScan(
        [inbox / n for _, n, why in ready if why is None],
        [(n, why) for _, n, why in ready if why is not None],
        InboxCursor(last, names),
    )
