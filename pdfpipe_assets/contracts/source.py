"""Output of the ``source_pdf`` stage: what the file is and whether it is usable."""

from __future__ import annotations

from pydantic import BaseModel, Field


class SourcePage(BaseModel):
    number: int = Field(description="1-based page number")
    width: float = Field(description="width in points after /Rotate is applied")
    height: float = Field(description="height in points after /Rotate is applied")
    rotation: int = Field(description="the page's /Rotate value: 0, 90, 180 or 270")
    has_text_layer: bool
    text_chars: int = Field(description="non-whitespace characters in the text layer")


class SourceInfo(BaseModel):
    key: str
    path: str
    sha256: str
    size_bytes: int
    page_count: int
    pdf_version: str | None = None
    encrypted: bool = False
    repaired: bool = Field(False, description="MuPDF had to repair the file to open it")
    repair_warnings: list[str] = Field(default_factory=list)
    metadata: dict[str, str] = Field(default_factory=dict)
    has_javascript: bool = Field(False, description="document-level JavaScript found (never run)")
    embedded_files: int = Field(0, description="embedded files found (never extracted)")
    pages: list[SourcePage]
