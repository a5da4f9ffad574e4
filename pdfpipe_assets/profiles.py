"""Hardware profiles (``resources/*.yaml``): slots per pool, batch sizes, engines per stage."""

from __future__ import annotations

import os
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

from .settings import DEFAULT_PROFILE

POOLS = ("cpu", "ocr", "gpu", "grobid")


class RenderSettings(BaseModel):
    dpi: int = 150
    max_pixels: int = Field(40_000_000, description="per page; larger pages are rendered at a lower dpi")


class Budget(BaseModel):
    """Per-document limits; heavy native work runs in a child process that is killed past them."""

    base_s: float = Field(60, description="seconds every document gets")
    per_page_s: float = Field(20, description="seconds added per page")
    memory_mb: int | None = Field(4096, description="cap on the writable memory (RLIMIT_DATA) of the child; empty: none")
    max_pages: int = Field(5000, description="documents with more pages fail as suspicious")

    def seconds(self, pages: int) -> float:
        return self.base_s + self.per_page_s * max(1, pages)


class EngineChoice(BaseModel):
    ocr: str = Field("auto", description="auto | tesseract | rapidocr")
    layout: str = Field("pymupdf", description="pymupdf (text and image features) | pymupdf-text (text features)")
    scholarly: str = Field("embedded", description="embedded, or grobid when a GROBID url is configured")


class Profile(BaseModel):
    name: str
    description: str = ""
    pools: dict[str, int] = Field(default_factory=lambda: {p: 1 for p in POOLS})
    max_concurrent_runs: int = 2
    threads_per_worker: int = 1
    batch_size: int = 8
    render: RenderSettings = RenderSettings()
    budget: Budget = Budget()
    engines: EngineChoice = EngineChoice()


def load_profile(path: str | Path | None = None) -> Profile:
    path = Path(path or os.environ.get("PDFPIPE_PROFILE") or DEFAULT_PROFILE)
    return Profile.model_validate(yaml.safe_load(path.read_text()))
