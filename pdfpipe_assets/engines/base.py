"""What every engine adapter is: typed options, how it must be hosted, one interface per stage.

An adapter imports its library inside its methods, never at module level, so that a profile
can be validated (and the registry listed) on a machine without that library.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import ClassVar, Generic, Literal, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from ..contracts import Line, PageFailure, Region, RenderManifest, Scholarly, SourceInfo, Table
from ..contracts.spine import OcrSpine

Isolation = Literal["fork", "spawn", "none"]


@cache
def package_version(dist: str) -> str:
    """Installed version of a distribution without importing it ('absent' if missing); read
    once per process (it scans the installed metadata: 0.7 ms a call)."""
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


class EngineOptions(BaseModel):
    """Options every engine takes; each engine subclasses this with ``kind`` and its own fields.

    ``pool`` and ``isolation`` override how the engine declares it must be hosted."""

    model_config = ConfigDict(extra="forbid")
    # Options that say where or how fast the engine runs, not what it outputs: left out of the
    # code version, so moving an engine to a GPU or another server does not redo every document.
    hosting_fields: ClassVar[frozenset[str]] = frozenset({"pool", "isolation"})

    kind: str
    pool: str | None = Field(None, description="Dagster pool the stage takes; default: the engine's")
    isolation: Isolation | None = Field(
        None, description="fork: budget worker; spawn: fresh interpreter (CUDA); none: in process"
    )


OptionsT = TypeVar("OptionsT", bound=EngineOptions)


class Engine(Generic[OptionsT]):
    """Base of every adapter.  ``Options`` is its typed options; ``pool`` and ``isolation`` say
    how it must be hosted; ``requires`` are the import names that ``extra`` installs."""

    Options: ClassVar[type[EngineOptions]]
    pool: ClassVar[str] = "cpu"
    isolation: ClassVar[Isolation] = "fork"
    requires: ClassVar[tuple[str, ...]] = ()
    distribution: ClassVar[str | None] = None  # whose version the engine's version is
    adapter_version: ClassVar[str] = "1"
    extra: ClassVar[str | None] = None  # pip install 'pdfpipe[<extra>]'

    def __init__(self, options: OptionsT):
        self.options: OptionsT = options

    @classmethod
    def version(cls) -> str:
        """Adapter version plus the library's installed version: part of the stage's code version."""
        lib = package_version(cls.distribution) if cls.distribution else "none"
        return f"{cls.adapter_version}+{lib}"

    @property
    def info(self) -> EngineInfo:
        return EngineInfo(self.options.kind, self.version())

    def diagnose(self) -> list:
        """``checks.Check``s of what the engine needs beyond its packages (a server, weights,
        a GPU), made now, for ``pdfpipe doctor``; most engines need nothing more."""
        return []


@dataclass
class PageInput:
    """One page handed to a model-backed engine: the PDF, its rendered image, and (for a scan)
    the OCR words that stand in for its missing text layer."""

    pdf: Path
    number: int  # 1-based
    image: Path | None = None  # the rendered page; an OCR engine needs it
    dpi: int = 150
    ocr_words: list[tuple[str, tuple[float, float, float, float]]] | None = None
    lines: list[Line] | None = None  # the spine's lines: what a page reader aligns its text to
    size: tuple[float, float] | None = None  # (width, height) in points, rotation applied
    turned: int = 0  # degrees ``image`` was turned from the render (np.rot90) to stand upright


def image_of(page: PageInput) -> Path:
    if page.image is None:
        raise ValueError(f"page {page.number} of {page.pdf} has no rendered image to recognize")
    return page.image


@dataclass
class OcrPage:
    lines: list[Line]
    orientation: int  # degrees the image was turned so that text stood upright


@dataclass
class ScholarlyOutput:
    scholarly: Scholarly
    files: dict[str, str]  # extra artifacts to keep beside scholarly.json (GROBID's TEI)


@runtime_checkable
class SourceEngine(Protocol):
    def inspect(self, path: Path, key: str, sha256: str) -> SourceInfo: ...


@runtime_checkable
class RenderEngine(Protocol):
    def render(self, path: Path, out_dir: Path) -> RenderManifest: ...


@runtime_checkable
class TextLayerEngine(Protocol):
    def read(self, path: Path) -> list[list[Line]]: ...


@runtime_checkable
class OcrEngine(Protocol):
    """A batch of page images in, one result per page out (a GPU engine batches; a CPU one loops)."""

    def recognize(self, pages: list[PageInput]) -> list[OcrPage]: ...


@runtime_checkable
class LayoutEngine(Protocol):
    def detect(self, pages: list[PageInput]) -> list[list[Region]]: ...


@runtime_checkable
class TableEngine(Protocol):
    def find(self, pages: list[PageInput], regions: list[list[Region]]) -> list[list[Table]]: ...


@runtime_checkable
class LayoutTableEngine(Protocol):
    """An engine that serves both stages in one pass (PyMuPDF's table finder runs its layout model)."""

    def detect_with_tables(self, pages: list[PageInput]) -> list[tuple[list[Region], list[Table]]]: ...


@dataclass
class PageReading:
    """What a page reader made of one page: regions with its own text, tables, or a failure."""

    regions: list[Region]
    tables: list[Table]
    failure: PageFailure | None = None


@runtime_checkable
class PageReadingEngine(Protocol):
    """Reads whole pages itself (a VLM): text, labels and order, placed on the page's spine
    lines.  It serves the layout and tables stages in one pass."""

    def read_pages(self, pages: list[PageInput]) -> list[PageReading]: ...


@runtime_checkable
class ScholarlyEngine(Protocol):
    def extract(self, path: Path, spine: OcrSpine) -> ScholarlyOutput: ...


@runtime_checkable
class EmbeddingEngine(Protocol):
    """Texts in, one unit-length float32 vector per text out (an ``(n, dim)`` numpy array)."""

    def model_name(self) -> str: ...

    def embed(self, texts: list[str]): ...


INTERFACES: dict[str, type] = {
    "source": SourceEngine,
    "render": RenderEngine,
    "text_layer": TextLayerEngine,
    "ocr": OcrEngine,
    "image_text": OcrEngine,
    "layout": LayoutEngine,
    "tables": TableEngine,
    "scholarly": ScholarlyEngine,
    "embeddings": EmbeddingEngine,
}
