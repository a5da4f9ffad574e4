"""Scholarly structure that holds whatever engine found it: heading nesting, and no heading
inside a table or a figure."""

from __future__ import annotations

from ..contracts import BBox, Heading, LayoutOutput, Scholarly

INSIDE = 0.5  # share of a heading's box inside a table or picture that makes it a cell or a legend


def nest_headings(headings: list[Heading]) -> list[Heading]:
    """Each heading's parent: the nearest heading before it with a lower level."""
    out: list[Heading] = []
    for heading in headings:
        parent = next((i for i in range(len(out) - 1, -1, -1) if out[i].level < heading.level), None)
        out.append(heading.model_copy(update={"parent": parent}))
    return out


def _boxes(layout: LayoutOutput) -> list[tuple[int, BBox]]:
    boxes = [(t.page, t.bbox) for t in layout.tables]
    return boxes + [(r.page, r.bbox) for r in layout.regions if r.label in ("table", "picture")]


def without_headings_in_tables(scholarly: Scholarly, layout: LayoutOutput) -> Scholarly:
    """Headings that sit in a table or a picture are its header cells or legends, not sections."""
    boxes = _boxes(layout)

    def inside(heading: Heading) -> bool:
        return any(a.page == p and a.bbox.overlap_of(box) >= INSIDE for a in heading.anchors for p, box in boxes)

    keep = [h for h in scholarly.headings if not inside(h)]
    if len(keep) == len(scholarly.headings):
        return scholarly
    return scholarly.model_copy(update={"headings": nest_headings(keep)})
