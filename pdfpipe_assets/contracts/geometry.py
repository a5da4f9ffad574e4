"""Boxes in pdfpipe's one coordinate convention.

Every stage writes boxes in *rotation-normalized page space*: the page as a
reader sees it after its ``/Rotate`` is applied, origin top-left, x to the
right, y down, unit = PDF point (1/72 inch).  A page with ``/Rotate 90`` and a
612x792 mediabox is therefore 792 wide and 612 high in every artifact.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class BBox(BaseModel):
    """Axis-aligned box (x0, y0) top-left to (x1, y1) bottom-right, in points."""

    model_config = ConfigDict(frozen=True)

    x0: float
    y0: float
    x1: float
    y1: float

    @classmethod
    def of(cls, box) -> BBox:
        x0, y0, x1, y1 = (float(v) for v in box)
        return cls(x0=round(x0, 2), y0=round(y0, 2), x1=round(x1, 2), y1=round(y1, 2))

    @property
    def width(self) -> float:
        return max(0.0, self.x1 - self.x0)

    @property
    def height(self) -> float:
        return max(0.0, self.y1 - self.y0)

    @property
    def area(self) -> float:
        return self.width * self.height

    def intersection(self, other: BBox) -> float:
        w = min(self.x1, other.x1) - max(self.x0, other.x0)
        h = min(self.y1, other.y1) - max(self.y0, other.y0)
        return w * h if w > 0 and h > 0 else 0.0

    def overlap_of(self, other: BBox) -> float:
        """Share of *this* box's area covered by ``other`` (0..1)."""
        return self.intersection(other) / self.area if self.area else 0.0

    def union(self, other: BBox) -> BBox:
        return BBox(
            x0=min(self.x0, other.x0),
            y0=min(self.y0, other.y0),
            x1=max(self.x1, other.x1),
            y1=max(self.y1, other.y1),
        )


def union_all(boxes) -> BBox:
    boxes = list(boxes)
    out = boxes[0]
    for b in boxes[1:]:
        out = out.union(b)
    return out
