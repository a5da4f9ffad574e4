"""One function per stage: key -> inputs -> one engine call -> atomic write -> metrics.

These know nothing of Dagster; the assets, the CLI and the benchmark's bare loop call them.
"""

from __future__ import annotations

import io
import tempfile
import time
from collections import Counter
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path
from typing import cast

from .contracts import (
    FusedDocument,
    LayoutOutput,
    OcrSpine,
    PageFailure,
    RenderManifest,
    Scholarly,
    SourceInfo,
    SpineFrames,
)
from .contracts.chunks import DocumentChunks
from .contracts.fused import StageProvenance
from .engines.base import (
    EmbeddingEngine,
    EngineInfo,
    LayoutTableEngine,
    PageInput,
    PageReadingEngine,
    ScholarlyOutput,
)
from .engines.images import upright_png
from .engines.registry import engine_class
from .errors import DocumentError
from .fusion import spine as spine_rules
from .fusion.checks import page_geometry_problems
from .fusion.chunks import build_chunks
from .fusion.citations import captions, link_citations
from .fusion.furniture import without_running_furniture
from .fusion.fuse import fuse
from .fusion.markdown import to_markdown
from .fusion.scholarly import nest_headings
from .fusion.table_structure import normalize_table
from .fusion.text_quality import usable_counts
from .hosting import EngineHost
from .profiles import Profile
from .spine_reads import page_inputs, read_pages, read_parts
from .storage import read_model, staged_dir, write_bytes, write_model
from .workspace import (  # noqa: F401 - the stage names and the workspace are this module's API too
    ASSET_STAGES,
    EMBEDDINGS,
    FUSED,
    FUSION,
    LAYOUT,
    PREVIEW_CHARS,
    RECORD,
    RENDERS,
    SCHOLARLY,
    SOURCE,
    SPINE,
    STAGE_FILES,
    STAGE_VERSIONS,
    VECTORS,
    StageResult,
    Workspace,
    options_digest,
)


def _record(folder: Path, stage: str, started: float, engine: EngineInfo) -> float:
    """Write the stage's provenance (engine, version, seconds) beside its output."""
    seconds = round(time.perf_counter() - started, 3)
    rec = StageProvenance(stage=stage, engine=engine.name, engine_version=engine.version, seconds=seconds)
    write_model(folder / RECORD, rec)
    return seconds


def _write_stage(ws: Workspace, key: str, stage: str, model, started: float, engine: EngineInfo) -> float:
    """Write the stage's JSON and its provenance record in one atomic folder swap."""
    with staged_dir(ws.settings.stage_dir(key, stage)) as tmp:
        write_model(tmp / STAGE_FILES[stage], model)
        return _record(tmp, stage, started, engine)


def run_source(ws: Workspace, key: str) -> StageResult:
    started = time.perf_counter()
    entry = ws.entry(key)
    if entry is None:
        raise DocumentError("missing_input", f"document {key} is not in the registry")
    info = ws.host.call("source", "inspect", entry.source_path, key, entry.sha256, what="opening the PDF")
    info.path = ws.settings.relative(Path(info.path))  # stored relative: the artifact root may move
    info.file_name = entry.file_name
    for page in info.pages:  # the rule is fusion's, the counts are the engine's
        page.has_text_layer = usable_counts(page.text_chars, page.bad_chars)[0]
    if info.page_count > ws.profile.budget.max_pages:
        raise DocumentError(
            "too_large", f"{info.page_count} pages, more than the profile's max_pages {ws.profile.budget.max_pages}"
        )
    seconds = _write_stage(ws, key, SOURCE, info, started, ws.engine_info(SOURCE))
    return StageResult(
        {
            "pages": info.page_count,
            "pages_with_text": sum(p.has_text_layer for p in info.pages),
            "repaired": info.repaired,
            "encrypted": info.encrypted,
            "pdf_version": info.pdf_version or "",
            "seconds": seconds,
        }
    )


def run_renders(ws: Workspace, key: str) -> StageResult:
    started = time.perf_counter()
    source = ws.source(key)
    with staged_dir(ws.settings.stage_dir(key, RENDERS)) as tmp:
        manifest = ws.host.call("render", "render", Path(source.path), tmp, pages=source.page_count, what="rendering")
        write_model(tmp / STAGE_FILES[RENDERS], manifest)
        seconds = _record(tmp, RENDERS, started, ws.engine_info(RENDERS))
    return StageResult({"pages": len(manifest.pages), "dpi": manifest.dpi, "seconds": seconds})


