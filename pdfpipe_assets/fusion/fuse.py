"""Fuse every stage's output into one ``FusedDocument``.  Pure: no I/O."""

from __future__ import annotations

from datetime import datetime, timezone

from .. import __version__
from ..contracts import Block, FusedDocument, OcrSpine, Scholarly, SourceInfo, TablesOutput
from ..contracts.fused import DocumentInfo, FusedPage, Provenance, StageProvenance
from ..contracts.geometry import union_all
from ..contracts.spine import Line
from .reading_order import reading_order
from .text import clean

TABLE_OVERLAP = 0.5
ANCHOR_OVERLAP = 0.5


def _kinds_by_line(spine: OcrSpine, scholarly: Scholarly) -> dict[int, str]:
    """id(line) -> block kind, from the scholarly anchors that cover the line."""
    located = [("title", scholarly.title)] if scholarly.title else []
    located += [("author", a) for a in scholarly.authors]
    located += [("abstract", scholarly.abstract)] if scholarly.abstract else []
    located += [("section_header", h) for h in scholarly.headings]
    located += [("reference", r) for r in scholarly.references]
    pages = {p.number: p for p in spine.pages}
    kinds: dict[int, str] = {}
    for kind, item in located:
        for anchor in item.anchors:
            for line in pages[anchor.page].lines if anchor.page in pages else []:
                if id(line) not in kinds and line.bbox.overlap_of(anchor.bbox) >= ANCHOR_OVERLAP:
                    kinds[id(line)] = kind
    return kinds


def _runs(lines: list[Line], kinds: dict[int, str]):
    """Split one engine block into runs of lines of the same kind (a heading glued to its text)."""
    run: list[Line] = []
    for line in lines:
        if run and kinds.get(id(line), "text") != kinds.get(id(run[-1]), "text"):
            yield run
            run = []
        run.append(line)
    if run:
        yield run


def fuse(
    source: SourceInfo,
    spine: OcrSpine,
    tables: TablesOutput,
    scholarly: Scholarly,
    stages: list[StageProvenance],
) -> FusedDocument:
    kinds = _kinds_by_line(spine, scholarly)
    text_engine = {p.number: (spine.text_engine if p.source == "text_layer" else spine.ocr_engine) for p in spine.pages}
    blocks: list[Block] = []
    for page in spine.pages:
        page_tables = [t for t in tables.tables if t.page == page.number]
        groups: dict[int, list[Line]] = {}
        for line in page.lines:
            if any(line.bbox.overlap_of(t.bbox) >= TABLE_OVERLAP for t in page_tables):
                continue
            groups.setdefault(line.block, []).append(line)
        candidates: list[Block] = []
        for lines in groups.values():
            for run in _runs(lines, kinds):
                candidates.append(
                    Block(
                        index=0, page=page.number, bbox=union_all(ln.bbox for ln in run),
                        kind=kinds.get(id(run[0]), "text"), text=clean(" ".join(ln.text for ln in run)),
                        source_stage="ocr_spine", engine=text_engine[page.number],
                    )
                )
        candidates += [
            Block(
                index=0, page=page.number, bbox=t.bbox, kind="table", text=t.markdown,
                source_stage="tables", engine=tables.engine,
            )
            for t in page_tables
        ]
        for i in reading_order([b.bbox for b in candidates], page.width):
            blocks.append(candidates[i].model_copy(update={"index": len(blocks)}))
    return FusedDocument(
        document=DocumentInfo(
            key=source.key, file_name=source.path.rsplit("/", 1)[-1], sha256=source.sha256,
            size_bytes=source.size_bytes, page_count=source.page_count, pdf_version=source.pdf_version,
            repaired=source.repaired, metadata=source.metadata,
        ),
        pages=[
            FusedPage(number=p.number, width=p.width, height=p.height, rotation=p.rotation, text_source=p.source)
            for p in spine.pages
        ],
        blocks=blocks,
        tables=tables.tables,
        scholarly=scholarly,
        provenance=Provenance(
            pdfpipe_version=__version__, created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            stages=stages,
        ),
    )
