"""Output of the ``source_pdf`` stage: what the file is and whether it is usable."""

from __future__ import annotations

import unicodedata

from pydantic import BaseModel, Field

UNREADABLE_CATEGORIES = ("Cc", "Co", "Cn")  # control, private use, unassigned


def char_counts(text: str) -> tuple[int, int]:
    """(non-space characters, those that are U+FFFD, control, private-use or unassigned)."""
    chars = [c for c in text if not c.isspace()]
    bad = sum(1 for c in chars if c == "\ufffd" or unicodedata.category(c) in UNREADABLE_CATEGORIES)
    return len(chars), bad


class SourcePage(BaseModel):
    number: int = Field(description="1-based page number")
    width: float = Field(description="width in points after /Rotate is applied")
    height: float = Field(description="height in points after /Rotate is applied")
    rotation: int = Field(description="the page's /Rotate value: 0, 90, 180 or 270")
    has_text_layer: bool
    text_chars: int = Field(description="non-whitespace characters in the text layer")
    bad_chars: int = Field(0, description="of those, U+FFFD, control, private-use or unassigned characters")
    image_share: float = Field(0.0, description="share of the page drawn with images (their areas summed, at most 1)")
    hidden_chars: int = Field(
        0, description="of the text layer's characters, those drawn invisibly (render mode 3 or transparent)"
    )


class SourceInfo(BaseModel):
    key: str
    path: str = Field(description="the PDF, relative to the artifact root (absolute in older outputs)")
    file_name: str | None = Field(None, description="the name it was registered under")
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
