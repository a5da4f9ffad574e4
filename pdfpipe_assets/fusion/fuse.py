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


def _kinds_by_line(spine: OcrSpine, scholarly: Scholarly) -> dict[int, tuple[str, int]]:
    """id(line) -> (block kind, item number), from the scholarly anchors that cover the line."""
    located = [("title", scholarly.title)] if scholarly.title else []
    located += [("author", a) for a in scholarly.authors]
    located += [("abstract", scholarly.abstract)] if scholarly.abstract else []
    located += [("section_header", h) for h in scholarly.headings]
    located += [("reference", r) for r in scholarly.references]
    pages = {p.number: p for p in spine.pages}
    kinds: dict[int, tuple[str, int]] = {}
    for number, (kind, item) in enumerate(located):
        for anchor in item.anchors:
            for line in pages[anchor.page].lines if anchor.page in pages else []:
                if id(line) not in kinds and line.bbox.overlap_of(anchor.bbox) >= ANCHOR_OVERLAP:
                    kinds[id(line)] = (kind, number)
    return kinds


PLAIN = ("text", -1)


def _runs(lines: list[Line], kinds: dict[int, tuple[str, int]]):
    """Split one engine block where the scholarly item changes (a heading glued to its text,
    several references in one block)."""
    run: list[Line] = []
    for line in lines:
        if run and kinds.get(id(line), PLAIN) != kinds.get(id(run[-1]), PLAIN):
            yield run
            run = []
        run.append(line)
    if run:
        yield run


def _stacked(upper: Line, lower: Line) -> bool:
    """``lower`` sits right below ``upper`` and overlaps it horizontally (the next line)."""
    gap = lower.bbox.y0 - upper.bbox.y1
    overlap = min(upper.bbox.x1, lower.bbox.x1) - max(upper.bbox.x0, lower.bbox.x0)
    return -upper.bbox.height <= gap <= 1.5 * upper.bbox.height and overlap > 0


def _text_runs(lines: list[Line], kinds: dict[int, tuple[str, int]]) -> list[list[Line]]:
    """Engine blocks split by scholarly item; neighbouring runs of one item joined again."""
    groups: dict[int, list[Line]] = {}
    for line in lines:
        groups.setdefault(line.block, []).append(line)
    runs: list[list[Line]] = []
    for group in groups.values():
        for run in _runs(group, kinds):
            item = kinds.get(id(run[0]), PLAIN)
            if runs and item != PLAIN and kinds.get(id(runs[-1][0]), PLAIN) == item and _stacked(runs[-1][-1], run[0]):
                runs[-1].extend(run)  # a title set as two engine blocks is one block
            else:
                runs.append(run)
    return runs


def _page_blocks(page, page_tables, kinds, text_engine: str, table_engine: str) -> list[Block]:
    """The page's blocks in reading order; lines inside a table are replaced by the table."""
    lines = [ln for ln in page.lines if not any(ln.bbox.overlap_of(t.bbox) >= TABLE_OVERLAP for t in page_tables)]
    blocks = [
        Block(
            index=0, page=page.number, bbox=union_all(ln.bbox for ln in run), kind=kinds.get(id(run[0]), PLAIN)[0],
            text=clean(" ".join(ln.text for ln in run)), source_stage="ocr_spine", engine=text_engine,
        )
        for run in _text_runs(lines, kinds)
    ]
    blocks += [
        Block(
            index=0, page=page.number, bbox=t.bbox, kind="table", text=t.markdown, source_stage="tables",
            engine=table_engine,
        )
        for t in page_tables
    ]
    return [blocks[i] for i in reading_order([b.bbox for b in blocks], page.width)]


def fuse(
    source: SourceInfo,
    spine: OcrSpine,
    tables: TablesOutput,
    scholarly: Scholarly,
    stages: list[StageProvenance],
) -> FusedDocument:
    kinds = _kinds_by_line(spine, scholarly)
    blocks: list[Block] = []
    for page in spine.pages:
        engine = spine.text_engine if page.source == "text_layer" else spine.ocr_engine
        page_tables = [t for t in tables.tables if t.page == page.number]
        for block in _page_blocks(page, page_tables, kinds, engine, tables.engine):
            blocks.append(block.model_copy(update={"index": len(blocks)}))
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