def run_spine(ws: Workspace, key: str) -> StageResult:
    started = time.perf_counter()
    source = ws.source(key)
    renders = ws.read(key, RENDERS, RenderManifest)
    text_pages = ws.host.call(
        "text_layer", "read", Path(source.path), pages=source.page_count, what="reading the text layer"
    )
    ocr_info, image_info = ws.host.engine("ocr").info, ws.host.engine("image_text").info
    vote = ws.profile.ocr_layers == "vote" and ocr_info.label != image_info.label  # two engines, two votes
    plan = spine_rules.plan(source, text_pages, vote)
    t = time.perf_counter()
    inputs = page_inputs(ws, key, source, renders)
    readings: dict[tuple[str, int], spine_rules.Reading] = {}
    for stage, numbers in plan.reads().items():
        readings |= {(stage, n): r for n, r in read_pages(ws, stage, [inputs[n - 1] for n in numbers]).items()}
    layers = spine_rules.layer_pages(source, text_pages, plan)
    parts = spine_rules.disputed_lines(layers, plan, readings)
    readings |= {("image_text", n): r for n, r in read_parts(ws, "image_text", inputs, parts).items()}
    ocr_seconds = time.perf_counter() - t
    pages = [spine_rules.spine_page(source, n, plan, layers, readings) for n in range(1, len(text_pages) + 1)]
    spine = OcrSpine(
        text_engine=ws.host.engine("text_layer").info.label,
        ocr_engine=ocr_info.label,
        image_text_engine=image_info.label if any(stage == "image_text" for stage, _ in readings) else None,
        pages=pages,
    )
    problems = page_geometry_problems(source, renders, spine)
    if problems:  # never let one stage see a page as portrait and another as landscape
        raise DocumentError("engine_error", "stages disagree on page geometry: " + "; ".join(problems))
    seconds = _write_stage(ws, key, SPINE, spine, started, ws.engine_info(SPINE))
    ocr_pages = sum(p.source != "text_layer" for p in pages)
    image_text = sum(ln.source != "text_layer" for n in plan.imaged for ln in pages[n - 1].lines)
    return StageResult(
        {
            "pages": len(pages),
            "text_layer_pages": len(pages) - ocr_pages,
            "ocr_pages": ocr_pages,
            "image_text_lines": image_text,
            "lines": sum(len(p.lines) for p in pages),
            "words": sum(len(ln.words) for p in pages for ln in p.lines),
            "ocr_seconds": round(ocr_seconds, 3),
            "seconds": seconds,
        }
    )


def _tally(values) -> str:
    """'a=2, b=1': how often each value occurs, for asset metadata."""
    return ", ".join(f"{k}={n}" for k, n in sorted(Counter(values).items()))


def geometry_problems(ws: Workspace, key: str) -> list[str]:
    return page_geometry_problems(
        ws.read(key, SOURCE, SourceInfo), ws.read(key, RENDERS, RenderManifest), ws.read(key, SPINE, SpineFrames)
    )


def run_layout(ws: Workspace, key: str) -> StageResult:
    started = time.perf_counter()
    source = ws.source(key)
    spine = ws.read(key, SPINE, OcrSpine)
    ocr_pages = {  # scanned pages: the layout model needs their text, which only the OCR has
        page.number: [(w.text, (w.bbox.x0, w.bbox.y0, w.bbox.x1, w.bbox.y1)) for line in page.lines for w in line.words]
        for page in spine.pages
        if page.source == "ocr"
    }
    pages = [PageInput(Path(source.path), n, ocr_words=ocr_pages.get(n)) for n in range(1, source.page_count + 1)]
    reader = isinstance(ws.host.engine("layout"), PageReadingEngine)  # it needs the images and the lines
    with tempfile.TemporaryDirectory(prefix="pdfpipe-upright-") if reader else nullcontext("") as upright:
        if reader:
            renders = ws.read(key, RENDERS, RenderManifest)
            folder = ws.settings.stage_dir(key, RENDERS)
            for page, render, spine_page in zip(pages, renders.pages, spine.pages, strict=True):
                turned = Path(upright) / f"{page.number}.png"  # a scan upright, as the OCR saw it
                page.image = upright_png(folder / render.file, spine_page.ocr_orientation, turned)
                page.dpi, page.lines, page.size = render.dpi, spine_page.lines, (spine_page.width, spine_page.height)
                page.turned = spine_page.ocr_orientation % 360  # a multiple of 90: what upright_png turned
        found = _layout_and_tables(ws, pages)
    seconds = _write_stage(ws, key, LAYOUT, found, started, ws.engine_info(LAYOUT))
    return StageResult(
        {
            "regions": len(found.regions),
            "region_labels": _tally(r.label for r in found.regions),
            "tables": len(found.tables),
            "cells": sum(len(t.cells) for t in found.tables),
            "failed_pages": ", ".join(f"{f.page}: {f.error}" for f in found.page_failures),
            "unaligned_regions": sum(not r.aligned for r in found.regions),
            "seconds": seconds,
        }
    )


