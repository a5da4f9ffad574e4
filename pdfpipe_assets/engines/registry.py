"""Every engine by stage and ``kind``.  Adding an engine is one line here and one adapter file.

An unknown kind is an error that lists the known ones; a known kind whose library is missing
is an error that names the ``pip install`` extra.  Nothing falls through to another engine.
"""

from __future__ import annotations

import importlib
import importlib.util
from functools import cache

from ..errors import EngineUnavailable
from .base import INTERFACES, Engine

_E = "pdfpipe_assets.engines"
REGISTRY: dict[str, dict[str, str]] = {
    "source": {"pymupdf": f"{_E}.pymupdf_source:PyMuPDFSource"},
    "render": {"pymupdf": f"{_E}.pymupdf_render:PyMuPDFRenderer"},
    "text_layer": {"pymupdf": f"{_E}.pymupdf_text:PyMuPDFTextLayer"},
    "ocr": {
        "auto": f"{_E}.ocr_auto:AutoOcr",
        "tesseract": f"{_E}.ocr_tesseract:TesseractOcr",
        "rapidocr": f"{_E}.ocr_rapid:RapidOcr",
    },
    "image_text": {  # text drawn in the images of a sparse text-layer page (fusion/spine.py)
        "rapidocr": f"{_E}.ocr_rapid:RapidOcr",
        "tesseract": f"{_E}.ocr_tesseract:TesseractOcr",
        "auto": f"{_E}.ocr_auto:AutoOcr",
    },
    "layout": {
        "pymupdf": f"{_E}.pymupdf_layout:PyMuPDFLayout",
        "vlm": f"{_E}.vlm:VlmPages",
        "docling": f"{_E}.docling_pages:DoclingPages",
        "mineru": f"{_E}.mineru_client:MinerUPages",
        "surya": f"{_E}.surya_pages:SuryaPages",
    },
    "tables": {
        "pymupdf": f"{_E}.pymupdf_layout:PyMuPDFTables",
        "pdfplumber": f"{_E}.tables_pdfplumber:PdfplumberTables",
        "vlm": f"{_E}.vlm:VlmPages",
        "docling": f"{_E}.docling_pages:DoclingPages",
        "mineru": f"{_E}.mineru_client:MinerUPages",
        "surya": f"{_E}.surya_pages:SuryaPages",
    },
    "scholarly": {
        "embedded": f"{_E}.scholarly_embedded:EmbeddedScholarly",
        "grobid": f"{_E}.scholarly_grobid:GrobidScholarly",
    },
    "embeddings": {
        "wordllama": f"{_E}.embed_wordllama:WordLlamaEmbeddings",
        "sentence-transformers": f"{_E}.embed_sentence_transformers:SentenceTransformersEmbeddings",
        "openai": f"{_E}.embed_openai:OpenAIEmbeddings",
    },
}
STAGES = tuple(REGISTRY)


def known_kinds(stage: str) -> tuple[str, ...]:
    if stage not in REGISTRY:
        raise EngineUnavailable(f"unknown engine stage {stage!r}; stages: {', '.join(STAGES)}")
    return tuple(REGISTRY[stage])


@cache
def engine_class(stage: str, kind: str) -> type[Engine]:
    """The adapter class for ``kind`` (its module imports no engine library)."""
    if kind not in known_kinds(stage):
        raise EngineUnavailable(f"unknown {stage} engine kind {kind!r}; known kinds: {', '.join(known_kinds(stage))}")
    module, name = REGISTRY[stage][kind].split(":")
    cls = getattr(importlib.import_module(module), name)
    if not issubclass(cls, Engine) or not issubclass(cls, INTERFACES[stage]):
        raise TypeError(f"{REGISTRY[stage][kind]} is not a {INTERFACES[stage].__name__} engine")
    return cls


def missing_requirements(cls: type[Engine]) -> list[str]:
    """Import names the engine needs that are not installed."""
    return [name for name in cls.requires if importlib.util.find_spec(name) is None]


def check_available(stage: str, kind: str) -> type[Engine]:
    cls = engine_class(stage, kind)
    missing = missing_requirements(cls)
    if missing:
        hint = f"pip install 'pdfpipe[{cls.extra}]'" if cls.extra else f"pip install {' '.join(missing)}"
        raise EngineUnavailable(f"{stage} engine {kind!r} needs {', '.join(missing)}, which is not installed: {hint}")
    return cls


def make_engine(stage: str, options) -> Engine:
    """A ready engine for ``options`` (an ``EngineOptions`` of the stage's union)."""
    return check_available(stage, options.kind)(options)
