"""``pdfpipe catalog``, ``search`` and ``export``: the corpus as data."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from .settings import Settings


def _catalog(settings: Settings):
    from .catalog.corpus import CorpusCatalog

    return CorpusCatalog(settings.catalog_path)


def print_catalog_report(metadata: dict, settings: Settings) -> None:
    if "error" in metadata:
        print(f"catalog update failed: {metadata['error']}")
        return
    refused = metadata.get("refused", "-")
    print(
        f"catalog: {metadata['loaded']} documents loaded, {metadata['failed']} failed, refused: {refused}; "
        f"{metadata['documents_in_catalog']} in {settings.catalog_path} ({metadata['seconds']} s)"
    )


def cmd_catalog(args, settings: Settings) -> int:
    from .defs.operations import get_instance, materialize_catalog

    with get_instance(settings, args.profile) as instance:
        if args.rebuild:
            _catalog(settings).rebuild()
            print("catalog emptied: loading every document again")
        metadata = materialize_catalog(instance)
    print_catalog_report(metadata, settings)
    return 1 if "error" in metadata else 0


def _embedder(profile, model: str | None):
    """The query embedder of the catalog's model, or None (BM25 only) with a note why."""
    from .engines.registry import make_engine

    try:
        engine = make_engine("embeddings", profile.engine("embeddings"))
    except Exception as err:  # noqa: BLE001 - search still works on BM25 alone
        print(f"note: no query embeddings ({err}); ranking by BM25 alone")
        return None
    if model and engine.model_name() != model:
        print(f"note: the catalog's vectors are {model}, the profile embeds with {engine.model_name()}: BM25 alone")
        return None
    return lambda text: engine.embed([text])[0]


def cmd_search(args, settings: Settings) -> int:
    from .catalog.search import Filters, catalog_model, search

    filters = Filters(year=args.year, author=args.author, title=args.title)
    with _catalog(settings).connect(read_only=True) as con:
        embed = None if args.mode == "bm25" else _embedder(args.profile, catalog_model(con))
        try:
            hits = search(con, args.query, k=args.k, mode=args.mode, filters=filters, embed=embed)
        except ValueError as err:
            print(f"pdfpipe search: {err}", file=sys.stderr)
            return 2
    if args.json:
        print(json.dumps([h.as_json() for h in hits], indent=1, ensure_ascii=False))
        return 0
    if not hits:
        print("no match")
    for n, h in enumerate(hits, start=1):
        section = " > ".join(h.section) or "-"
        print(f"{n:>2}. {h.title or h.file_name}  [{h.key}]  page {h.page}  §{section}")
        print(f"    {h.snippet}")
    return 0


def cmd_export(args, settings: Settings) -> int:
    from .catalog.export import export_jsonl, export_parquet, write_manifest

    out = Path(args.out)
    if args.format in ("json", "markdown"):
        return _export_documents(args.format, settings, out, write_manifest)
    with _catalog(settings).connect(read_only=True) as con:
        files = export_parquet(con, out) if args.format == "parquet" else export_jsonl(con, out)
    print(f"wrote {', '.join(f'{name} ({rows} rows)' for name, rows in files.items())} to {out}")
    return 0


def _export_documents(fmt: str, settings: Settings, out: Path, write_manifest) -> int:
    from .contracts import FusedDocument
    from .defs.operations import get_instance, materialized_fused
    from .fusion.markdown import to_markdown
    from .stages import FUSED, STAGE_FILES

    out.mkdir(parents=True, exist_ok=True)
    files = {}
    with get_instance(settings) as instance:
        keys = materialized_fused(instance)
    for key in keys:
        src = settings.stage_dir(key, FUSED) / STAGE_FILES[FUSED]
        if not src.exists():
            continue
        if fmt == "json":
            shutil.copyfile(src, out / f"{key}.json")
            files[f"{key}.json"] = 1
        else:
            (out / f"{key}.md").write_text(to_markdown(FusedDocument.model_validate_json(src.read_bytes())) + "\n")
            files[f"{key}.md"] = 1
    if fmt == "markdown":  # a JSON document names its own schema_version
        write_manifest(out, fmt, files)
    print(f"wrote {len(files)} documents to {out}")
    return 0


def add_parsers(sub) -> None:
    from .catalog.export import FORMATS
    from .catalog.search import MODES

    p = sub.add_parser("catalog", help="load the documents that changed into the DuckDB catalog (--rebuild: all)")
    p.add_argument("--rebuild", action="store_true", help="empty the catalog and load every document again")
    p.set_defaults(fn=cmd_catalog)
    p = sub.add_parser("search", help="hybrid search (BM25 + vectors) over the catalog's chunks")
    p.add_argument("query")
    p.add_argument("-k", type=int, default=10, help="hits to show (default 10)")
    p.add_argument("--mode", choices=MODES, default="hybrid")
    p.add_argument("--year", help="publication year or range, e.g. 2009 or 2005-2010")
    p.add_argument("--author", help="part of an author's name")
    p.add_argument("--title", help="words the title must contain")
    p.add_argument("--json", action="store_true", help="hits as JSON, boxes included")
    p.set_defaults(fn=cmd_search)
    p = sub.add_parser("export", help="documents as json or markdown files, or the catalog as parquet or jsonl")
    p.add_argument("--format", choices=FORMATS, default="json")
    p.add_argument("--out", required=True)
    p.set_defaults(fn=cmd_export)
