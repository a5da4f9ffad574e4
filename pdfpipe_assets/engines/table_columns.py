"""Columns that a table finder left packed into one.

A table set without vertical rules, or with dot leaders between a label and its figures,
can come out of a line-based finder with several columns of figures in one column
(``0.99 ........ 800`` beside ``880 960 1,040``). When most body cells of a column hold the
same number (two or more) of runs of words set apart by column-wide gaps, the runs after the
first all figures, and the gaps line up down the column, the column is cut at those gaps.
Dot leaders count as gap. A header label that straddles a cut spans the new columns; so does
any cell that spanned the column before.
"""

from __future__ import annotations

import re
from collections import Counter

from .table_rows import FIGURE, RawCell, TextLine, Word, gap_runs

_LEADER = re.compile(r"^[.…·_\s]{3,}$")
MIN_ROWS = 3


def _runs(cell: RawCell) -> list[list[Word]] | None:
    """The runs of a one-line cell, leaders left out; None for a cell of several lines."""
    if len(cell.lines) != 1:
        return None
    line = cell.lines[0]
    kept = TextLine(line.y0, line.y1, [w for w in line.words if not _LEADER.match(w[2])])
    return gap_runs(kept) if kept.words else []


def _cuts(cells: list[RawCell]) -> list[float] | None:
    """x positions to cut the column at, or None to leave it whole."""
    runs = [r for r in (_runs(c) for c in cells) if r]
    if len(runs) < MIN_ROWS:
        return None
    k, n = Counter(len(r) for r in runs).most_common(1)[0]
    same = [r for r in runs if len(r) == k]
    if k < 2 or 3 * n < 2 * len(runs):
        return None
    if not all(FIGURE.match(" ".join(w[2] for w in run)) for r in same for run in r[1:]):
        return None
    cuts = []
    for j in range(1, k):
        lo = max(r[j - 1][-1][1] for r in same)
        hi = min(r[j][0][0] for r in same)
        if lo >= hi:
            return None  # the gaps do not line up: not columns
        cuts.append((lo + hi) / 2)
    return cuts


def _cut_cell(cell: RawCell, cuts: list[float], body: bool) -> list[RawCell]:
    """The cell as one cell per new column; a label straddling a cut spans them instead."""
    words = [(w, line) for line in cell.lines for w in line.words if not _LEADER.match(w[2])]
    if not body and any(w[0] < x < w[1] for w, _ in words for x in cuts):
        return [RawCell(cell.row, cell.col, cell.row_span, len(cuts) + 1, cell.box, cell.lines)]
    bounds = [cell.box[0], *cuts, cell.box[2]]
    out = []
    for j in range(len(cuts) + 1):
        inside = [(w, ln) for w, ln in words if bounds[j] <= (w[0] + w[1]) / 2 < bounds[j + 1]]
        lines = [TextLine(ln.y0, ln.y1, [w for w, owner in inside if owner is ln]) for ln in cell.lines]
        box = (bounds[j], cell.box[1], bounds[j + 1], cell.box[3])
        out.append(RawCell(cell.row, cell.col + j, cell.row_span, 1, box, [ln for ln in lines if ln.words]))
    return out


def split_packed_columns(cells: list[RawCell], cols: int, header_rows: int) -> tuple[list[RawCell], int]:
    """(cells, column count) with every packed column cut at its gaps."""
    c = 0
    while c < cols:
        own = [x for x in cells if x.col == c and x.col_span == 1]
        cuts = _cuts([x for x in own if x.row >= header_rows])
        if not cuts:
            c += 1
            continue
        extra = len(cuts)
        out = []
        for x in cells:
            if x.col == c and x.col_span == 1:
                out += _cut_cell(x, cuts, x.row >= header_rows)
            elif x.col > c:
                out.append(RawCell(x.row, x.col + extra, x.row_span, x.col_span, x.box, x.lines))
            elif x.col + x.col_span > c:
                out.append(RawCell(x.row, x.col, x.row_span, x.col_span + extra, x.box, x.lines))
            else:
                out.append(x)
        cells, cols, c = out, cols + extra, c + extra + 1
    return cells, cols
