"""One function per stage: key -> inputs -> one engine call -> atomic write -> metrics.

These know nothing of Dagster; the assets, the CLI and the benchmark's bare loop call them.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

from .budget import run_with_budget
from .catalog import Registry
from .contracts import LayoutOutput, OcrSpine, RenderManifest, Scholarly, SourceInfo, SpineFrames
from .contracts.fused import StageProvenance
from .engines.base import EngineInfo
from .engines.pymupdf_engines import PyMuPDFRenderer, PyMuPDFSource, PyMuPDFTextLayer
from .engines.refextract_refs import RefextractParser
from .engines.registry import make_layout_engine, make_ocr_engine, ocr_engine_info
from .errors import DocumentError
from .fusion import spine as spine_rules
from .fusion.checks import page_geometry_problems
from .fusion.citations import captions, link_citations
from .fusion.fuse import fuse
from .fusion.scholarly import align_tei, extract_embedded, nest_headings, with_fields
from .fusion.tei import parse_tei
from .profiles import Profile
from .settings import Settings
from .storage import read_model, staged_dir, write_bytes, write_model

SOURCE, RENDERS, SPINE, LAYOUT, SCHOLARLY, FUSED = (
    "source_pdf", "page_renders", "ocr_spine", "layout_tables", "grobid_alignment", "fused_document",
)
STAGE_FILES = {
    SOURCE: "source.json", RENDERS: "pages.json", SPINE: "spine.json", LAYOUT: "layout.json",
    SCHOLARLY: "scholarly.json", FUSED: "document.json",
}
STAGE_VERSIONS = {SOURCE: "1", RENDERS: "1", SPINE: "1", LAYOUT: "2", SCHOLARLY: "2", FUSED: "2"}
RECORD = "_stage.json"
FUSION = EngineInfo("pdfpipe-fusion", STAGE_VERSIONS[FUSED])


@dataclass
class StageResult:
    metadata: dict = field(default_factory=dict)


@dataclass
class Workspace:
    """Everything a stage needs: where data lives, the registry, the profile, the engines."""

    settings: Settings
    profile: Profile
    grobid_url: str | None = None
    entries: dict = field(default_factory=dict)  # registry entries fetched ahead for a batch

    def prefetch(self, keys: list[str]) -> None:
        """Read a batch's registry entries in one go (``source_pdf`` of a batched run)."""
        self.entries.update(self.registry.get_many([k for k in keys if k not in self.entries]))

    def entry(self, key: str):
        return self.entries.get(key) or self.registry.get(key)

    @cached_property
    def registry(self) -> Registry:
        return Registry(self.settings.registry_path)

    @cached_property
    def layout(self):
        return make_layout_engine(self.profile.engines.layout)

    def engine_info(self, stage: str) -> EngineInfo:
        if stage == SPINE:
            ocr = ocr_engine_info(self.profile.engines.ocr)
            return EngineInfo(f"pymupdf+{ocr.name}", f"{PyMuPDFSource.info.version}+{ocr.version}")
        if stage == SCHOLARLY:
            if self.grobid_url:
                return EngineInfo("grobid", "server")
            return EngineInfo("embedded+refextract", f"1+{RefextractParser.info.version}")
        if stage == FUSED:
            return FUSION
        if stage == LAYOUT:
            return self.layout.info
        return PyMuPDFSource.info

    def limited(self, fn, *args, pages: int = 1, what: str = "work"):
        """``fn(*args)`` in the budget worker process, killed past the profile's budget for ``pages``."""
        budget = self.profile.budget
        return run_with_budget(fn, *args, timeout_s=budget.seconds(pages), memory_mb=budget.memory_mb, what=what)

    def code_version(self, stage: str) -> str:
        return f"{STAGE_VERSIONS[stage]}:{self.engine_info(stage).label}"

    def path(self, key: str, stage: str) -> Path:
        return self.settings.stage_dir(key, stage) / STAGE_FILES[stage]

    def read(self, key: str, stage: str, model):
        path = self.path(key, stage)
        if not path.exists():
            raise DocumentError("missing_input", f"{stage} has not been materialized for {key}")
        return read_model(path, model)

    def source(self, key: str) -> SourceInfo:
        """What ``source_pdf`` recorded, the PDF's path included (no registry round trip)."""
        return self.read(key, SOURCE, SourceInfo)


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
    info = ws.limited(PyMuPDFSource().inspect, entry.source_path, key, entry.sha256, what="opening the PDF")
    if info.page_count > ws.profile.budget.max_pages:
        raise DocumentError(
            "too_large", f"{info.page_count} pages, more than the profile's max_pages {ws.profile.budget.max_pages}"
        )
    seconds = _write_stage(ws, key, SOURCE, info, started, PyMuPDFSource.info)
    return StageResult({
        "pages": info.page_count, "pages_with_text": sum(p.has_text_layer for p in info.pages),
        "repaired": info.repaired, "encrypted": info.encrypted, "pdf_version": info.pdf_version or "",
        "seconds": seconds,
    })


