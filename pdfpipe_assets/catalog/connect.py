"""Open a DuckDB file, waiting while another process holds its write lock.

DuckDB lets one process write a file at a time, and a writer also keeps readers of other
processes out, so every caller opens a short connection and retries while the file is locked.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

LOCK_RETRY_S = 30.0


def connect(path: Path, read_only: bool = False, config: dict | None = None, retry_s: float = LOCK_RETRY_S):
    import duckdb

    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + retry_s
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only and path.exists(), config=config or {})
        except duckdb.IOException as exc:  # another process holds the write lock
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.05 + random.random() * 0.1)
