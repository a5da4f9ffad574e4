"""``kind: docling``: docling's PDF pipeline (layout model, TableFormer, optional OCR and formula
models) reads the document's pages in one conversion; ``docling_mapping`` turns its
``DoclingDocument`` into regions with docling's text and order, and tables.

Weights come from ``artifacts_path`` (or ``$DOCLING_ARTIFACTS_PATH``), staged beforehand with
``docling-tools models download``; the Hub is switched off, so a missing weight fails at once
with a message naming that command.  docling loads torch: the engine runs in a spawned process
(``isolation: spawn``), never in a fork of a process that may hold CUDA.
"""

from __future__ import annotations

import os
from typing import Any, Literal

from pydantic import Field

from ..errors import EngineUnavailable
from . import checks
from .base import Engine, EngineOptions, PageInput, PageReading
from .docling_mapping import docling_readings

DOWNLOAD = "docling-tools models download -o <dir>, then set artifacts_path (or DOCLING_ARTIFACTS_PATH) to <dir>"


class DoclingOptions(EngineOptions):
    kind: Literal["docling"] = "docling"
    hosting_fields = EngineOptions.hosting_fields | {"artifacts_path", "device", "num_threads", "document_timeout_s"}
    artifacts_path: str | None = Field(None, description="staged weights; default $DOCLING_ARTIFACTS_PATH")
    device: Literal["auto", "cpu", "cuda", "mps"] = "auto"
    num_threads: int = Field(4, description="CPU threads of docling's models")
    table_mode: Literal["accurate", "fast"] = "accurate"
    do_ocr: bool = Field(False, description="docling's own OCR; pdfpipe's spine already has the text")
    do_formula_enrichment: bool = Field(False, description="formulas as LaTeX (another model)")
    document_timeout_s: float | None = Field(None, description="docling's own per-document limit")


class DoclingPages(Engine[DoclingOptions]):
    Options = DoclingOptions
    pool = "gpu"
    isolation = "spawn"  # torch, and CUDA when there is a GPU
    requires = ("docling", "docling_core")
    distribution = "docling"
    extra = "docling"
    adapter_version = "1"

    def __init__(self, options: DoclingOptions):
        super().__init__(options)
        self._converter: Any = None  # docling's DocumentConverter, built on first use

    def _make_converter(self):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a missing weight fails now, not after a download attempt
        artifacts = self.options.artifacts_path or os.environ.get("DOCLING_ARTIFACTS_PATH")
        if not artifacts or not os.path.isdir(artifacts):
            raise EngineUnavailable(f"docling has no staged weights ({artifacts or 'none set'}): {DOWNLOAD}")
        from docling.datamodel.accelerator_options import AcceleratorOptions
        from docling.datamodel.base_models import InputFormat
        from docling.datamodel.pipeline_options import PdfPipelineOptions, TableFormerMode
        from docling.document_converter import DocumentConverter, PdfFormatOption

        o = self.options
        options = PdfPipelineOptions(artifacts_path=artifacts)
        options.do_ocr = o.do_ocr
        options.do_table_structure = True
        options.table_structure_options.mode = TableFormerMode(o.table_mode)
        options.do_formula_enrichment = o.do_formula_enrichment
        options.accelerator_options = AcceleratorOptions(num_threads=o.num_threads, device=o.device)
        if o.document_timeout_s:
            options.document_timeout = o.document_timeout_s
        return DocumentConverter(format_options={InputFormat.PDF: PdfFormatOption(pipeline_options=options)})

    def diagnose(self) -> list:
        found = [checks.folder(self.options.artifacts_path or os.environ.get("DOCLING_ARTIFACTS_PATH"))]
        return found + ([checks.gpu()] if self.options.device == "cuda" else [])

    def convert(self, pages: list[PageInput]):
        """The DoclingDocument of the pages' PDF, for the pages' range."""
        if self._converter is None:
            self._converter = self._make_converter()
        numbers = [p.number for p in pages]
        try:
            result = self._converter.convert(pages[0].pdf, page_range=(min(numbers), max(numbers)))
        except (FileNotFoundError, OSError) as err:
            raise EngineUnavailable(f"docling could not load a model: {err}; {DOWNLOAD}") from err
        return result.document

    def read_pages(self, pages: list[PageInput]) -> list[PageReading]:
        if not pages:
            return []
        return docling_readings(self.convert(pages), [p.number for p in pages])

    def detect(self, pages: list[PageInput]):
        return [r.regions for r in self.read_pages(pages)]

    def find(self, pages: list[PageInput], regions):
        return [r.tables for r in self.read_pages(pages)]