def _layout_and_tables(ws: Workspace, pages: list[PageInput]) -> LayoutOutput:
    """One pass when the layout engine also serves tables with the same options, else two.
    Every engine's tables get the same structure clean-up (``fusion.table_structure``), except
    a page reader's (a VLM's): its grids are kept as the model read them."""
    layout, tables = ws.profile.engine("layout"), ws.profile.engine("tables")
    what, n = "layout and table finding", len(pages)
    failures: list[PageFailure] = []
    if layout.kind == tables.kind and isinstance(ws.host.engine("layout"), PageReadingEngine):
        regions, found, failures = _read_pages(ws, pages, getattr(layout, "fallback", None))
    else:
        if layout.kind == tables.kind and isinstance(ws.host.engine("layout"), LayoutTableEngine):
            both = ws.host.call("layout", "detect_with_tables", pages, pages=n, what=what)
            regions, found = [r for r, _ in both], [t for _, t in both]
        else:
            regions = ws.host.call("layout", "detect", pages, pages=n, what="layout")
            found = ws.host.call("tables", "find", pages, regions, pages=n, what="table finding")
        found = [[normalize_table(t) for t in page] for page in found]
    return LayoutOutput(
        engine=ws.engine_info(LAYOUT).label,
        regions=[r for page in regions for r in page],
        tables=[t for page in found for t in page],
        page_failures=failures,
    )


def _read_pages(ws: Workspace, pages: list[PageInput], fallback: str | None):
    """A page reader's regions and tables; the pages it could not read get the ``fallback``
    layout engine's (with its default options), so that they lose no more than the model's text."""
    readings = ws.host.call("layout", "read_pages", pages, pages=len(pages), what="reading pages")
    regions, found = [r.regions for r in readings], [r.tables for r in readings]
    failures = [r.failure for r in readings if r.failure]
    if failures and fallback:
        redo = [replace(p, lines=None) for p in pages if p.number in {f.page for f in failures}]
        options = engine_class("layout", fallback).Options(kind=fallback)
        again = ws.host.call(
            "layout", "detect_with_tables", redo, pages=len(redo), what="layout of unread pages", options=options
        )
        for page, (page_regions, page_tables) in zip(redo, again, strict=True):
            regions[page.number - 1] = page_regions
            found[page.number - 1] = [normalize_table(t) for t in page_tables]
    return regions, found, failures


def run_scholarly(ws: Workspace, key: str) -> StageResult:
    started = time.perf_counter()
    spine = ws.read(key, SPINE, OcrSpine)
    body = without_running_furniture(spine)  # a page number must not end up inside a reference
    output: ScholarlyOutput = ws.host.call(
        "scholarly", "extract", Path(ws.source(key).path), body, pages=len(spine.pages), what="scholarly structure"
    )
    result = output.scholarly
    result.headings = nest_headings(result.headings)
    result.captions = captions(spine)
    result.citations = link_citations(spine, result.references, skip=result.references)
    with staged_dir(ws.settings.stage_dir(key, SCHOLARLY)) as tmp:
        write_model(tmp / STAGE_FILES[SCHOLARLY], result)
        for name, text in output.files.items():
            write_bytes(tmp / name, text.encode())
        seconds = _record(tmp, SCHOLARLY, started, ws.engine_info(SCHOLARLY))
    return StageResult(
        {
            "producer": result.producer,
            "title": result.title.text if result.title else "",
            "authors": len(result.authors),
            "headings": len(result.headings),
            "references": len(result.references),
            "captions": len(result.captions),
            "citations": len(result.citations),
            "seconds": seconds,
        }
    )


