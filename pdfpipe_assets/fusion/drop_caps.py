"""Drop caps: a paragraph's first letter set large beside its first lines is that paragraph's
first letter, not a block of its own (which reading order would put anywhere)."""

from __future__ import annotations

from statistics import median

from ..contracts.spine import Line

SIZE = 2.0  # a drop cap is at least this many times the page's usual line height


def _cap(line: Line, usual: float) -> bool:
    text = line.text.strip()
    return len(text) == 1 and text.isalpha() and text.isupper() and line.bbox.height >= SIZE * usual


def _beside(cap: Line, line: Line) -> bool:
    """``line`` starts right of the cap, its top within the cap's top half."""
    gap = line.bbox.x0 - cap.bbox.x1
    return -1 <= gap <= cap.bbox.width * 2 + 4 and cap.bbox.y0 - 2 <= line.bbox.y0 <= cap.bbox.y0 + cap.bbox.height / 2


def attach_drop_caps(lines: list[Line]) -> tuple[list[Line], list[tuple[Line, Line]]]:
    """The page's lines with each drop cap joined to the first line of its paragraph, and the
    (new line, line it replaces) pairs."""
    if len(lines) < 2:
        return lines, []
    usual = median(ln.bbox.height for ln in lines)
    caps = [ln for ln in lines if _cap(ln, usual)]
    if not caps:
        return lines, []
    joined: dict[int, Line] = {}
    used: set[int] = set()
    for cap in caps:
        first = min((ln for ln in lines if ln is not cap and _beside(cap, ln)), key=lambda ln: ln.bbox.y0, default=None)
        if first is None or id(first) in joined:
            continue
        joined[id(first)] = first.model_copy(
            update={"text": cap.text.strip() + first.text.lstrip(), "bbox": cap.bbox.union(first.bbox)}
        )
        used.add(id(cap))
    pairs = [(joined[id(ln)], ln) for ln in lines if id(ln) in joined]
    return [joined.get(id(ln), ln) for ln in lines if id(ln) not in used], pairs
