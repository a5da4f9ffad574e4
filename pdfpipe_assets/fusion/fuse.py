"""Fuse every stage's output into one ``FusedDocument``.  Pure: no I/O."""

from __future__ import annotations

from datetime import UTC, datetime

from .. import __version__
from ..contracts import (
    Author,
    Block,
    FusedDocument,
    LayoutOutput,
    Located,
    OcrSpine,
    Region,
    Scholarly,
    SourceInfo,
    Table,
)
from ..contracts.fused import KIND_OF_LABEL, DocumentInfo, FusedPage, Provenance, StageProvenance
from ..contracts.geometry import union_all
from ..contracts.layout import FURNITURE
from ..contracts.spine import Line, SpinePage
from ..text import starts_caption
from .clean_text import clean_block_text, join_lines, vocabulary
from .drop_caps import attach_drop_caps
from .furniture import furniture_row_mates, running_furniture
from .read_pages import read_page_blocks, table_block
from .reading_order import follow_numbering, heading_number, reading_order
from .scholarly import without_headings_in_tables
from .table_captions import table_caption, table_note

TABLE_OVERLAP = 0.5
ANCHOR_OVERLAP = 0.5
REGION_OVERLAP = 0.5


def _kinds_by_line(spine: OcrSpine, scholarly: Scholarly) -> dict[int, tuple[str, int]]:
    """id(line) -> (block kind, item number), from the scholarly anchors that cover the line."""
    located: list[tuple[str, Located | Author]] = [("title", scholarly.title)] if scholarly.title else []
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
    for line_id, kind in running_furniture(spine.pages).items():
        kinds.setdefault(line_id, (kind, -2))
    return kinds


PLAIN = ("text", -1)


def _runs(lines: list[Line], kinds: dict[int, tuple[str, int]]):
    """Split one group where the scholarly item changes (a heading glued to its text,
    several references in one region)."""
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


def _beside(left: Line, right: Line) -> bool:
    """``right`` continues ``left`` on the same baseline ('I.' then 'INTRODUCTION')."""
    overlap = min(left.bbox.y1, right.bbox.y1) - max(left.bbox.y0, right.bbox.y0)
    return overlap >= 0.5 * min(left.bbox.height, right.bbox.height) and right.bbox.x0 >= left.bbox.x1 - 1


def _region_of(line: Line, regions: list[Region]) -> int | None:
    """The layout region holding most of the line, if one holds at least half of it."""
    best, share = None, REGION_OVERLAP
    for i, region in enumerate(regions):
        covered = line.bbox.overlap_of(region.bbox)
        if covered >= share:
            best, share = i, covered
    return best


def _groups(lines: list[Line], regions: list[Region], kinds) -> list[tuple[list[Line], Region | None]]:
    """Lines grouped by layout region (or by the engine's block where no region holds them),
    split by scholarly item; neighbouring runs of one item joined again."""
    groups: dict[tuple, list[Line]] = {}
    for line in lines:
        region = _region_of(line, regions)
        groups.setdefault(("region", region) if region is not None else ("block", line.block), []).append(line)
    out: list[tuple[list[Line], Region | None]] = []
    for (what, index), group in groups.items():
        region = regions[index] if what == "region" else None
        for run in _runs(group, kinds):
            item = kinds.get(id(run[0]), PLAIN)
            last = out[-1][0] if out else None
            same = last is not None and item != PLAIN and kinds.get(id(last[0]), PLAIN) == item
            if last is not None and same and (_stacked(last[-1], run[0]) or _beside(last[-1], run[0])):
                last.extend(run)  # a title set as two blocks, a heading's number and words: one block
            else:
                out.append((run, region))
    return out


def _kind(text: str, region: Region | None, scholarly_kind: str) -> str:
    if scholarly_kind != "text":
        return scholarly_kind
    kind = KIND_OF_LABEL.get(region.label, "text") if region else "text"
    if kind in ("text", "picture") and starts_caption(text):
        return "caption"  # the model often calls a caption plain text
    if kind == "table":  # text in a table region outside the grid: the table's caption or notes
        return "caption" if starts_caption(text) or table_caption(text) else "footnote" if table_note(text) else kind
    return kind


HEADER_KINDS = ("title", "author", "affiliation", "abstract")  # a 'heading' in a footer band is furniture


