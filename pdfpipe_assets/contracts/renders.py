"""Output of the ``page_renders`` stage (``pages.json``)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class PageRender(BaseModel):
    number: int
    file: str = Field(description="PNG file name inside the stage folder")
    rotation: int = Field(description="the PDF /Rotate, already applied to the pixels")
    dpi: int
    width_px: int
    height_px: int
    width_pt: float
    height_pt: float


class RenderManifest(BaseModel):
    dpi: int
    pages: list[PageRender]
