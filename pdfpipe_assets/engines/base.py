"""The small interfaces every engine adapter implements.  Libraries are imported lazily."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Protocol

from ..contracts import LayoutOutput, Line, RenderManifest, Scholarly, SourceInfo
from ..contracts.spine import OcrSpine


def package_version(dist: str) -> str:
    """Installed version of a distribution without importing it ('absent' if missing)."""
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "absent"


@dataclass(frozen=True)
class EngineInfo:
    name: str
    version: str

    @property
    def label(self) -> str:
        return f"{self.name}-{self.version}"


@dataclass
class OcrPage:
    lines: list[Line]
    orientation: int  # degrees the image was turned so that text stood upright


class SourceInspector(Protocol):
    info: EngineInfo

    def inspect(self, path: Path, key: str, sha256: str) -> SourceInfo: ...


class PageRenderer(Protocol):
    info: EngineInfo

    def render(self, path: Path, out_dir: Path, dpi: int, max_pixels: int) -> RenderManifest: ...


class TextLayerReader(Protocol):
    info: EngineInfo

    def read(self, path: Path) -> list[list[Line]]: ...


class OcrEngine(Protocol):
    info: EngineInfo

    def recognize(self, png: Path, dpi: int) -> OcrPage: ...


class LayoutAnalyzer(Protocol):
    """Labelled regions and tables; ``ocr_words`` (page -> (text, box)) stands in for a scan's
    missing text layer."""

    info: EngineInfo

    def analyze(self, path: Path, ocr_words: dict | None = None) -> LayoutOutput: ...


class ScholarlyExtractor(Protocol):
    info: EngineInfo

    def extract(self, path: Path, spine: OcrSpine) -> Scholarly: ...
