"""`pdfpipe show KEY`: one document's summary, as Markdown (``--md``), or a page drawn with its
blocks (``--overlay PAGE``)."""

from __future__ import annotations

import sys
from pathlib import Path

from .settings import Settings


def _overlay(args, settings: Settings, doc) -> int:
    from .overlay import draw_overlay
    from .stages import Workspace

    source = Workspace(settings, args.profile).source(args.key)
    out = Path(args.out or f"{args.key}-p{args.overlay}.png")
    try:
        draw_overlay(Path(source.path), doc, args.overlay, out)
    except ValueError as err:
        print(f"pdfpipe: {err}", file=sys.stderr)
        return 2
    print(out)
    return 0


def _page_failures(settings: Settings, key: str, doc) -> None:
    """Pages a page reader (a VLM) could not read, and its blocks it could not place."""
    from .contracts import LayoutOutput
    from .stages import LAYOUT, STAGE_FILES

    path = settings.stage_dir(key, LAYOUT) / STAGE_FILES[LAYOUT]
    if path.exists():
        for f in LayoutOutput.model_validate_json(path.read_text()).page_failures:
            print(f"  page {f.page} not read by the layout engine: [{f.error}] {f.message} (fallback layout used)")
    unplaced = sum(not b.aligned for b in doc.blocks) if doc is not None else 0
    if unplaced:
        print(f"  {unplaced} blocks not found on their page (aligned: false; the whole page as their box)")


def cmd_show(args, settings: Settings) -> int:
    """One document: its summary, per-stage status and engines, failure, paths; or Markdown."""
    from .contracts import FusedDocument
    from .contracts.fused import StageProvenance
    from .defs.operations import get_instance
    from .defs.partitions import stage_status
    from .defs.status import document_failure
    from .fusion.markdown import to_markdown
    from .stages import FUSED, RECORD, STAGE_FILES, STAGES

    fused = settings.stage_dir(args.key, FUSED) / STAGE_FILES[FUSED]
    doc = FusedDocument.model_validate_json(fused.read_text()) if fused.exists() else None
    if (args.md or args.overlay) and doc is None:
        print(f"pdfpipe: {args.key} has no fused document", file=sys.stderr)
        return 1
    if args.md:
        print(to_markdown(doc), end="")
        return 0
    if args.overlay:
        return _overlay(args, settings, doc)
    with get_instance(settings, args.profile) as instance:
        if args.key not in instance.get_dynamic_partitions("documents"):
            print(f"pdfpipe: no document {args.key}", file=sys.stderr)
            return 1
        status = stage_status(instance, [args.key], STAGES)
        failed = document_failure(instance, args.key)
    print(args.key)
    if doc is not None:
        info = doc.document
        print(f"  title:   {doc.scholarly.title.text if doc.scholarly.title else '-'}")
        print(f"  authors: {', '.join(a.name for a in doc.scholarly.authors) or '-'}")
        print(
            f"  file:    {info.file_name}, {info.page_count} pages, {len(doc.blocks)} blocks, {len(doc.tables)} tables"
        )
    for stage in STAGES:
        record = settings.stage_dir(args.key, stage) / RECORD
        engine = StageProvenance.model_validate_json(record.read_text()) if record.exists() else None
        state = status[stage].get(args.key)
        label = state.value.lower() if state else "missing"
        used = f"{engine.engine} {engine.engine_version}, {engine.seconds:.2f} s" if engine else ""
        print(f"  {stage:18} {label:12} {used}")
    for item in failed:
        print(f"  FAILED in {item['stage']}: [{item['class']}] {item['message']}")
    _page_failures(settings, args.key, doc)
    print(f"  outputs: {settings.documents_dir / args.key}")
    return 0
