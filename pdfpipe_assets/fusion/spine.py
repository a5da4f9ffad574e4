"""Per page, choose the text layer or OCR, and say why."""

from __future__ import annotations

from ..contracts import Line, SourceInfo, SpinePage
from .text_quality import usable_text


def needs_ocr(text_lines: list[Line]) -> tuple[bool, str]:
    ok, why = usable_text(" ".join(line.text for line in text_lines))
    return (not ok), why


def text_page(source: SourceInfo, number: int, lines: list[Line], why: str) -> SpinePage:
    page = source.pages[number - 1]
    return SpinePage(
        number=number,
        width=page.width,
        height=page.height,
        rotation=page.rotation,
        source="text_layer",
        reason=why,
        lines=lines,
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
