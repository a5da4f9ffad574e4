"""PyMuPDF text layer: lines with words, font size and boldness."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from ..contracts import BBox, Line, Word
from .base import Engine, EngineOptions
from .pymupdf_open import upright_pages

BOLD_FLAG = 16


class PyMuPDFTextOptions(EngineOptions):
    kind: Literal["pymupdf"] = "pymupdf"


def _page_lines(page) -> list[Line]:
    import pymupdf

    flags = pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_MEDIABOX_CLIP
    tp = page.get_textpage(flags=flags)
    words: dict[tuple[int, int], list[Word]] = {}
    for x0, y0, x1, y1, text, b, ln, _ in tp.extractWORDS():
        words.setdefault((b, ln), []).append(Word(text=text, bbox=BBox.of((x0, y0, x1, y1)), confidence=1.0))
    lines = []
    for b_no, block in enumerate(tp.extractDICT()["blocks"]):
        if block.get("type") != 0:
            continue
        for l_no, line in enumerate(block["lines"]):
            spans = [s for s in line["spans"] if s["text"].strip()]
            line_words = words.get((b_no, l_no), [])
            if not spans or not line_words:
                continue
            size = max(s["size"] for s in spans)
            bold = all(s["flags"] & BOLD_FLAG or "bold" in s["font"].lower() for s in spans)
            lines.append(
                Line(
                    text=" ".join(w.text for w in line_words),
                    bbox=BBox.of(line["bbox"]),
                    confidence=1.0,
                    source="text_layer",
                    block=b_no,
                    font_size=round(size, 2),
                    bold=bool(bold),
                    words=line_words,
                )
            )
    return lines


class PyMuPDFTextLayer(Engine[PyMuPDFTextOptions]):
    """Lines and words of the text layer, in rotation-normalized page space."""

    Options = PyMuPDFTextOptions
    requires = ("pymupdf",)
    distribution = "pymupdf"

    def read(self, path: Path) -> list[list[Line]]:
        return [_page_lines(page) for page in upright_pages(path)]
