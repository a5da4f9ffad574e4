"""Column-aware reading order for the blocks of one page (top-down bands, left column first)."""

from __future__ import annotations

import re

from ..contracts import BBox

MIDLINE_MARGIN = 0.05  # a block reaching this far past the middle on both sides spans the columns


def _side_by_side(boxes: list[BBox], left: list[int], right: list[int]) -> bool:
    """Some block of the left half shares height with some block of the right half: columns."""
    return any(min(boxes[a].y1, boxes[b].y1) - max(boxes[a].y0, boxes[b].y0) > 0 for a in left for b in right)


def reading_order(boxes: list[BBox], page_width: float) -> list[int]:
    """Indices of ``boxes`` in reading order.

    Blocks that cross the middle of the page (a title, a full-width paragraph) cut the page
    into horizontal bands; inside a band, the other blocks are read column by column, left
    column first, when the two halves hold blocks side by side, else top to bottom (a narrow
    centred heading, a short line: one column).  A one-column page is all cuts, so it reads
    top to bottom.
    """
    if not boxes:
        return []
    mid = page_width / 2
    margin = MIDLINE_MARGIN * page_width
    wide = sorted(
        (i for i, b in enumerate(boxes) if b.x0 < mid - margin and b.x1 > mid + margin),
        key=lambda i: boxes[i].y0,
    )
    narrow = [i for i in range(len(boxes)) if i not in set(wide)]
    order: list[int] = []
    top = float("-inf")
    for cut in [*wide, None]:
        # bands meet at the cuts' middles: a narrow block level with a cut's first line (a run-in
        # heading, an OCR layer's split line) is read before the cut, one lower down after it
        bottom = (boxes[cut].y0 + boxes[cut].y1) / 2 if cut is not None else float("inf")
        band = [i for i in narrow if top <= (boxes[i].y0 + boxes[i].y1) / 2 < bottom]
        left = sorted(
            (i for i in band if (boxes[i].x0 + boxes[i].x1) / 2 < mid), key=lambda i: (boxes[i].y0, boxes[i].x0)
        )
        right = sorted(
            (i for i in band if (boxes[i].x0 + boxes[i].x1) / 2 >= mid), key=lambda i: (boxes[i].y0, boxes[i].x0)
        )
        if _side_by_side(boxes, left, right):
            order.extend(left + right)
        else:  # nothing in one half sits beside anything in the other: one column, top down
            order.extend(sorted(left + right, key=lambda i: (boxes[i].y0, boxes[i].x0)))
        if cut is not None:
            order.append(cut)
            top = (boxes[cut].y0 + boxes[cut].y1) / 2
    seen = set(order)
    order.extend(i for i in range(len(boxes)) if i not in seen)  # never drop a block
    return order


_NUMBERED = re.compile(r"^\s*(\d{1,3})[.)]?\s+\S")
MIN_NUMBERED = 3


def follow_numbering(numbers: list[int | None]) -> list[int]:
    """Positions of a page's blocks (given in reading order, with the number of each numbered
    heading, else None) reordered so that numbered sections follow their numbers.

    A grid of cards numbered across its rows (``1 2`` over ``3 4``) reads ``1 3 2 4`` column by
    column. When the page holds three or more numbered headings, numbered 1..n or k..k+n
    without gaps, and the column order breaks their sequence, each heading and the blocks read
    after it (up to the next numbered heading) move as one section into number order; what
    comes before the first numbered heading stays first.
    """
    numbered = {i: n for i, n in enumerate(numbers) if n is not None}
    at, seq = list(numbered), list(numbered.values())
    if len(at) < MIN_NUMBERED or seq == sorted(seq) or sorted(seq) != list(range(min(seq), min(seq) + len(seq))):
        return list(range(len(numbers)))
    sections = [list(range(start, end)) for start, end in zip(at, [*at[1:], len(numbers)], strict=True)]
    sections.sort(key=lambda section: numbered[section[0]])
    return list(range(at[0])) + [i for section in sections for i in section]


def heading_number(text: str) -> int | None:
    """The section number a heading starts with (``3. The Fundamental Theorem``), else None."""
    m = _NUMBERED.match(text)
    return int(m.group(1)) if m else None
