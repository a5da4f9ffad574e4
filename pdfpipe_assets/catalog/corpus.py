"""The corpus catalog: one DuckDB file with every converted document as rows, for SQL and search.

One writer (the ``corpus_catalog`` asset, or ``pdfpipe catalog``) applies updates.  An update
is one transaction: the changed documents' old rows go, their new rows come, their chunks get
a search segment, and the cursor moves, so a reader sees the old catalog or the new one.  The
``fts`` and ``vss`` extensions are installed from the files in their PyPI wheels, never
downloaded.
"""

from __future__ import annotations

import json
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from ..contracts import FusedDocument
from ..contracts.chunks import DocumentChunks
from . import segments
from .connect import connect
from .tables import (
    CATALOG_VERSION,
    COLUMNS,
    CONTENT_TABLES,
    RawJson,
    chunk_rows,
    content_rows,
    create_statements,
    document_row,
    failed_row,
)

EXTENSIONS = {"fts": "duckdb_extension_fts", "vss": "duckdb_extension_vss"}
META = "CREATE TABLE IF NOT EXISTS meta (name VARCHAR PRIMARY KEY, value VARCHAR)"
SEGMENTS = "CREATE TABLE IF NOT EXISTS fts_segments (id INTEGER, name VARCHAR, level INTEGER, chunks BIGINT)"


class CatalogError(RuntimeError):
    pass


def extension_file(name: str) -> Path:
    """The ``.duckdb_extension`` file inside the extension's PyPI wheel."""
    import importlib

    try:
        package = importlib.import_module(EXTENSIONS[name])
    except ImportError as exc:
        raise CatalogError(f"DuckDB extension {name} is missing: pip install {EXTENSIONS[name]}") from exc
    found = sorted(Path(package.__file__ or ".").parent.rglob("*.duckdb_extension"))
    if not found:
        raise CatalogError(f"no .duckdb_extension file in {EXTENSIONS[name]}")
    return found[-1]


@dataclass
class Change:
    """A document's new state: converted (``fused`` and ``chunks`` paths) or failed."""

    key: str
    file_name: str = ""
    source_path: str | None = None
    sha256: str | None = None
    fused: Path | None = None
    chunks: Path | None = None
    failure: tuple[str, str] | None = None  # (class, message)


@dataclass
class UpdateReport:
    loaded: int = 0
    failed: int = 0
    refused: dict[str, str] = field(default_factory=dict)  # key -> why (schema-invalid output)
    chunks: int = 0
    seconds: float = 0.0


