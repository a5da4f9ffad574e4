"""The document registry (DuckDB): key -> source path, sha256, size, registered_at.

Assets find their input here, never by scanning folders.  DuckDB lets one process
write at a time, so every call opens a short connection and retries while locked.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..keys import document_key, sha256_of
from .connect import connect

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    key VARCHAR PRIMARY KEY,
    source_path VARCHAR NOT NULL,
    file_name VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL UNIQUE,
    size_bytes BIGINT NOT NULL,
    registered_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS refused (
    name VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    refused_at TIMESTAMPTZ NOT NULL
)
"""
LOCK_RETRY_S = 30.0


@dataclass(frozen=True)
class DocumentEntry:
    key: str
    source_path: Path
    file_name: str
    sha256: str
    size_bytes: int
    registered_at: datetime


class Registry:
    """``root`` is the artifact root: each new PDF is kept under ``<root>/sources/`` and stored
    by that relative path, so a moved or deleted original loses nothing and the root can move.
    It is hard-linked there (no extra space; across filesystems, copied), or moved there when it
    came through the inbox (the inbox then holds only what is pending or refused)."""

    def __init__(self, path: Path, root: Path | None = None):
        self.path = path
        self.root = root or path.parent

    @contextmanager
    def _connect(self, read_only: bool = False):
        read_only = read_only and self.path.exists()  # a new registry is created, with its tables
        # tiny queries: DuckDB would start a thread per core for each connection
        con = connect(self.path, read_only=read_only, config={"threads": 1}, retry_s=LOCK_RETRY_S)
        try:
            if not read_only:
                con.execute(SCHEMA)
            yield con
        finally:
            con.close()

    def register(self, paths: list[Path], take: str = "link") -> list[tuple[DocumentEntry, bool]]:
        """Register files; returns (entry, is_new).  Same bytes under another name -> same key.

        One query finds the known hashes and one insert adds the rest, so a sensor tick
        with thousands of new files stays short.
        """
        hashed = [(p.resolve(), sha256_of(p), p.stat().st_size) for p in paths]
        now = datetime.now(UTC)
        with self._connect() as con:
            rows = con.execute(
                "SELECT * FROM documents WHERE sha256 IN (SELECT unnest(?::VARCHAR[]))",
                [sorted({sha for _, sha, _ in hashed})],
            ).fetchall()
            known = {row[3]: self._entry(row) for row in rows}
            out, fresh = [], []
            for path, sha, size in hashed:
                if sha in known:
                    out.append((known[sha], False))
                    continue
                key = document_key(path.name, sha)
                stored = self._take(path, key, take)
                entry = DocumentEntry(key, self.root / stored, path.name, sha, size, now)
                known[sha] = entry
                fresh.append(entry)
                out.append((entry, True))
            if fresh:
                columns = list(
                    zip(*[(e.key, self._stored(e.source_path), e.file_name, e.sha256, e.size_bytes) for e in fresh])
                )
                con.execute(
                    "INSERT INTO documents SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), "
                    "unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::BIGINT[]), ?",
                    [*map(list, columns), now],
                )
        return out

    def _take(self, path: Path, key: str, take: str) -> str:
        """Keep ``path`` under ``sources/`` (``link`` or ``move``; a copy where neither works),
        atomically; its path relative to the root."""
        stored = f"sources/{key}{path.suffix.lower() or '.pdf'}"
        target = self.root / stored
        if target.exists():
            return stored
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.unlink(missing_ok=True)
        try:
            if take == "link":
                os.link(path, tmp)
            else:
                os.rename(path, tmp)
        except OSError:  # another filesystem, or links not allowed: a copy
            shutil.copyfile(path, tmp)
            if take == "move":
                path.unlink()
        os.replace(tmp, target)
        return stored

    def _stored(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def _entry(self, row) -> DocumentEntry:
        key, path, name, sha, size, at = row
        return DocumentEntry(key, self.root / path, name, sha, size, at)  # an old absolute path stays

    def get(self, key: str) -> DocumentEntry | None:
        with self._connect(read_only=True) as con:
            row = con.execute("SELECT * FROM documents WHERE key = ?", [key]).fetchone()
        return self._entry(row) if row else None

    def get_many(self, keys: list[str]) -> dict[str, DocumentEntry]:
        """Entries for several keys over one connection (each connect starts DuckDB's threads)."""
        with self._connect(read_only=True) as con:
            rows = con.execute(
                "SELECT * FROM documents WHERE key IN (SELECT unnest(?::VARCHAR[]))", [list(keys)]
            ).fetchall()
        return {row[0]: self._entry(row) for row in rows}

    def refuse(self, items: list[tuple[str, str]]) -> None:
        """Record inbox files that were not registered, with the reason, so none vanishes silently."""
        if not items:
            return
        names, reasons = (list(col) for col in zip(*items))
        with self._connect() as con:
            con.execute(
                "INSERT INTO refused SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), ?",
                [names, reasons, datetime.now(UTC)],
            )

    def refused(self, limit: int = 20) -> tuple[int, list[tuple[str, str, datetime]]]:
        """How many inbox files were refused, and the newest ``limit`` of them."""
        with self._connect(read_only=True) as con:
            tables = {row[0] for row in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
            if "refused" not in tables:  # a registry made before refusals were recorded
                return 0, []
            total = con.execute("SELECT count(*) FROM refused").fetchone()[0]
            rows = con.execute(
                "SELECT name, reason, refused_at FROM refused ORDER BY refused_at DESC, name LIMIT ?", [limit]
            ).fetchall()
        return total, rows

    def count(self) -> int:
        if not self.path.exists():
            return 0
        with self._connect(read_only=True) as con:
            return con.execute("SELECT count(*) FROM documents").fetchone()[0]

    def all(self) -> list[DocumentEntry]:
        with self._connect(read_only=True) as con:
            rows = con.execute("SELECT * FROM documents ORDER BY registered_at, key").fetchall()
        return [self._entry(r) for r in rows]

    def keys(self) -> list[str]:
        return [e.key for e in self.all()]
