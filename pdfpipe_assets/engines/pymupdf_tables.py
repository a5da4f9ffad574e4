"""PyMuPDF tables as contracts: cells with spans and boxes, text from the words inside each cell."""

from __future__ import annotations

from typing import get_args

from ..contracts import BBox, Cell, Table
from ..contracts.layout import RegionLabel
from .table_columns import split_packed_columns
from .table_rows import RawCell, TextLine, split_spanning_cells, split_stacked_rows


def spans(table) -> list[tuple[int, int, int, int, tuple]]:
    """(row, col, row_span, col_span, bbox) for every real cell of a PyMuPDF table.  A cell
    spans the columns that start inside its box: an empty slot beside it may be covered by a
    cell spanning down from above, and counting it too would make the two spans overlap."""
    rows = table.rows
    starts: dict[int, float] = {}
    for row in rows:
        for c, box in enumerate(row.cells):
            if box is not None:
                starts[c] = min(starts.get(c, box[0]), box[0])
    out = []
    for r, row in enumerate(rows):
        for c, box in enumerate(row.cells):
            if box is None:
                continue
            col_span = 1
            while (
                c + col_span < len(row.cells)
                and row.cells[c + col_span] is None
                and starts.get(c + col_span, box[2]) < box[2] - 1
            ):
                col_span += 1
            row_span = 1
            while (
                r + row_span < len(rows)
                and c < len(rows[r + row_span].cells)
                and rows[r + row_span].cells[c] is None
                and rows[r + row_span].bbox[1] < box[3] - 1
            ):
                row_span += 1
            out.append((r, c, row_span, col_span, box))
    return out


def cell_lines(words, box) -> list[TextLine]:
    """Text lines of the words whose centre lies in the cell, in line order (Table.extract()
    mangles numbers).  ``words`` are PyMuPDF word tuples."""
    x0, y0, x1, y1 = box
    inside = [w for w in words if x0 <= (w[0] + w[2]) / 2 <= x1 and y0 <= (w[1] + w[3]) / 2 <= y1]
    inside.sort(key=lambda w: (w[5], w[6], w[7]))
    lines: dict[tuple[int, int], list] = {}
    for w in inside:
        lines.setdefault((w[5], w[6]), []).append(w)
    return [
        TextLine(min(w[1] for w in ws), max(w[3] for w in ws), [(w[0], w[2], w[4]) for w in ws])
        for ws in lines.values()
    ]


LABELS = set(get_args(RegionLabel))


def overlay(page, words) -> None:
    """Write OCR words into a scanned page as invisible text, so the layout model (which reads
    text features as well as pixels) and the table finder see what the OCR saw."""
    for text, (x0, y0, _x1, y1) in words:
        height = max(1.0, y1 - y0)
        page.insert_text((x0, y1 - 0.2 * height), text, fontsize=max(3.0, 0.8 * height), render_mode=3)


def uncovered(items, tables: list[Table]) -> bool:
    """Some table region (or table) in ``items`` overlaps none of ``tables``."""
    return any(
        getattr(item, "label", "table") == "table" and not any(item.bbox.overlap_of(t.bbox) > 0.5 for t in tables)
        for item in items
    )


def tables_of(page, found) -> list[Table]:
    words = page.get_text("words")
    tables = []
    for table in found:
        header_rows = 0 if table.header is None or table.header.external else 1
        raw = [RawCell(r, c, rs, cs, box, cell_lines(words, box)) for r, c, rs, cs, box in spans(table)]
        if not raw:
            continue
        raw = split_spanning_cells(raw, table.col_count, header_rows)
        raw, rows = split_stacked_rows(raw, table.row_count, header_rows)
        raw, cols = split_packed_columns(raw, table.col_count, header_rows)
        cells = [
            Cell(row=c.row, col=c.col, row_span=c.row_span, col_span=c.col_span, bbox=BBox.of(c.box), text=c.text)
            for c in raw
        ]
        tables.append(
            # from our cells: PyMuPDF's Table.to_markdown() re-extracts every cell (3 s for 300 cells)
            Table.of_cells(page.number + 1, BBox.of(table.bbox), cells, rows, cols, header_rows)
        )
    return tables