def _furniture(kind: str, region: Region | None) -> bool:
    """Running header, footer or page number; never the title, an author or the abstract that
    the layout model put in the page's margin band."""
    if kind in HEADER_KINDS:
        return False
    return bool(region and region.label in FURNITURE) or kind in ("page_header", "page_footer")


def _page_blocks(
    page: SpinePage, regions: list[Region], tables: list[Table], kinds, engines, vocab: set[str]
) -> list[Block]:
    """The page's blocks in reading order: header furniture, body (columns), footer furniture.
    Lines inside a found table are replaced by the table; text is cleaned (``clean_text``)."""
    text_engine, table_engine, image_engine = engines
    lines = [ln for ln in page.lines if not any(ln.bbox.overlap_of(t.bbox) >= TABLE_OVERLAP for t in tables)]
    lines, joined = attach_drop_caps(lines)
    kinds = {**kinds, **{id(new): kinds[id(old)] for new, old in joined if id(old) in kinds}}
    blocks = []
    for run, region in _groups(lines, regions, kinds):
        text, unreadable = clean_block_text(join_lines([ln.text for ln in run], vocab))
        kind = _kind(text, region, kinds.get(id(run[0]), PLAIN)[0])
        blocks.append(
            Block(
                index=0,
                page=page.number,
                bbox=union_all(ln.bbox for ln in run),
                kind=kind,
                layout_label=region.label if region else None,
                furniture=_furniture(kind, region),
                text=text,
                unreadable_glyphs=unreadable,
                source_stage="ocr_spine",
                engine=image_engine if all(ln.source != "text_layer" for ln in run) and image_engine else text_engine,
            )
        )
    blocks += [table_block(t, table_engine) for t in tables]
    for i in furniture_row_mates([b.bbox for b in blocks], [b.furniture for b in blocks], page.height):
        if blocks[i].kind not in HEADER_KINDS:
            blocks[i] = blocks[i].model_copy(update={"furniture": True})
    head = [b for b in blocks if b.kind == "page_header"]
    foot = [b for b in blocks if b.kind == "page_footer"]
    body = [b for b in blocks if b.kind not in ("page_header", "page_footer")]
    ordered = [body[i] for i in reading_order([b.bbox for b in body], page.width)]
    numbers = [heading_number(b.text) if b.kind == "section_header" else None for b in ordered]
    ordered = [ordered[i] for i in follow_numbering(numbers)]
    return (
        sorted(head, key=lambda b: (b.bbox.y0, b.bbox.x0))
        + ordered
        + sorted(foot, key=lambda b: (b.bbox.y0, b.bbox.x0))
    )


def fuse(
    source: SourceInfo,
    spine: OcrSpine,
    layout: LayoutOutput,
    scholarly: Scholarly,
    stages: list[StageProvenance],
) -> FusedDocument:
    scholarly = without_headings_in_tables(scholarly, layout)
    kinds = _kinds_by_line(spine, scholarly)
    vocab = vocabulary(ln.text for page in spine.pages for ln in page.lines)
    blocks: list[Block] = []
    for page in spine.pages:
        text_layer = page.source == "text_layer"
        engines = (
            spine.text_engine if text_layer else spine.ocr_engine,
            layout.engine,
            spine.image_text_engine if text_layer else None,  # text read from a text-layer page's images
        )
        regions = [r for r in layout.regions if r.page == page.number]
        page_tables = [t for t in layout.tables if t.page == page.number]
        if any(r.text is not None for r in regions):  # a page reader (a VLM) read the page itself
            page_blocks = read_page_blocks(page, regions, page_tables, kinds, layout.engine)
        else:
            page_blocks = _page_blocks(page, regions, page_tables, kinds, engines, vocab)
        for block in page_blocks:
            blocks.append(block.model_copy(update={"index": len(blocks)}))
    return FusedDocument(
        document=DocumentInfo(
            key=source.key,
            file_name=source.file_name or source.path.rsplit("/", 1)[-1],
            sha256=source.sha256,
            size_bytes=source.size_bytes,
            page_count=source.page_count,
            pdf_version=source.pdf_version,
            repaired=source.repaired,
            metadata=source.metadata,
        ),
        pages=[
            FusedPage(number=p.number, width=p.width, height=p.height, rotation=p.rotation, text_source=p.source)
            for p in spine.pages
        ],
        blocks=blocks,
        tables=layout.tables,
        scholarly=scholarly,
        provenance=Provenance(
            pdfpipe_version=__version__,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            stages=stages,
        ),
    )
