"""Table structure clean-up, for every tables engine's output.

Line- and gap-based finders over-segment: they cut a column for every vertical rule or gap,
leaving columns and rows that hold no text, currency signs in columns of their own, and a
header label such as ``Year Ended`` in one narrow cell above the columns it names. Rules:

- a column (row) in which no cell of its own has text is dropped; a spanning cell keeps the
  columns (rows) it still covers;
- a column holding only currency signs is merged into the column on its right (``$`` ``178``
  -> ``$178``), one holding only ``%`` into the column on its left;
- the header is the leading rows whose first column is empty (the stub header of a financial
  table), at least the rows the finder said; in the header, each label spans the empty slots
  beside it that are nearer to it than to another label.
"""

from __future__ import annotations

from ..contracts import Cell, Table
from ..contracts.layout import html_table, markdown_grid

CURRENCY = {"$", "€", "£", "¥", "US$", "C$", "A$"}


def _own(cells: list[Cell], axis: str, skip_rows: int = 0) -> set[int]:
    """Indices of the columns ('col') or rows ('row') where some non-empty cell starts (for
    columns: a cell below the first ``skip_rows`` rows, when there are such cells)."""
    filled = [c for c in cells if c.text.strip()]
    body = [c for c in filled if c.row >= skip_rows] or filled
    return {getattr(c, axis) for c in body}


def _remap(cells: list[Cell], axis: str, kept: set[int]) -> list[Cell]:
    """Cells on the kept indices only; a cell on none of them moves to the nearest one (a
    header label over a gap), joining the text already there."""
    span = "col_span" if axis == "col" else "row_span"
    order = sorted(kept)
    index = {old: new for new, old in enumerate(order)}
    out: dict[tuple[int, int], Cell] = {}  # by (row, col): insertion order is the cells' order
    for c in cells:
        start, n = getattr(c, axis), getattr(c, span)
        covered = [index[i] for i in range(start, start + n) if i in index]
        if not covered:
            if not c.text.strip() or not order:
                continue
            middle = start + (n - 1) / 2
            covered = [index[min(order, key=lambda k: (abs(k - middle), -k))]]
        moved = c.model_copy(update={axis: covered[0], span: covered[-1] - covered[0] + 1})
        same = out.get((moved.row, moved.col))
        if same is None:
            out[(moved.row, moved.col)] = moved
        elif moved.text.strip():
            out[(moved.row, moved.col)] = same.model_copy(update={"text": f"{same.text} {moved.text}".strip()})
    return list(out.values())


def _merge_signs(cells: list[Cell], cols: int, header: int) -> list[Cell]:
    """Fold body columns of only currency signs (or only ``%``) into their neighbour."""
    for col in range(cols):
        texts = {c.text.strip() for c in cells if c.col == col and c.row >= header and c.text.strip()}
        if not texts or any(c.col == col and c.row >= header and c.col_span > 1 and c.text.strip() for c in cells):
            continue
        if texts <= CURRENCY:
            step = 1
        elif texts == {"%"}:
            step = -1
        else:
            continue
        at = {(c.row, c.col): i for i, c in enumerate(cells)}
        for i in [i for i, c in enumerate(cells) if c.col == col and c.row >= header and c.text.strip()]:
            sign = cells[i]
            j = at.get((sign.row, col + step))
            if j is None:
                continue
            other = cells[j]
            joined = sign.text.strip() + other.text.strip() if step == 1 else other.text.strip() + sign.text.strip()
            cells[j] = other.model_copy(update={"text": joined})
            cells[i] = sign.model_copy(update={"text": ""})
    return cells


def _header_rows(cells: list[Cell], rows: int, found: int) -> int:
    stub = {c.row for c in cells if c.col == 0 and c.text.strip()}
    lead = 0
    while lead < rows - 1 and lead not in stub:
        lead += 1
    return max(found, lead) if lead < rows - 1 else found


def _spread_labels(cells: list[Cell], header_rows: int) -> list[Cell]:
    """In each header row, widen each label over the empty slots nearer to it than to another."""
    out = list(cells)
    for r in range(header_rows):
        row = sorted((c for c in out if c.row == r and c.row_span == 1), key=lambda c: c.col)
        labels = [c for c in row if c.text.strip() and c.col > 0]
        if not labels:
            continue
        empty = {c.col for c in row if not c.text.strip() and c.col > 0 and c.col_span == 1}
        for i, label in enumerate(labels):
            left_bound = (labels[i - 1].col + labels[i - 1].col_span - 1 + label.col) // 2 + 1 if i else 1
            right_bound = (label.col + label.col_span - 1 + labels[i + 1].col + 1) // 2 if i + 1 < len(labels) else None
            lo = label.col
            while lo - 1 >= left_bound and lo - 1 in empty:
                lo -= 1
            hi = label.col + label.col_span - 1
            while (right_bound is None or hi + 1 < right_bound) and hi + 1 in empty:
                hi += 1
            if (lo, hi) != (label.col, label.col + label.col_span - 1):
                covered = set(range(lo, hi + 1))
                out = [
                    c for c in out if not (c.row == r and c is not label and c.col in covered and not c.text.strip())
                ]
                out[out.index(label)] = label.model_copy(update={"col": lo, "col_span": hi - lo + 1})
    return out


def normalize_table(table: Table) -> Table:
    """The table with empty rows and columns dropped, sign columns merged, header rows and
    header spans set; Markdown and HTML rebuilt."""
    if not any(c.text.strip() for c in table.cells):
        return table
    cells = _remap(list(table.cells), "row", _own(table.cells, "row"))
    rows = max(c.row + c.row_span for c in cells)
    header = _header_rows(cells, rows, min(table.header_rows, rows - 1)) if table.cols > 1 else table.header_rows
    cells = _remap(cells, "col", _own(cells, "col", header))
    cells = _merge_signs(cells, max(c.col + c.col_span for c in cells), header)
    cells = _remap(cells, "col", _own(cells, "col", header))
    cols = max(c.col + c.col_span for c in cells)
    cells = _spread_labels(cells, header)
    return table.model_copy(
        update={
            "rows": rows,
            "cols": cols,
            "header_rows": header,
            "cells": cells,
            "markdown": markdown_grid(cells, rows, cols, header),
            "html": html_table(cells, header),
        }
    )