def run_renders(ws: Workspace, key: str) -> StageResult:
    started = time.perf_counter()
    render = ws.profile.render
    source = ws.source(key)
    with staged_dir(ws.settings.stage_dir(key, RENDERS)) as tmp:
        manifest = ws.limited(
            PyMuPDFRenderer().render, Path(source.path), tmp, render.dpi, render.max_pixels,
            pages=source.page_count, what="rendering",
        )
        write_model(tmp / STAGE_FILES[RENDERS], manifest)
        seconds = _record(tmp, RENDERS, started, PyMuPDFRenderer.info)
    return StageResult({"pages": len(manifest.pages), "dpi": manifest.dpi, "seconds": seconds})


def run_spine(ws: Workspace, key: str) -> StageResult:
    started = time.perf_counter()
    source = ws.source(key)
    renders = ws.read(key, RENDERS, RenderManifest)
    text_pages = ws.limited(
        PyMuPDFTextLayer().read, Path(source.path), pages=source.page_count, what="reading the text layer"
    )
    choices = [spine_rules.needs_ocr(lines) for lines in text_pages]
    to_ocr = [n for n, (needed, _) in enumerate(choices, start=1) if needed]
    t = time.perf_counter()
    ocr_info = ocr_engine_info(ws.profile.engines.ocr)
    if to_ocr:
        folder = ws.settings.stage_dir(key, RENDERS)
        pngs = [(folder / renders.pages[n - 1].file, renders.pages[n - 1].dpi) for n in to_ocr]
        recognized = ws.limited(_recognize, ws.profile.engines.ocr, pngs, pages=len(to_ocr), what="OCR")
        ocr_results = dict(zip(to_ocr, recognized))
    ocr_seconds = time.perf_counter() - t
    pages = []
    for number, (lines, (needed, why)) in enumerate(zip(text_pages, choices), start=1):
        if needed:
            result = ocr_results[number]
            pages.append(spine_rules.ocr_page(source, number, result.lines, why, result.orientation))
        else:
            pages.append(spine_rules.text_page(source, number, lines, why))
    spine = OcrSpine(text_engine=PyMuPDFTextLayer.info.label, ocr_engine=ocr_info.label, pages=pages)
    problems = page_geometry_problems(source, renders, spine)
    if problems:  # never let one stage see a page as portrait and another as landscape
        raise DocumentError("engine_error", "stages disagree on page geometry: " + "; ".join(problems))
    seconds = _write_stage(ws, key, SPINE, spine, started, ws.engine_info(SPINE))
    ocr_pages = sum(p.source != "text_layer" for p in pages)
    return StageResult({
        "pages": len(pages), "text_layer_pages": len(pages) - ocr_pages, "ocr_pages": ocr_pages,
        "lines": sum(len(p.lines) for p in pages), "words": sum(len(ln.words) for p in pages for ln in p.lines),
        "ocr_seconds": round(ocr_seconds, 3), "seconds": seconds,
    })


def _tally(values) -> str:
    """'a=2, b=1': how often each value occurs, for asset metadata."""
    return ", ".join(f"{k}={n}" for k, n in sorted(Counter(values).items()))


@lru_cache(maxsize=None)
def _ocr_engine(kind: str):
    """One OCR engine per worker process: its language data or models load once."""
    return make_ocr_engine(kind)


def _recognize(kind: str, pngs: list[tuple[Path, int]]):
    engine = _ocr_engine(kind)
    return [engine.recognize(png, dpi) for png, dpi in pngs]


def geometry_problems(ws: Workspace, key: str) -> list[str]:
    return page_geometry_problems(
        ws.read(key, SOURCE, SourceInfo), ws.read(key, RENDERS, RenderManifest), ws.read(key, SPINE, SpineFrames)
    )


