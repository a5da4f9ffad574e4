"""Per page, choose the text layer or OCR, and say why."""

from __future__ import annotations

from ..contracts import Line, SourceInfo, SourcePage, SpinePage
from .clean_text import accent_side, clean_line_text
from .text_quality import usable_text

SPARSE_CHARS = 200  # fewer characters than a short paragraph: a cover, a slide, a poster
IMAGE_SHARE = 0.1  # ... with images over a tenth of the page or more
OVERLAP = 0.3  # an OCR line this much inside a text-layer line is that line, read twice


def needs_ocr(text_lines: list[Line]) -> tuple[bool, str]:
    ok, why = usable_text(" ".join(line.text for line in text_lines))
    return (not ok), why


def text_in_images(page: SourcePage) -> bool:
    """A page with a usable text layer but little text, drawn mostly with images: its images
    carry text of their own (a cover's title, a slide's logo), so it is OCR'd as well."""
    return page.text_chars < SPARSE_CHARS and page.image_share >= IMAGE_SHARE


def with_image_text(page: SpinePage, ocr_lines: list[Line], orientation: int) -> SpinePage:
    """The text-layer page plus the OCR lines that no text-layer line covers (upright OCR
    only: a sideways reading of a few words is not to be trusted over the layer's geometry)."""
    if orientation:
        return page.model_copy(update={"reason": f"{page.reason}; OCR of its images read it sideways: not used"})
    new = [o for o in ocr_lines if not any(o.bbox.overlap_of(t.bbox) >= OVERLAP for t in page.lines)]
    base = max((ln.block for ln in page.lines), default=-1) + 1
    new = [ln.model_copy(update={"block": base + ln.block}) for ln in new]
    reason = f"{page.reason}; sparse text over images: OCR added {len(new)} lines"
    return page.model_copy(update={"lines": [*page.lines, *new], "reason": reason})


def _cleaned(line: Line, side: str) -> Line:
    """The line with its text and words cleaned; the same object when cleaning changes nothing
    (most lines: no copy on the text layer's hot path)."""
    text = clean_line_text(line.text, side)
    if text == line.text:  # words are pieces of the line: a clean line has clean words
        return line
    words = [w.model_copy(update={"text": clean_line_text(w.text, side)}) for w in line.words]
    return line.model_copy(update={"text": text, "words": words})


def text_page(source: SourceInfo, number: int, lines: list[Line], why: str) -> SpinePage:
    """A page read from its text layer, each line's text cleaned (``clean_text``)."""
    page = source.pages[number - 1]
    side = accent_side(line.text for line in lines)
    return SpinePage(
        number=number,
        width=page.width,
        height=page.height,
        rotation=page.rotation,
        source="text_layer",
        reason=why,
        lines=[_cleaned(line, side) for line in lines],
    )


def ocr_page(source: SourceInfo, number: int, lines: list[Line], why: str, orientation: int) -> SpinePage:
    page = source.pages[number - 1]
    return SpinePage(
        number=number,
        width=page.width,
        height=page.height,
        rotation=page.rotation,
        source="ocr" if lines else "empty",
        reason=f"{why}; OCR found {len(lines)} lines",
        ocr_orientation=orientation,
        lines=lines,
    )
