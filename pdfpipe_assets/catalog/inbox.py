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
    def parse(cls, text: str | None) -> "InboxCursor":
        return cls(**json.loads(text)) if text else cls()

    def dump(self) -> str:
        return json.dumps({"ctime_ns": self.ctime_ns, "names": sorted(self.names)})


def scan_inbox(inbox: Path, cursor: InboxCursor, now: float | None = None) -> tuple[list[Path], InboxCursor]:
    """New PDFs (by name suffix, not hidden, regular files inside the inbox) and the next cursor.

    Files still settling are left for a later tick: the cursor stops before them.
    """
    if not inbox.is_dir():
        return [], cursor
    now = time.time() if now is None else now
    entries = []
    with os.scandir(inbox) as it:
        for entry in it:
            if entry.name.startswith(".") or not entry.name.lower().endswith(".pdf"):
                continue
            if entry.is_symlink() or not entry.is_file(follow_symlinks=False):
                continue  # a link could point anywhere: refuse it
            st = entry.stat(follow_symlinks=False)
            if st.st_ctime_ns < cursor.ctime_ns or (st.st_ctime_ns == cursor.ctime_ns and entry.name in cursor.names):
                continue
            entries.append((st.st_ctime_ns, entry.name, st.st_mtime))
    entries.sort()
    ready = []
    for ctime_ns, name, mtime in entries:
        if now - max(mtime, ctime_ns / 1e9) < SETTLE_S:
            break  # keep order: everything after this is newer still
        ready.append((ctime_ns, name))
    if not ready:
        return [], cursor
    last = ready[-1][0]
    names = [n for c, n in ready if c == last] + (cursor.names if last == cursor.ctime_ns else [])
    return [inbox / n for _, n in ready], InboxCursor(last, names)
