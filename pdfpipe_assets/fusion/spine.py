"""Per page, choose the text layer or OCR, and say why."""

from __future__ import annotations

from ..contracts import Line, SourceInfo, SpinePage
from .clean_text import accent_side, clean_line_text
from .text_quality import usable_text


def needs_ocr(text_lines: list[Line]) -> tuple[bool, str]:
    ok, why = usable_text(" ".join(line.text for line in text_lines))
    return (not ok), why


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
