"""Blocks of a page that a page reader (a VLM) read itself: its text, in its reading order.

The reader's regions carry their own text and order, and a box from aligning that text to the
spine (or the whole page, marked unaligned).  The spine still lends what it knows: the
scholarly role (title, author, abstract, reference) and running furniture of the lines a
region covers.  Tables and formulas keep the reader's own Markdown, HTML or LaTeX.
"""

from __future__ import annotations

from collections import Counter

from ..contracts import Block, Region, Table
from ..contracts.fused import KIND_OF_LABEL
from ..contracts.spine import SpinePage
from .clean_text import clean_block_text

ROLES = ("title", "author", "abstract", "reference", "page_header", "page_footer")
VERBATIM = ("table", "formula", "code")
COVERED = 0.5  # share of a spine line inside a region for the line to lend the region its role


def _role(page: SpinePage, region: Region, kinds: dict[int, tuple[str, int]]) -> str | None:
    """The scholarly role of most of the spine lines the region covers, if they have one."""
    roles = Counter(
        kinds.get(id(line), ("text", -1))[0] for line in page.lines if line.bbox.overlap_of(region.bbox) >= COVERED
    )
    if not roles:
        return None
    role, count = roles.most_common(1)[0]
    return role if role in ROLES and 2 * count >= sum(roles.values()) else None


def table_block(table: Table, engine: str) -> Block:
    """A found table as a block of the page: its Markdown grid as the text."""
    return Block(
        index=0,
        page=table.page,
        bbox=table.bbox,
        kind="table",
        layout_label="table",
        text=table.markdown,
        source_stage="layout_tables",
        engine=engine,
    )


def _other_tables(tables: list[Table], regions: list[Region], blocks: list[Block], engine: str) -> list[Block]:
    """``blocks`` with the tables another table engine found (one that is not the page reader)
    put in before the first block below each; a table the reader also read is left out."""
    read = [r.bbox for r in regions if r.label == "table"]
    out = list(blocks)
    for table in tables:
        if any(table.bbox.overlap_of(box) >= 0.5 for box in read):
            continue
        at = next((i for i, b in enumerate(out) if b.aligned and b.bbox.y0 > table.bbox.y0), len(out))
        out.insert(at, table_block(table, engine))
    return out


def read_page_blocks(
    page: SpinePage, regions: list[Region], tables: list[Table], kinds: dict[int, tuple[str, int]], engine: str
) -> list[Block]:
    blocks = []
    for region in sorted(regions, key=lambda r: (r.order is None, r.order or 0)):
        labelled = KIND_OF_LABEL.get(region.label, "text")
        role = _role(page, region, kinds) if region.aligned and labelled not in VERBATIM else None
        kind = role or labelled
        text, unreadable = (region.text or "", 0) if kind in VERBATIM else clean_block_text(region.text or "")
        blocks.append(
            Block(
                index=0,
                page=page.number,
                bbox=region.bbox,
                kind=kind,
                layout_label=region.label,
                furniture=kind in ("page_header", "page_footer"),
                text=text,
                unreadable_glyphs=unreadable,
                source_stage="layout_tables",
                engine=engine,
                aligned=region.aligned,
            )
        )
    return _other_tables(tables, regions, blocks, engine)
