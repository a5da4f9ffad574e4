"""Pick an engine by its ``kind`` (from the hardware profile); clear errors for missing extras."""

from __future__ import annotations

from ..errors import EngineUnavailable
from .base import EngineInfo, package_version

OCR_KINDS = ("auto", "tesseract", "rapidocr")
_OCR_DIST = {"tesseract": "tesserocr", "rapidocr": "rapidocr"}


def resolve_ocr_kind(kind: str) -> str:
    """'auto' means Tesseract when its language data is present, else RapidOCR."""
    if kind not in OCR_KINDS:
        raise EngineUnavailable(f"unknown OCR engine kind {kind!r}; choose one of {OCR_KINDS}")
    if kind != "auto":
        return kind
    from .ocr_tesseract import find_tessdata

    if find_tessdata() and package_version("tesserocr") != "absent":
        return "tesseract"
    return "rapidocr"


def ocr_engine_info(kind: str) -> EngineInfo:
    """Name and version without loading the engine (used for code versions)."""
    resolved = resolve_ocr_kind(kind)
    return EngineInfo(resolved, package_version(_OCR_DIST[resolved]))


def make_ocr_engine(kind: str):
    resolved = resolve_ocr_kind(kind)
    if resolved == "tesseract":
        from .ocr_tesseract import TesseractOcr

        return TesseractOcr()
    from .ocr_rapid import RapidOcr

    return RapidOcr()


def make_layout_engine(kind: str):
    """``pymupdf`` (text and image features) or ``pymupdf-text`` (text features only)."""
    from .pymupdf_engines import LAYOUT_FEATURES, PyMuPDFLayout

    if kind not in LAYOUT_FEATURES:
        raise EngineUnavailable(f"unknown layout engine kind {kind!r}; choose one of {tuple(LAYOUT_FEATURES)}")
    return PyMuPDFLayout(kind)
