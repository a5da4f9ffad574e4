"""Exports of the catalog: Parquet per table for a data lake, JSONL chunks for retrieval.

Each export writes ``manifest.json`` with the catalog's schema version and each file's rows,
so a consumer can tell which layout it reads.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..contracts import SCHEMA_VERSION
from ..contracts.chunks import CHUNKS_VERSION
from .tables import CATALOG_VERSION, COLUMNS

FORMATS = ("json", "parquet", "jsonl", "markdown")


def write_manifest(out: Path, fmt: str, files: dict[str, int]) -> Path:
    manifest = {
        "format": fmt,
        "catalog_version": CATALOG_VERSION,
        "fused_schema_version": SCHEMA_VERSION,
        "chunks_version": CHUNKS_VERSION,
        "files": files,
    }
    path = out / "manifest.json"
    path.write_text(json.dumps(manifest, indent=1) + "\n")
    return path


def export_parquet(con, out: Path) -> dict[str, int]:
    """One ``<table>.parquet`` per catalog table (zstd)."""
    out.mkdir(parents=True, exist_ok=True)
    files = {}
    for table in COLUMNS:
        path = out / f"{table}.parquet"
        con.execute(f"COPY (SELECT * FROM {table}) TO '{path}' (FORMAT parquet, COMPRESSION zstd)")
        files[path.name] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    write_manifest(out, "parquet", files)
    return files


def export_jsonl(con, out: Path, with_vectors: bool = True) -> dict[str, int]:
    """``chunks.jsonl``: one chunk per line with its document's key, title, section, pages, boxes
    (and its vector), ready for a retrieval pipeline."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / "chunks.jsonl"
    vector = ", c.embedding" if with_vectors else ""
    con.execute(
        f"COPY (SELECT c.chunk_id, c.key, d.title, d.file_name, c.idx, c.kind, c.section, c.pages, c.anchors, "
        f"c.text, c.model{vector} FROM chunks c JOIN documents d ON d.key = c.key ORDER BY c.key, c.idx) "
        f"TO '{path}' (FORMAT json)"
    )
    files = {path.name: con.execute("SELECT count(*) FROM chunks").fetchone()[0]}
    write_manifest(out, "jsonl", files)
    return files
