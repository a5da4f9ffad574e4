"""Rows and columns that a line-based table finder did not cut.

- A table drawn without horizontal rules comes out as one tall row whose cells each hold a
  whole column (``Connecticut\\nMaine\\n…`` beside ``34,573\\n13,278\\n…``). When at least two
  cells of a body row hold lines on three or more shared baselines, one of them a column of
  figures, the row is cut at every baseline; a one-line cell set between baselines spans
  them. Wrapped prose (a long description beside one-line values, or in several cells) is
  left whole: it is one cell of several lines.
- A body row drawn without vertical rules comes out as one cell spanning the columns that
  the header row does cut. When its words fall inside two or more of those columns, and none
  straddles a column edge, it is cut into one cell per column. A label that spans the table
  (a section row such as ``Race/Ethnicity``) stays whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from statistics import median

MIN_BANDS = 3  # two lines per ruled row is a table's style (a value and its variant), not a stack
FIGURE = re.compile(r"^[\s(\[]*[-–—+±$€£]?\s*[\d.,]+|^[-–—*]+$|^n/?a$", re.I)

Word = tuple[float, float, str]  # x0, x1, text


@dataclass
class TextLine:
    y0: float
    y1: float
    words: list[Word]

    @property
    def text(self) -> str:
        return " ".join(w[2] for w in self.words)

    @property
    def middle(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass
class RawCell:
    row: int
    col: int
    row_span: int
    col_span: int
    box: tuple[float, float, float, float]
    lines: list[TextLine]

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


def _baselines(lines: list[TextLine]) -> list[tuple[float, float]]:
    """Bands (top, bottom) of lines that share a baseline, top to bottom."""
    height = median(line.y1 - line.y0 for line in lines)
    bands: list[list[TextLine]] = []
    for line in sorted(lines, key=lambda ln: ln.middle):
        if bands and line.middle - bands[-1][-1].middle <= 0.5 * height:
            bands[-1].append(line)
        else:
            bands.append([line])
    return [(min(ln.y0 for ln in band), max(ln.y1 for ln in band)) for band in bands]


def _band_of(line: TextLine, bands: list[tuple[float, float]]) -> int:
    return min(range(len(bands)), key=lambda i: abs((bands[i][0] + bands[i][1]) / 2 - line.middle))


def _numeric(cell: RawCell) -> bool:
    """Most of the cell's lines are figures: a column of values, not wrapped prose."""
    return sum(bool(FIGURE.match(line.text)) for line in cell.lines) * 2 >= len(cell.lines)


def _cut(row: list[RawCell]) -> list[tuple[float, float]] | None:
    """The bands to cut ``row`` at, or None to keep it whole."""
    if any(cell.row_span > 1 for cell in row):
        return None
    stacked = [cell for cell in row if len(cell.lines) > 1]
    if len(stacked) < 2 or not any(_numeric(cell) for cell in stacked):
        return None  # wrapped text in several cells is not a stack of rows
    bands = _baselines([line for cell in row for line in cell.lines])
    if len(bands) < MIN_BANDS:
        return None
    if any(len({_band_of(line, bands) for line in cell.lines}) < MIN_BANDS for cell in stacked):
        return None  # a two-line value beside a centred label (``200 (as`` / ``BTEX)``)
    return bands


def split_stacked_rows(cells: list[RawCell], rows: int, header_rows: int) -> tuple[list[RawCell], int]:
    """(cells, row count) with every stacked body row cut at its baselines."""
    out: list[RawCell] = []
    shift = 0
    for r in range(rows):
        row = [cell for cell in cells if cell.row == r]
        spanned = any(c.row < r < c.row + c.row_span for c in cells)
        bands = _cut(row) if r >= header_rows and not spanned else None
        if bands is None:
            out += [RawCell(c.row + shift, c.col, c.row_span, c.col_span, c.box, c.lines) for c in row]
            continue
        for cell in row:
            x0, _, x1, _ = cell.box
            if len(cell.lines) == 1 and not any(top <= cell.lines[0].middle <= bottom for top, bottom in bands):
                out.append(RawCell(r + shift, cell.col, len(bands), cell.col_span, cell.box, cell.lines))
                continue  # centred beside the stack: it names every row of it
            for i, (top, bottom) in enumerate(bands):
                words = [w for line in cell.lines if _band_of(line, bands) == i for w in line.words]
                lines = [TextLine(top, bottom, sorted(words))] if words else []
                out.append(RawCell(r + shift + i, cell.col, 1, cell.col_span, (x0, top, x1, bottom), lines))
        shift += len(bands) - 1
    return out, rows + shift


