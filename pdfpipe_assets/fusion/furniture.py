"""Running headers, footers and page numbers found from the text itself, beside the layout
model's ``page-header``/``page-footer`` regions (which miss them on scans with a text layer).

A page's topmost or bottommost row of lines, inside the page's top or bottom band, is furniture when

- it repeats, digits aside, in the same band of at least two other pages (a running header
  such as a journal name, or ``Page 3 of 9``), or
- it is a page number: the bottom row is only a number (``12``, ``- 12 -``, ``Page 12 of 40``,
  ``xiv``); the top row starts or ends with a number and is neither bold nor set much larger
  than the body (``400 BRITISH HUSBANDRY. [Ch. XIX.``, ``Journal of X 12``), unlike a
  numbered heading such as ``3 Methods``.
"""

from __future__ import annotations

import re
from collections import Counter
from statistics import median

from ..contracts.geometry import BBox
from ..contracts.spine import Line, OcrSpine, SpinePage

BAND = 0.12  # share of the page height at the top and at the bottom
HEADING_SIZE = 1.4  # a heading is bold or set this much larger than the body (OCR sizes are rough)
_PAGE_NUMBER = re.compile(r"^[\s\-–—]*(?:page\s+)?(?:\d{1,4}|[ivxlc]{1,7})(?:\s*(?:of|/)\s*\d{1,4})?[\s\-–—]*$", re.I)
_NUMBER_AT_EDGE = re.compile(r"^\d{1,4}\s+\S|\S\s+\d{1,4}$")
_DIGITS = re.compile(r"\d+")


Row = list[Line]  # lines on one baseline, left to right: 'Page 4', 'Journal of X', '2024'


def _text(row: Row) -> str:
    return " ".join(ln.text.strip() for ln in row)


def _signature(row: Row) -> str:
    return _DIGITS.sub("#", " ".join(_text(row).lower().split()))


def _row(lines: list[Line], edge: Line) -> Row:
    """``edge`` and the lines whose middle lies within its height, left to right."""
    row = [ln for ln in lines if edge.bbox.y0 <= (ln.bbox.y0 + ln.bbox.y1) / 2 <= edge.bbox.y1]
    return sorted(row, key=lambda ln: ln.bbox.x0)


def _edges(page: SpinePage) -> tuple[Row, Row]:
    """The topmost row inside the top band and the bottommost inside the bottom band."""
    if not page.lines:
        return [], []
    top = min(page.lines, key=lambda ln: ln.bbox.y0)
    bottom = max(page.lines, key=lambda ln: ln.bbox.y1)
    top_row = _row(page.lines, top) if top.bbox.y1 <= page.height * BAND else []
    bottom_row = _row(page.lines, bottom) if bottom.bbox.y0 >= page.height * (1 - BAND) else []
    return top_row, [ln for ln in bottom_row if ln not in top_row]


def _page_number_header(row: Row, body_size: float | None) -> bool:
    if not _NUMBER_AT_EDGE.search(_text(row)) or any(ln.bold for ln in row):
        return False
    sizes = [ln.font_size for ln in row if ln.font_size]
    return body_size is None or not sizes or max(sizes) <= body_size * HEADING_SIZE


def running_furniture(pages: list[SpinePage]) -> dict[int, str]:
    """id(line) -> ``page_header`` or ``page_footer`` for the furniture lines of a document."""
    sizes = [ln.font_size for p in pages for ln in p.lines if ln.font_size]
    body_size = median(sizes) if sizes else None
    edges = [_edges(p) for p in pages]
    repeated = Counter((where, _signature(row)) for pair in edges for where, row in zip(("top", "bottom"), pair) if row)
    found: dict[int, str] = {}
    for top, bottom in edges:
        if top and (repeated[("top", _signature(top))] >= 3 or _page_number_header(top, body_size)):
            found.update((id(ln), "page_header") for ln in top)
        if bottom and (repeated[("bottom", _signature(bottom))] >= 3 or _PAGE_NUMBER.match(_text(bottom))):
            found.update((id(ln), "page_footer") for ln in bottom)
    return found


def without_running_furniture(spine: OcrSpine) -> OcrSpine:
    """The spine less its running headers, footers and page numbers: what a reader of the body
    (the scholarly extractor) should see, so that a page number never ends up in a reference."""
    furniture = running_furniture(spine.pages)
    if not furniture:
        return spine
    pages = [p.model_copy(update={"lines": [ln for ln in p.lines if id(ln) not in furniture]}) for p in spine.pages]
    return spine.model_copy(update={"pages": pages})


def furniture_row_mates(boxes: list[BBox], furniture: list[bool], height: float) -> set[int]:
    """Blocks of a header or footer that the layout model took for body: inside the page's top
    or bottom band, with no body block beyond them, and either on the baseline of a furniture
    block (``Revision: 2.4`` left of a footer's ``P/N 119-036`` and its date) or, in the bottom
    band, nearer to the furniture below it than to the body above it (a slide footer's
    ``NETS 2015`` over the page number)."""
    mates = set()
    for i, box in enumerate(boxes):
        bottom, top = box.y0 >= height * (1 - BAND), box.y1 <= height * BAND
        if furniture[i] or not (bottom or top):
            continue
        body = [b for j, b in enumerate(boxes) if j != i and not furniture[j]]
        if any(b.y0 > box.y1 if bottom else b.y1 < box.y0 for b in body):
            continue  # body beyond it: it is body
        marked = [b for j, b in enumerate(boxes) if furniture[j]]
        middle = (box.y0 + box.y1) / 2
        if any(b.y0 <= middle <= b.y1 for b in marked) or (bottom and _nearer_the_footer(box, marked, body)):
            mates.add(i)
    return mates


def _nearer_the_footer(box: BBox, furniture: list[BBox], body: list[BBox]) -> bool:
    below = [f.y0 - box.y1 for f in furniture if f.y0 >= box.y1]
    above = [box.y0 - b.y1 for b in body if b.y1 <= box.y0]
    return bool(below and above) and min(below) < min(above)
