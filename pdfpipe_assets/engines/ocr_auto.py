"""``kind: auto``: Tesseract where its language data is installed, else RapidOCR (whose weights
ship in its wheel).  Resolved once per process, and the engine that ran is recorded in the
spine (``ocr_engine``) and the stage's metadata.  The code version names both candidates, so
it does not depend on which machine loads the definitions."""

from __future__ import annotations

from functools import cached_property
from typing import Literal

from .base import Engine, EngineInfo, EngineOptions, OcrPage, PageInput, package_version
from .checks import Check
from .ocr_rapid import RapidOcr, RapidOcrOptions
from .ocr_tesseract import TesseractOcr, TesseractOptions, find_tessdata


class AutoOcrOptions(EngineOptions):
    kind: Literal["auto"] = "auto"


class AutoOcr(Engine[AutoOcrOptions]):
    Options = AutoOcrOptions
    pool = "ocr"
    requires = ("rapidocr",)

    @classmethod
    def version(cls) -> str:
        return f"1+tesseract-{package_version('tesserocr')}|rapidocr-{package_version('rapidocr')}"

    @cached_property
    def resolved(self) -> TesseractOcr | RapidOcr:
        if find_tessdata() and package_version("tesserocr") != "absent":
            return TesseractOcr(TesseractOptions())
        return RapidOcr(RapidOcrOptions())

    @property
    def info(self) -> EngineInfo:
        return self.resolved.info

    def diagnose(self) -> list:
        return [Check("resolves to", True, self.resolved.info.label), *self.resolved.diagnose()]

    def recognize(self, pages: list[PageInput]) -> list[OcrPage]:
        return self.resolved.recognize(pages)
