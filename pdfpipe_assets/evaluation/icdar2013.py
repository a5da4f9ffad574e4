"""ICDAR 2013 table competition ground truth (``<stem>.icdar2013-reg.xml`` regions,
``<stem>.icdar2013-str.xml`` cell structure).  Boxes are PDF points with the origin at the
bottom-left; they are flipped into pdfpipe's top-left page space with the page height.

- detection: precision / recall / F1 of table regions, one-to-one at IoU >= 0.5 (the
  competition's own measure counts characters inside regions; IoU is the usual stand-in);
- shape: the share of ground-truth tables whose found table (the one its cells' box overlaps
  at IoU >= 0.5 on its first page) has exactly its rows x columns;
- structure: adjacency relations (Göbel et al., 2012): every cell and the nearest non-empty cell
  to its right and below, compared as (content, content, direction) after removing whitespace;
  precision / recall / F1 over all tables of the document.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

from ..contracts import BBox, FusedDocument
from ..text import norm
from . import metrics

Cell = tuple[int, int, int, int, str]  # start row, start col, end row, end col (inclusive), text


def _box(el: ET.Element, height: float) -> BBox:
    b = el.find("bounding-box")
    x1, y1, x2, y2 = (float(b.get(k)) for k in ("x1", "y1", "x2", "y2"))
    return BBox.of((min(x1, x2), height - max(y1, y2), max(x1, x2), height - min(y1, y2)))


def load_regions(path: Path, heights: dict[int, float]) -> list[tuple[int, BBox]]:
    out = []
    for region in ET.parse(path).getroot().iter("region"):
        page = int(region.get("page", "1"))
        out.append((page, _box(region, heights.get(page, 792.0))))
    return out


def _cell_box(cell: ET.Element, height: float) -> BBox | None:
    try:
        return _box(cell, height) if cell.find("bounding-box") is not None else None
    except ValueError:  # the ground truth has a few typos ('26ß')
        return None


def _extent(cells: list[ET.Element], axis: str) -> int:
    """Rows (columns) a table spans: most files count from 0, some from 1 (``us-021`` to
    ``us-040``), so the count runs from the first index used, not from 0."""
    first = min(int(c.get(f"start-{axis}", "0")) for c in cells)
    return max(int(c.get(f"end-{axis}", c.get(f"start-{axis}", "0"))) for c in cells) - first + 1


def load_shapes(path: Path, heights: dict[int, float]) -> list[tuple[int, BBox, int, int]]:
    """(page, box of the cells on the first page, rows, cols) per ground-truth table."""
    shapes = []
    for table in ET.parse(path).getroot().iter("table"):
        first = table.find("region")
        if first is None:
            continue
        page = int(first.get("page", "1"))
        boxes = [box for c in first.iter("cell") if (box := _cell_box(c, heights.get(page, 792.0)))]
        cells = list(table.iter("cell"))
        if not boxes or not cells:
            continue
        rows, cols = _extent(cells, "row"), _extent(cells, "col")
        box = BBox.of(
            (min(b.x0 for b in boxes), min(b.y0 for b in boxes), max(b.x1 for b in boxes), max(b.y1 for b in boxes))
        )
        shapes.append((page, box, rows, cols))
    return shapes


def shape_scores(path: Path, doc: FusedDocument) -> dict:
    heights = {p.number: p.height for p in doc.pages}
    truth = load_shapes(path, heights)
    exact = 0
    for page, box, rows, cols in truth:
        found = [t for t in doc.tables if t.page == page]
        pairs = metrics.match_boxes([box], [t.bbox for t in found])
        exact += bool(pairs) and (found[pairs[0][1]].rows, found[pairs[0][1]].cols) == (rows, cols)
    return {"icdar_shape_truth": len(truth), "icdar_shape_exact": exact}


def load_structure(path: Path) -> list[list[Cell]]:
    tables = []
    for table in ET.parse(path).getroot().iter("table"):
        cells = []
        for cell in table.iter("cell"):
            r0, c0 = int(cell.get("start-row")), int(cell.get("start-col"))
            r1, c1 = int(cell.get("end-row", r0)), int(cell.get("end-col", c0))
            cells.append((r0, c0, r1, c1, "".join(cell.findtext("content", "").split())))
        tables.append(cells)
    return tables


def relations(cells: list[Cell]) -> Counter:
    """(text, neighbour text, 'right'|'down') for each cell and its nearest non-empty neighbours."""
    slots: dict[tuple[int, int], int] = {}
    for i, (r0, c0, r1, c1, _) in enumerate(cells):
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                slots[(r, c)] = i
    width = max((c1 for *_, c1, _ in cells), default=-1) + 1
    height = max((r1 for _, _, r1, _, _ in cells), default=-1) + 1

    def first_filled(i: int, line) -> int | None:
        """The first slot along ``line`` that holds another, non-empty cell."""
        for slot in line:
            j = slots.get(slot)
            if j is not None and j != i and cells[j][4]:
                return j
        return None

    out: set[tuple[int, int, str]] = set()
    for i, (r0, c0, r1, c1, text) in enumerate(cells):
        if not text:
            continue
        lines = [("right", [(r, c) for c in range(c1 + 1, width)]) for r in range(r0, r1 + 1)]
        lines += [("down", [(r, c) for r in range(r1 + 1, height)]) for c in range(c0, c1 + 1)]
        for direction, line in lines:
            j = first_filled(i, line)
            if j is not None:
                out.add((i, j, direction))
    return Counter((norm(cells[i][4]), norm(cells[j][4]), d) for i, j, d in out)


def score_icdar(reg: Path | None, struct: Path | None, doc: FusedDocument) -> dict:
    heights = {p.number: p.height for p in doc.pages}
    scores: dict = {}
    if reg:
        truth = load_regions(reg, heights)
        pairs = 0
        for page in {p for p, _ in truth}:
            want = [b for p, b in truth if p == page]
            got = [t.bbox for t in doc.tables if t.page == page]
            pairs += len(metrics.match_boxes(want, got))
        scores |= {
            "icdar_tables_truth": len(truth),
            "icdar_tables_found": pairs,
            "icdar_tables_detected": len(doc.tables),
            "icdar_detection_f1": metrics.f1_counts(pairs, len(doc.tables), len(truth))[2],
        }
    if struct:
        want = sum((relations(t) for t in load_structure(struct)), Counter())
        got = sum(
            (
                relations(
                    [
                        (c.row, c.col, c.row + c.row_span - 1, c.col + c.col_span - 1, "".join(c.text.split()))
                        for c in t.cells
                    ]
                )
                for t in doc.tables
            ),
            Counter(),
        )
        p, r, f = metrics.f1(want, got)
        scores |= {"icdar_adjacency_precision": p, "icdar_adjacency_recall": r, "icdar_adjacency_f1": f}
        scores |= {"icdar_relations_truth": sum(want.values()), "icdar_relations_found": sum(got.values())}
        scores |= {"icdar_relations_correct": sum((want & got).values())}
        scores |= shape_scores(struct, doc)
    return scores
