"""Figure/table captions and in-text citation markers, found in the spine.  Pure functions."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..contracts import BBox, Caption, Citation, Located, OcrSpine, Reference
from ..contracts.geometry import union_all
from ..contracts.spine import Line
from ..text import CAPTION, clean, norm

_CAPTION_STRONG = re.compile(r"^(Fig\.?|Figure|FIGURE|FIG\.?|Table|TABLE|Tab\.)\s*(\d+|[IVX]+)\s*[:.]")
_NUMERIC = re.compile(r"\[(\d{1,3}(?:\s*[-–,;]\s*\d{1,3})*)\]")
_PAREN = re.compile(r"\(([^()]{3,200}?\b(?:1[89]|20)\d\d[a-z]?)\)")
_NARRATIVE = re.compile(
    r"\b([A-Z][\w'’-]+)(?:\s+et\s+al\.?|\s+(?:and|&)\s+[A-Z][\w'’-]+)?\s+\(((?:1[89]|20)\d\d)[a-z]?\)"
)
_ONE = re.compile(r"([A-Z][\w'’-]+)(?:\s+et\s+al\.?|\s+(?:and|&)\s+[A-Z][\w'’-]+)?,?\s+((?:1[89]|20)\d\d)[a-z]?")


def captions(spine: OcrSpine) -> list[Caption]:
    """A caption starts 'Figure 3.', 'Fig. 3:' or 'Table 2' at the start of an engine block, or
    anywhere in one when the label ends with '.' or ':'; it runs to the end of the block."""
    found = []
    for page in spine.pages:
        blocks: dict[int, list[Line]] = {}
        for line in page.lines:
            blocks.setdefault(line.block, []).append(line)
        for lines in blocks.values():
            for at, line in enumerate(lines):
                match = CAPTION.match(line.text)
                if not match or (at and not _CAPTION_STRONG.match(line.text)):
                    continue
                kind = "table" if match.group(2).lower().startswith("tab") else "figure"
                chunk = lines[at:]
                found.append(
                    Caption(
                        kind=kind,
                        label=clean(match.group(1)),
                        text=clean(" ".join(ln.text for ln in chunk)),
                        anchors=[{"page": page.number, "bbox": ln.bbox} for ln in chunk],
                    )
                )
                break
    return found


def _numbers(spec: str) -> list[int]:
    out: list[int] = []
    for part in re.split(r"[,;]", spec):
        ends = [int(n) for n in re.findall(r"\d+", part)]
        if len(ends) == 2 and 0 < ends[1] - ends[0] < 50:
            out.extend(range(ends[0], ends[1] + 1))
        else:
            out.extend(ends)
    return out


def _by_number(references: list[Reference]) -> dict[int, int]:
    """Printed reference number ('[12]', '12.') -> index in the list."""
    table: dict[int, int] = {}
    for i, ref in enumerate(references):
        digits = re.sub(r"\D", "", ref.label or "")
        if digits:
            table.setdefault(int(digits), i)
    return table


def _names_year(references: list[Reference]) -> list[tuple[set[str], str | None]]:
    """(names that may be the first author's surname, year) per reference: the capitalised words
    before the year (or the first 60 characters), since parsers often drop the first author."""
    keys = []
    for ref in references:
        head = ref.text.split(ref.year, 1)[0] if ref.year and ref.year in ref.text else ref.text[:60]
        names = {norm(w) for w in re.findall(r"\b[A-Z][\w'’-]+", head) if len(w) > 1 and not w.isupper()}
        keys.append((names, ref.year))
    return keys


def _span_box(line: Line, start: int, end: int) -> BBox:
    """Box of the words of ``line`` that the character span [start, end) touches."""
    boxes, at = [], 0
    for word in line.words:
        w_start = line.text.find(word.text, at)
        if w_start < 0:
            break
        w_end = w_start + len(word.text)
        if w_start < end and w_end > start:
            boxes.append(word.bbox)
        at = w_end
    return union_all(boxes) if boxes else line.bbox


def link_citations(spine: OcrSpine, references: list[Reference], skip: Sequence[Located] = ()) -> list[Citation]:
    """Numeric ('[3, 5-7]') and author-year ('(Smith et al., 2009)', 'Smith (2009)') markers in
    the body text, each linked to the references it names.  Lines in ``skip`` (the reference
    list itself) are not searched."""
    if not references:
        return []
    skipped = {(a.page, a.bbox.y0, a.bbox.x0) for item in skip for a in item.anchors}
    # numeric markers only for a numbered list: in an author-year paper '[1]' is code or maths
    numbers = _by_number(references) if any(r.label for r in references) else {}
    authors = _names_year(references)

    def by_author(name: str, year: str) -> list[int]:
        return [i for i, (names, y) in enumerate(authors) if y == year and norm(name) in names]

    found: list[Citation] = []
    for page in spine.pages:
        for line in page.lines:
            if (page.number, line.bbox.y0, line.bbox.x0) in skipped:
                continue
            for m in _NUMERIC.finditer(line.text):
                hits = [numbers[n] for n in _numbers(m.group(1)) if n in numbers]
                if hits:
                    found.append(
                        Citation(
                            marker=m.group(0),
                            page=page.number,
                            bbox=_span_box(line, m.start(), m.end()),
                            references=hits,
                        )
                    )
            for m in _PAREN.finditer(line.text):
                hits = [i for one in _ONE.finditer(m.group(1)) for i in by_author(one.group(1), one.group(2))]
                if hits:
                    found.append(
                        Citation(
                            marker=m.group(1),
                            page=page.number,
                            bbox=_span_box(line, m.start(), m.end()),
                            references=hits,
                        )
                    )
            for m in _NARRATIVE.finditer(line.text):
                hits = by_author(m.group(1), m.group(2))
                if hits:
                    found.append(
                        Citation(
                            marker=m.group(0),
                            page=page.number,
                            bbox=_span_box(line, m.start(), m.end()),
                            references=hits,
                        )
                    )
    return found
