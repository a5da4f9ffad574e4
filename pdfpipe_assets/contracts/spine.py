"""Output of the ``ocr_spine`` stage: every line of every page with its words."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from .geometry import BBox

PageSource = Literal["text_layer", "ocr", "empty"]


class Word(BaseModel):
    text: str
    bbox: BBox
    confidence: float = Field(ge=0, le=1)


class Line(BaseModel):
    text: str
    bbox: BBox
    confidence: float = Field(ge=0, le=1)
    source: str = Field(description="'text_layer' or 'ocr:<engine>'")
    block: int = Field(description="index of the engine's text block on the page")
    font_size: float | None = Field(None, description="points; line height for OCR lines")
    bold: bool = False
    words: list[Word]


class SpinePageFrame(BaseModel):
    """A spine page's number and geometry, without its lines."""

    number: int
    width: float
    height: float
    rotation: int


class SpinePage(SpinePageFrame):
    source: PageSource
    reason: str = Field(description="why this source was chosen for the page")
    ocr_orientation: int = Field(0, description="degrees the scan was turned before OCR")
    lines: list[Line]


class OcrSpine(BaseModel):
    text_engine: str
    ocr_engine: str
    image_text_engine: str | None = Field(
        None, description="the engine that read text in images, if any page needed it"
    )
    pages: list[SpinePage]

    def all_lines(self):
        for page in self.pages:
            for line in page.lines:
                yield page.number, line


class SpineFrames(BaseModel):
    """``spine.json`` read for its pages' geometry only, its lines and words skipped: the
    geometry check reads this (0.1-0.3 s less per document than the whole spine)."""

    pages: list[SpinePageFrame]
