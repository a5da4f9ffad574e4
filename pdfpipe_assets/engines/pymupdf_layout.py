"""PyMuPDF's bundled layout model (ONNX, in the wheel) and its table finder.

The table finder runs the layout model first and is gated by its table regions, so one pass
serves both stages (``detect_with_tables``); a profile may still pick another table engine.
"""

from __future__ import annotations

from functools import cache
from itertools import groupby
from typing import Literal

from pydantic import Field

from ..contracts import BBox, Region, Table
from .base import Engine, EngineOptions, PageInput
from .pymupdf_open import upright_pages
from .pymupdf_tables import LABELS, overlay, tables_of, uncovered

# Feature sets of the model: text features and a CNN over the page image ("full"), or text
# features alone ("text": 2-4x faster on a CPU, a little less accurate).  Scanned pages always
# get both: on OCR words alone the text-only model calls a scanned page one picture.
FEATURES = {"full": "imf+rf", "text": "rf"}


class PyMuPDFLayoutOptions(EngineOptions):
    kind: Literal["pymupdf"] = "pymupdf"
    features: Literal["full", "text"] = Field("full", description="full: text and image features; text: text only")


class PyMuPDFTablesOptions(EngineOptions):
    kind: Literal["pymupdf"] = "pymupdf"


@cache
def _full_model():
    import pymupdf
    import pymupdf.layout  # noqa: F401  (importing it installs the full model as pymupdf._get_layout)

    return pymupdf._get_layout


@cache
def _layout_model(features: str):
    """The model's predict function for a feature set, loaded once per process and kept for
    good: an onnxruntime session made in a parent and freed in a forked child deadlocks the
    child (its thread pool's condition variables), so no model may ever become garbage."""
    full = _full_model()
    if features == FEATURES["full"]:
        return full
    from pymupdf.layout import DocumentLayoutAnalyzer

    return DocumentLayoutAnalyzer.get_model(feature_set_name=features).predict


def use_layout_model(features: str) -> None:
    """Make ``page.get_layout()`` (and so ``find_tables``) use the model with ``features``."""
    import pymupdf

    pymupdf._get_layout = _layout_model(features)


def _analyze_page(page, features: str, ocr_words, with_tables: bool) -> tuple[list[Region], list[Table]]:
    import numpy as np

    use_layout_model(FEATURES["full"] if ocr_words else features)
    if ocr_words:  # a scan: the model reads text features too, which only the OCR has
        overlay(page, ocr_words)
    number = page.number + 1
    with np.errstate(divide="ignore", invalid="ignore"):  # PyMuPDF's layout features log(0)
        if with_tables:
            found = page.find_tables()  # runs page.get_layout() first and keeps its boxes
            tables = tables_of(page, found.tables)
        else:
            page.get_layout()
            tables = []
        regions = [
            Region(page=number, bbox=BBox.of(box[:4]), label=label if label in LABELS else "other")
            for *box, label in page.layout_information or []
        ]
        if with_tables and uncovered(regions, tables):  # a borderless table: no ruling lines to find
            page.layout_information = None  # the union finder needs the layout in its raw form
            fused = page.find_tables(union=True)
            tables += [t for t in tables_of(page, fused.tables) if uncovered([t], tables)]
    return regions, tables


def analyze(pages: list[PageInput], features: str, with_tables: bool = True) -> list[tuple[list[Region], list[Table]]]:
    """Regions and tables of each page, opening each PDF once, on the upright page."""
    out: dict[tuple[str, int], tuple[list[Region], list[Table]]] = {}
    for pdf, group in groupby(pages, key=lambda p: p.pdf):
        wanted = {p.number: p for p in group}
        for page in upright_pages(pdf):
            item = wanted.get(page.number + 1)
            if item is not None:
                out[(str(pdf), item.number)] = _analyze_page(page, features, item.ocr_words, with_tables)
    return [out[(str(p.pdf), p.number)] for p in pages]


class PyMuPDFLayout(Engine[PyMuPDFLayoutOptions]):
    """Labelled regions from PyMuPDF's layout model; serves tables in the same pass."""

    Options = PyMuPDFLayoutOptions
    requires = ("pymupdf", "onnxruntime")
    distribution = "pymupdf"

    def detect(self, pages: list[PageInput]) -> list[list[Region]]:
        return [regions for regions, _ in analyze(pages, FEATURES[self.options.features], with_tables=False)]

    def detect_with_tables(self, pages: list[PageInput]) -> list[tuple[list[Region], list[Table]]]:
        return analyze(pages, FEATURES[self.options.features])

    def warm_up(self) -> None:
        use_layout_model(FEATURES[self.options.features])


class PyMuPDFTables(Engine[PyMuPDFTablesOptions]):
    """PyMuPDF's table finder on its own (it runs the layout model itself)."""

    Options = PyMuPDFTablesOptions
    requires = ("pymupdf", "onnxruntime")
    distribution = "pymupdf"

    def find(self, pages: list[PageInput], regions: list[list[Region]]) -> list[list[Table]]:
        return [tables for _, tables in analyze(pages, FEATURES["full"])]
