"""What the scorers read from a fused document: its text in reading order, a page's text, and
table grids."""

from __future__ import annotations

from ..contracts import FusedDocument, Table

DOCLING_LABEL = {  # our block kinds / layout labels in docling's label names
    "section-header": "section_header",
    "list-item": "list_item",
    "page-header": "page_header",
    "page-footer": "page_footer",
    "author": "text",
    "affiliation": "text",
    "abstract": "text",
    "reference": "list_item",
}


def label_of(block) -> str:
    label = block.layout_label or block.kind
    return DOCLING_LABEL.get(label, label.replace("-", "_"))


def table_text(table: Table) -> str:
    """A table's cell texts, row by row: what a plain-text extractor would print for it."""
    cells = sorted(table.cells, key=lambda c: (c.row, c.col))
    return "\n".join(" ".join(c.text for c in cells if c.row == r and c.text) for r in range(table.rows))


def reading_text(doc: FusedDocument, furniture: bool = False, tables: bool = False, pictures: bool = False) -> str:
    """Block texts in reading order.  Running headers and footers, tables (as their cell text)
    and text inside pictures only when asked for: docling's reading order has none of them."""
    by_bbox = {(t.page, t.bbox.x0, t.bbox.y0): t for t in doc.tables}
    parts = []
    for block in doc.blocks:
        if block.furniture and not furniture:
            continue
        if block.kind == "table" and block.source_stage == "layout_tables":
            if tables:
                table = by_bbox.get((block.page, block.bbox.x0, block.bbox.y0))
                parts.append(table_text(table) if table else block.text)
            continue
        if block.kind == "picture" and not pictures:
            continue
        parts.append(block.text)
    return "\n".join(p for p in parts if p)


def page_markdown(doc: FusedDocument, page: int) -> str:
    """One page as olmOCR-bench reads a model's output: body text in order, tables as Markdown,
    running headers and footers left out."""
    return "\n\n".join(b.text for b in doc.blocks if b.page == page and not b.furniture and b.text)


def grid(table: Table) -> dict[tuple[int, int], str]:
    """(row, col) -> text for every slot, a spanning cell's text repeated in each slot it covers."""
    out = {}
    for cell in table.cells:
        for r in range(cell.row, cell.row + cell.row_span):
            for c in range(cell.col, cell.col + cell.col_span):
                out[(r, c)] = cell.text
    return out