def run_layout(ws: Workspace, key: str) -> StageResult:
    started = time.perf_counter()
    source = ws.source(key)
    spine = ws.read(key, SPINE, OcrSpine)
    ocr_words = {  # scanned pages: the layout model needs their text, which only the OCR has
        page.number: [(w.text, (w.bbox.x0, w.bbox.y0, w.bbox.x1, w.bbox.y1)) for line in page.lines for w in line.words]
        for page in spine.pages if page.source == "ocr"
    }
    found = ws.limited(
        ws.layout.analyze, Path(source.path), ocr_words, pages=source.page_count,
        what="layout and table finding",
    )
    seconds = _write_stage(ws, key, LAYOUT, found, started, ws.layout.info)
    return StageResult({
        "regions": len(found.regions), "region_labels": _tally(r.label for r in found.regions),
        "tables": len(found.tables), "cells": sum(len(t.cells) for t in found.tables), "seconds": seconds,
    })


def run_scholarly(ws: Workspace, key: str) -> StageResult:
    started = time.perf_counter()
    spine = ws.read(key, SPINE, OcrSpine)
    if ws.grobid_url:
        from .engines.grobid import GrobidClient

        client = GrobidClient(ws.grobid_url)
        tei_xml = client.process_fulltext(Path(ws.source(key).path))
        result, engine = align_tei(parse_tei(tei_xml), spine), client.info
    else:
        result, engine = extract_embedded(spine), ws.engine_info(SCHOLARLY)
        result.references = with_fields(result.references, RefextractParser().parse([r.text for r in result.references]))
    result.headings = nest_headings(result.headings)
    result.captions = captions(spine)
    result.citations = link_citations(spine, result.references, skip=result.references)
    with staged_dir(ws.settings.stage_dir(key, SCHOLARLY)) as tmp:
        write_model(tmp / STAGE_FILES[SCHOLARLY], result)
        if ws.grobid_url:
            write_bytes(tmp / "grobid.tei.xml", tei_xml.encode())
        seconds = _record(tmp, SCHOLARLY, started, engine)
    return StageResult({
        "producer": result.producer, "title": result.title.text if result.title else "",
        "authors": len(result.authors), "headings": len(result.headings),
        "references": len(result.references), "captions": len(result.captions),
        "citations": len(result.citations), "seconds": seconds,
    })


def run_fuse(ws: Workspace, key: str) -> StageResult:
    started = time.perf_counter()
    stages = [
        read_model(ws.settings.stage_dir(key, s) / RECORD, StageProvenance)
        for s in (SOURCE, RENDERS, SPINE, LAYOUT, SCHOLARLY)
    ]
    doc = fuse(
        ws.read(key, SOURCE, SourceInfo), ws.read(key, SPINE, OcrSpine), ws.read(key, LAYOUT, LayoutOutput),
        ws.read(key, SCHOLARLY, Scholarly), stages,
    )
    seconds = round(time.perf_counter() - started, 3)
    doc.provenance.stages.append(
        StageProvenance(stage=FUSED, engine=FUSION.name, engine_version=FUSION.version, seconds=seconds)
    )
    _write_stage(ws, key, FUSED, doc, started, FUSION)
    return StageResult({
        "pages": len(doc.pages), "blocks": len(doc.blocks), "tables": len(doc.tables),
        "block_kinds": _tally(b.kind for b in doc.blocks),
        "path": str(ws.path(key, FUSED)), "seconds": seconds,
    })


STAGES = {
    SOURCE: run_source, RENDERS: run_renders, SPINE: run_spine, LAYOUT: run_layout,
    SCHOLARLY: run_scholarly, FUSED: run_fuse,
}


def warm_up(profile: Profile) -> None:
    """Load once what every document needs, so that processes forked from this one start warm:
    refextract compiles its knowledge bases (about 1.7 s), PyMuPDF loads its layout model."""
    from .engines.pymupdf_engines import LAYOUT_FEATURES, use_layout_model

    RefextractParser().parse(["A. Author, A title, J. Phys. 1 (2000) 1."])
    if profile.engines.layout in LAYOUT_FEATURES:
        use_layout_model(LAYOUT_FEATURES[profile.engines.layout])


def run_document(ws: Workspace, key: str) -> dict[str, StageResult]:
    """Every stage for one document, in order (the bare loop: no orchestrator)."""
    return {stage: fn(ws, key) for stage, fn in STAGES.items()}
