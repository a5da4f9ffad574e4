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
from .table_captions import without_caption_rows

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
        if same is None or not same.text.strip():  # a label takes the place of an empty slot
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


def _column_groups(cells: list[Cell], cols: int) -> list[int]:
    """The new column of each column: neighbours that never hold two different texts in one
    row are one column (a frame's padding slots, a label set off from the figures under it)."""
    cover: dict[tuple[int, int], int] = {}
    for i, c in enumerate(cells):
        if c.text.strip():
            for r in range(c.row, c.row + c.row_span):
                for k in range(c.col, c.col + c.col_span):
                    cover[(r, k)] = i
    rows = {r for r, _ in cover}
    group, members = [0], [0]
    for k in range(1, cols):
        clash = any(
            (a := cover.get((r, g))) is not None and (b := cover.get((r, k))) is not None and a != b
            for r in rows
            for g in members
        )
        members = [k] if clash else [*members, k]
        group.append(group[-1] + clash)
    return group


def _compact_columns(cells: list[Cell], cols: int) -> list[Cell]:
    group = _column_groups(cells, cols)
    out: dict[tuple[int, int], Cell] = {}
    for c in sorted(cells, key=lambda c: not c.text.strip()):  # texts first: they keep the slot
        first, last = group[c.col], group[c.col + c.col_span - 1]
        key = (c.row, first)
        if key in out:
            if c.text.strip():
                out[key] = out[key].model_copy(update={"text": f"{out[key].text} {c.text}".strip()})
            continue
        out[key] = c.model_copy(update={"col": first, "col_span": last - first + 1})
    return sorted(out.values(), key=lambda c: (c.row, c.col))


def _header_rows(cells: list[Cell], rows: int, found: int) -> int:
    """Leading rows with an empty stub (the first column holding text), at least ``found``;
    a stub label in the header that spans rows down (``Substance`` beside two rows of column
    titles) takes the header to its last row."""
    filled = [c for c in cells if c.text.strip()]
    stub_col = min(c.col for c in filled)
    stub = {c.row for c in filled if c.col == stub_col}
    lead = 0
    while lead < rows - 1 and lead not in stub:
        lead += 1
    header = max(found, lead) if lead < rows - 1 else found
    spanned = [c.row + c.row_span for c in cells if c.col == stub_col and c.row < header and c.row_span > 1]
    return max([header, *[end for end in spanned if end < rows]])


def _wrapped(cells: list[Cell], r: int, header: bool) -> bool:
    """Row ``r + 1`` only continues the text of row ``r``: each of its texts sits under a
    one-row text of the same columns (``Signed TA`` over ``(EURm)``).  In the body the finder
    must also have seen one row there: the second line is the row label's alone, and a value
    of row ``r`` spans down into ``r + 1`` (``Chlorine and inorganic`` over ``(as HCl)``
    beside a ``10 000`` spanning both).  A label spanning rows groups them: it joins nothing."""
    above = {(c.col, c.col_span) for c in cells if c.row == r and c.row_span == 1 and c.text.strip()}
    below = [(c.col, c.col_span) for c in cells if c.row == r + 1 and c.text.strip()]
    if not below or any(slot not in above for slot in below):
        return False
    if header:
        return True
    stub = min(c.col for c in cells if c.text.strip())
    return all(col == stub for col, _ in below) and any(
        c.row == r and c.row_span > 1 and c.col != stub and c.text.strip() for c in cells
    )


def _join_rows(cells: list[Cell], r: int) -> list[Cell]:
    """Row ``r + 1`` folded into row ``r``: its labels appended to those above, spans shortened."""
    above = {(c.col, c.col_span): i for i, c in enumerate(cells) if c.row == r and c.row_span == 1}
    out = list(cells)
    for c in cells:
        if c.row == r + 1 and c.text.strip():
            i = above[(c.col, c.col_span)]
            out[i] = out[i].model_copy(update={"text": f"{out[i].text}\n{c.text}"})
    kept = []
    for c in out:
        if c.row == r + 1 and c.row_span == 1:
            continue
        if c.row > r:
            c = c.model_copy(update={"row": c.row - 1} if c.row > r + 1 else {"row": r, "row_span": c.row_span - 1})
        elif c.row + c.row_span > r + 1:
            c = c.model_copy(update={"row_span": c.row_span - 1})
        kept.append(c)
    return kept


def _join_wrapped_rows(cells: list[Cell], header_rows: int) -> tuple[list[Cell], int]:
    """Rows that are the next line of the texts above, joined to them (header and body apart)."""
    r = max(c.row + c.row_span for c in cells) - 2
    while r >= 0:
        if r + 1 != header_rows and _wrapped(cells, r, header=r + 1 < header_rows):
            cells = _join_rows(cells, r)
            header_rows -= r + 1 < header_rows
        r -= 1
    return cells, header_rows


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
    table = without_caption_rows(
        table.model_copy(update={"cells": cells, "rows": max(c.row + c.row_span for c in cells)})
    )
    cells = list(table.cells)
    rows = max(c.row + c.row_span for c in cells)
    header = _header_rows(cells, rows, min(table.header_rows, rows - 1)) if table.cols > 1 else table.header_rows
    cells = _remap(cells, "col", _own(cells, "col", header))
    cells = _merge_signs(cells, max(c.col + c.col_span for c in cells), header)
    cells = _remap(cells, "col", _own(cells, "col", header))
    cells = _compact_columns(cells, max(c.col + c.col_span for c in cells))
    cols = max(c.col + c.col_span for c in cells)
    cells, header = _join_wrapped_rows(cells, header)
    rows = max(c.row + c.row_span for c in cells)
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