def run_fuse(ws: Workspace, key: str) -> StageResult:
    started = time.perf_counter()
    stages = [
        read_model(ws.settings.stage_dir(key, s) / RECORD, StageProvenance)
        for s in (SOURCE, RENDERS, SPINE, LAYOUT, SCHOLARLY)
    ]
    doc = fuse(
        ws.read(key, SOURCE, SourceInfo),
        ws.read(key, SPINE, OcrSpine),
        ws.read(key, LAYOUT, LayoutOutput),
        ws.read(key, SCHOLARLY, Scholarly),
        stages,
    )
    seconds = round(time.perf_counter() - started, 3)
    doc.provenance.stages.append(
        StageProvenance(stage=FUSED, engine=FUSION.name, engine_version=FUSION.version, seconds=seconds)
    )
    _write_stage(ws, key, FUSED, doc, started, FUSION)
    return StageResult(
        {
            "pages": len(doc.pages),
            "blocks": len(doc.blocks),
            "tables": len(doc.tables),
            "block_kinds": _tally(b.kind for b in doc.blocks),
            "title": doc.scholarly.title.text if doc.scholarly.title else "",
            "references": len(doc.scholarly.references),
            "ocr_pages": sum(p.text_source == "ocr" for p in doc.pages),
            "path": ws.settings.relative(ws.path(key, FUSED)),
            "preview": to_markdown(doc, pages={1})[:PREVIEW_CHARS],
            "seconds": seconds,
        }
    )


def run_embeddings(ws: Workspace, key: str) -> StageResult:
    """Section-aware chunks of the fused document and one vector per chunk."""
    import numpy as np

    started = time.perf_counter()
    doc = ws.read(key, FUSED, FusedDocument)
    chunks = build_chunks(doc, ws.profile.chunk_chars)
    texts = [" > ".join([*c.section, c.text]) if c.section else c.text for c in chunks]
    vectors = ws.host.call("embeddings", "embed", texts, pages=len(doc.pages), what="embedding")
    if vectors.shape[0] != len(chunks):
        raise DocumentError("engine_error", f"embeddings returned {vectors.shape[0]} vectors for {len(chunks)} chunks")
    engine = cast(EmbeddingEngine, ws.host.engine("embeddings"))
    dimension = int(vectors.shape[1]) if len(chunks) else int(getattr(ws.profile.engine("embeddings"), "dim", 0))
    out = DocumentChunks(key=key, model=engine.model_name(), dimension=dimension, chunks=chunks)
    buffer = io.BytesIO()
    np.save(buffer, vectors.astype(np.float32, copy=False))
    with staged_dir(ws.settings.stage_dir(key, EMBEDDINGS)) as tmp:
        write_model(tmp / STAGE_FILES[EMBEDDINGS], out)
        write_bytes(tmp / VECTORS, buffer.getvalue())
        seconds = _record(tmp, EMBEDDINGS, started, ws.engine_info(EMBEDDINGS))
    return StageResult({"chunks": len(chunks), "model": out.model, "dimension": dimension, "seconds": seconds})


STAGES = {
    SOURCE: run_source,
    RENDERS: run_renders,
    SPINE: run_spine,
    LAYOUT: run_layout,
    SCHOLARLY: run_scholarly,
    FUSED: run_fuse,
    EMBEDDINGS: run_embeddings,
}


def warm_up(profile: Profile) -> None:
    """Load once what every document needs, so that processes forked from this one start warm
    (engines with a ``warm_up``: refextract's knowledge bases, PyMuPDF's layout model)."""
    host = EngineHost(profile)
    for stage in ("layout", "scholarly"):
        engine = host.engine(stage)
        if hasattr(engine, "warm_up"):
            engine.warm_up()


def run_document(ws: Workspace, key: str) -> dict[str, StageResult]:
    """Every stage for one document, in order (the bare loop: no orchestrator)."""
    return {stage: fn(ws, key) for stage, fn in STAGES.items()}