def _column_edges(cells: list[RawCell], cols: int) -> list[tuple[float, float] | None]:
    """Each column's x-range, from the cells that fill it alone."""
    edges: list[tuple[float, float] | None] = []
    for c in range(cols):
        boxes = [cell.box for cell in cells if cell.col == c and cell.col_span == 1]
        edges.append((min(b[0] for b in boxes), max(b[2] for b in boxes)) if boxes else None)
    return edges


def _column_of(word: Word, edges: list[tuple[float, float] | None], first: int, last: int) -> int | None:
    """The column in ``first..last`` holding the word, None when it straddles an edge."""
    x0, x1, _ = word
    for c in range(first, last + 1):
        edge = edges[c]
        if edge and edge[0] - 1 <= x0 and x1 <= edge[1] + 1:
            return c
    return None


def gap_runs(line: TextLine) -> list[list[Word]]:
    """The line's words in runs split at gaps of at least half the line height: twice a
    word space (``100 000`` stays one figure), the least gap a table leaves between columns."""
    height = line.y1 - line.y0
    groups: list[list[Word]] = []
    for word in sorted(line.words):
        if groups and word[0] - groups[-1][-1][1] < 0.5 * height:
            groups[-1].append(word)
        else:
            groups.append([word])
    return groups


def _column_at(x: float, edges: list[tuple[float, float] | None], first: int, last: int) -> int | None:
    return next((c for c in range(first, last + 1) if (e := edges[c]) and e[0] <= x <= e[1]), None)


def _placed_by_gaps(cell: RawCell, edges: list[tuple[float, float] | None], last: int) -> list | None:
    """(column, word, line) for the cell's words placed by runs: each run goes to the column
    under its centre.  None when a run has no column, every run lands in one column, or
    fewer than two runs are figures (a centred section label is set with wide spaces)."""
    groups = [(line, group) for line in cell.lines for group in gap_runs(line)]
    if sum(bool(FIGURE.match(" ".join(w[2] for w in group))) for _, group in groups) < 2:
        return None
    placed = []
    for line, group in groups:
        col = _column_at((group[0][0] + group[-1][1]) / 2, edges, cell.col, last)
        if col is None:
            return None
        placed += [(col, w, line) for w in group]
    return placed if len({c for c, _, _ in placed}) > 1 else None


def split_spanning_cells(cells: list[RawCell], cols: int, header_rows: int) -> list[RawCell]:
    """Body cells that span columns cut into one cell per column where their words allow:
    each word inside one column, or else runs of words set apart by column-wide gaps (when
    the finder cut more columns than the figures have, columns that never hold two texts
    in one row are joined later, by ``fusion.table_structure``)."""
    edges = _column_edges(cells, cols)
    out: list[RawCell] = []
    for cell in cells:
        last = cell.col + cell.col_span - 1
        if cell.col_span == 1 or cell.row < header_rows or not cell.lines:
            out.append(cell)
            continue
        placed = [(_column_of(w, edges, cell.col, last), w, line) for line in cell.lines for w in line.words]
        used = {c for c, _, _ in placed}
        if None in used or len(used) < 2:
            placed = _placed_by_gaps(cell, edges, last) or []
        if not placed:
            out.append(cell)
            continue
        for c in range(cell.col, last + 1):
            lines = [
                TextLine(line.y0, line.y1, [w for col, w, ln in placed if col == c and ln is line])
                for line in cell.lines
            ]
            edge = edges[c] or (cell.box[0], cell.box[2])
            box = (edge[0], cell.box[1], edge[1], cell.box[3])
            out.append(RawCell(cell.row, c, cell.row_span, 1, box, [ln for ln in lines if ln.words]))
    return out
