"""Engine adapters, chosen by ``kind`` from configuration; each library is imported lazily."""

from .base import EngineInfo, OcrPage, package_version
from .registry import OCR_KINDS, make_ocr_engine, ocr_engine_info

__all__ = ["OCR_KINDS", "EngineInfo", "OcrPage", "make_ocr_engine", "ocr_engine_info", "package_version"]
