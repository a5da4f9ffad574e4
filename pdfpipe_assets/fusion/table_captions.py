"""A table's caption and notes, when the finder took them into the grid.

A table region often reaches from the caption above the grid to the notes below it, and a
line-based finder then makes each a row: one cell spanning every column (``Exhibit 9
Characteristics of ...`` on top, ``Source: Adapted from ...`` at the foot). Such a first row
that reads like a caption, and such last rows that read like a note or a source, leave the
table: its box shrinks to the rest, so their lines become the page's own caption and
footnote blocks and no text is lost.
"""

from __future__ import annotations

import re

from ..contracts import BBox, Table

_CAPTION = re.compile(
    r"^(?:Table|TABLE|Tab\.|Exhibit|EXHIBIT|Figure|FIGURE|Fig\.|Chart|CHART)\s+(?:[A-Z]\.?)?(?:\d+(?:\.\d+)*|[IVXL]+)\b"
)
_NOTE = re.compile(r"^(?:Notes?|NOTES?|Sources?|SOURCES?)\s*[:.]|^\w+ reads:|^[*†‡]")


def table_caption(text: str) -> bool:
    """``Exhibit B.4 ...``, ``Table 3 ...``: the caption of a table."""
    return bool(_CAPTION.match(text))


def table_note(text: str) -> bool:
    """``Note: ...``, ``Source: ...``, ``Exhibit reads: ...``, ``* ...``: a note under a table."""
    return bool(_NOTE.match(text))


def _sole_text(table: Table, row: int) -> str | None:
    """The text of ``row`` when one cell holds it all and spans most of the table's width."""
    filled = [c for c in table.cells if c.row <= row < c.row + c.row_span and c.text.strip()]
    if len(filled) != 1 or filled[0].row != row or filled[0].row_span != 1:
        return None
    cell = filled[0]
    return cell.text.strip() if cell.bbox.x1 - cell.bbox.x0 >= 0.5 * (table.bbox.x1 - table.bbox.x0) else None


def without_caption_rows(table: Table) -> Table:
    """The table less a caption row on top and note rows at the foot (see the module)."""
    if table.rows < 3 or table.cols < 2:
        return table
    cells = list(table.cells)
    first, last = 0, table.rows - 1
    if (text := _sole_text(table, first)) and table_caption(text):
        first += 1
    while last > first + 1 and (text := _sole_text(table, last)) and table_note(text):
        last -= 1
    if (first, last) == (0, table.rows - 1):
        return table
    kept = [c.model_copy(update={"row": c.row - first}) for c in cells if first <= c.row <= last]
    box = BBox.of(
        (
            min(c.bbox.x0 for c in kept),
            min(c.bbox.y0 for c in kept),
            max(c.bbox.x1 for c in kept),
            max(c.bbox.y1 for c in kept),
        )
    )
    header = max(0, min(table.header_rows - first, last - first))
    return table.model_copy(update={"cells": kept, "rows": last - first + 1, "bbox": box, "header_rows": header})