class CorpusCatalog:
    def __init__(self, path: Path):
        self.path = path
        self.extension_dir = path.parent / "duckdb_extensions"

    @contextmanager
    def connect(self, read_only: bool = False, fresh: bool = False, wait_s: float = 30.0):
        """A connection with the extensions loaded; a writer's creates the tables.  A catalog of
        another layout version is refused (``pdfpipe catalog --rebuild`` remakes it)."""
        if read_only and not self.path.exists():
            raise CatalogError(f"no catalog at {self.path}: run `pdfpipe catalog` (or `pdfpipe run`) first")
        config = {
            "extension_directory": str(self.extension_dir),
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
        }
        con = connect(self.path, read_only=read_only, config=config, retry_s=wait_s)
        try:
            self._load_extensions(con)
            if not read_only:
                con.execute(META)
                con.execute(SEGMENTS)
            if not fresh:
                self._check_version(con)
            if not read_only and not fresh:
                for statement in create_statements():
                    con.execute(statement)
            yield con
        finally:
            con.close()

    @staticmethod
    def _load_extensions(con) -> None:
        import duckdb

        for name in EXTENSIONS:
            try:
                con.execute(f"LOAD {name}")
            except duckdb.Error:  # not installed in this catalog's folder yet: from the wheel's file
                con.execute(f"INSTALL '{extension_file(name)}'")
                con.execute(f"LOAD {name}")

    def _check_version(self, con) -> None:
        try:
            found = self.meta(con, "catalog_version")
        except Exception:  # noqa: BLE001 - a new, empty catalog file
            return
        if found and found != CATALOG_VERSION:
            raise CatalogError(
                f"the catalog {self.path} has layout {found}, this pdfpipe writes {CATALOG_VERSION}: "
                "run `pdfpipe catalog --rebuild`"
            )

    def meta(self, con, name: str, default: str | None = None) -> str | None:
        row = con.execute("SELECT value FROM meta WHERE name = ?", [name]).fetchone()
        return row[0] if row else default

    def summary(self, wait_s: float = 2.0) -> dict:
        """Documents (and failed ones), chunks and the cursor, for ``pdfpipe status``."""
        if not self.path.exists():
            return {"documents": 0, "failed": 0, "chunks": 0, "cursor": 0}
        with self.connect(read_only=True, wait_s=wait_s) as con:
            docs, failed, chunks = con.execute(
                "SELECT count(*), count(*) FILTER (status = 'failed'), coalesce(sum(chunks), 0) FROM documents"
            ).fetchone()
            return {
                "documents": docs,
                "failed": failed,
                "chunks": int(chunks),
                "cursor": int(self.meta(con, "cursor", "0") or 0),
            }

    def cursor(self) -> int:
        """The event storage id up to which every document change is in the catalog."""
        if not self.path.exists():
            return 0
        with self.connect(read_only=True) as con:
            try:
                return int(self.meta(con, "cursor", "0") or 0)
            except Exception:  # noqa: BLE001 - a catalog without tables yet
                return 0

    def update(self, changes: list[Change], cursor: int | None = None) -> UpdateReport:
        """Replace the rows of every changed document, in one transaction."""
        started = time.perf_counter()
        report = UpdateReport()
        by_key = {c.key: c for c in changes}  # the last change of a document wins
        rows: dict[str, list[dict]] = {t: [] for t in COLUMNS}
        loaded: list[tuple[str, DocumentChunks, object]] = []
        for change in by_key.values():
            try:
                self._rows(change, rows, loaded, report)
            except (ValidationError, ValueError, OSError) as exc:
                report.refused[change.key] = _why(exc)
        with self.connect() as con, tempfile.TemporaryDirectory(prefix="catalog-") as tmp:
            con.execute("BEGIN")
            try:
                self._replace(con, Path(tmp), by_key, report, rows, loaded)
                if cursor is not None:
                    con.execute("INSERT OR REPLACE INTO meta VALUES ('cursor', ?)", [str(cursor)])
                con.execute("INSERT OR REPLACE INTO meta VALUES ('catalog_version', ?)", [CATALOG_VERSION])
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        report.seconds = round(time.perf_counter() - started, 3)
        return report

    @staticmethod
    def _rows(change: Change, rows: dict, loaded: list, report: UpdateReport) -> None:
        if change.failure or change.fused is None:
            failure = change.failure or ("missing_input", "no fused document")
            rows["documents"].append(
                failed_row(change.key, change.file_name, change.source_path, change.sha256, failure)
            )
            report.failed += 1
            return
        doc = FusedDocument.model_validate_json(change.fused.read_bytes())
        chunks = vectors = None
        if change.chunks is not None and change.chunks.exists():
            import numpy as np

            chunks = DocumentChunks.model_validate_json(change.chunks.read_bytes())
            vectors = np.load(change.chunks.with_name("vectors.npy"))
            if vectors.shape[0] != len(chunks.chunks):
                raise ValueError(f"{vectors.shape[0]} vectors for {len(chunks.chunks)} chunks")
        rows["documents"].append(document_row(change.key, change.source_path, doc, chunks))
        for table, table_rows in content_rows(change.key, doc).items():
            rows[table].extend(table_rows)
        if chunks is not None:
            loaded.append((change.key, chunks, vectors))
        report.loaded += 1

    def _replace(self, con, tmp: Path, by_key: dict, report: UpdateReport, rows: dict, loaded: list) -> None:
        keys = [k for k in by_key if k not in report.refused]
        known = [
            r[0]
            for r in con.execute("SELECT key FROM documents WHERE key IN (SELECT unnest($k))", {"k": keys}).fetchall()
        ]
        if known:  # only re-processed documents cost a delete
            for table in ["documents", *CONTENT_TABLES]:
                con.execute(f"DELETE FROM {table} WHERE key IN (SELECT unnest($k))", {"k": known})
        first = int(self.meta(con, "next_chunk_id", "1") or 1)
        next_id = first
        firsts = {}
        for key, chunks, vectors in loaded:
            rows["chunks"].extend(chunk_rows(key, chunks, vectors, next_id))
            front = next((c.index for c in chunks.chunks if c.kind == "front"), 0)  # where the title is
            firsts[key] = next_id + front if chunks.chunks else None
            next_id += len(chunks.chunks)
        for row in rows["documents"]:
            row["title_chunk_id"] = firsts.get(row["key"])
        report.chunks = next_id - first
        for table, table_rows in rows.items():
            _bulk_insert(con, tmp, table, table_rows)
        con.execute("INSERT OR REPLACE INTO meta VALUES ('next_chunk_id', ?)", [str(next_id)])
        segments.add_segment(con, first, next_id - 1)

    def rebuild(self) -> None:
        """Drop every table, segment and the cursor (a catalog of an older layout included): the
        next update loads the corpus anew."""
        with self.connect(fresh=True) as con:
            con.execute("BEGIN")
            for (name,) in con.execute("SELECT name FROM fts_segments").fetchall():
                con.execute(f"PRAGMA drop_fts_index('{name}')")
                con.execute(f"DROP TABLE IF EXISTS {name}")
            for table in [*COLUMNS, "fts_segments", "meta"]:
                con.execute(f"DROP TABLE IF EXISTS {table}")
            con.execute("COMMIT")


def _why(exc: Exception) -> str:
    """One line naming what is wrong: the first fields that fail the schema, or the error."""
    if isinstance(exc, ValidationError):
        problems = [f"{'.'.join(map(str, e['loc'])) or '(document)'}: {e['msg']}" for e in exc.errors()[:3]]
        return f"schema-invalid ({exc.error_count()} errors): " + "; ".join(problems)
    return f"{type(exc).__name__}: {exc}"


def _bulk_insert(con, tmp: Path, table: str, rows: list[dict]) -> None:
    """Insert ``rows`` through one typed newline-delimited JSON read (one statement, not one per row)."""
    if not rows:
        return
    path = tmp / f"{table}.jsonl"
    with path.open("w") as fh:
        for row in rows:
            raw = {k: v for k, v in row.items() if isinstance(v, RawJson)}
            text = json.dumps({k: v for k, v in row.items() if k not in raw}, ensure_ascii=False)
            fh.write(text[:-1] + "".join(f', "{k}": {v}' for k, v in raw.items()) + "}\n" if raw else text + "\n")
    columns = ", ".join(f"'{c}': '{t}'" for c, t in COLUMNS[table])
    con.execute(
        f"INSERT INTO {table} BY NAME SELECT * FROM read_json(?, format='newline_delimited', "
        f"columns={{{columns}}}, maximum_object_size=268435456)",
        [str(path)],
    )
