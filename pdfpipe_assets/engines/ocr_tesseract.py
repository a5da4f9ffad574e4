"""Tesseract through tesserocr: one API object per process, orientation fixed with OSD."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field

from ..contracts import BBox, Line, Word
from ..errors import EngineUnavailable
from . import checks
from .base import Engine, EngineOptions, OcrPage, PageInput, image_of
from .images import load_gray, unrotate_box

DEBIAN_TESSDATA = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata")
MIN_OSD_CONFIDENCE = 1.5


def find_tessdata(lang: str = "eng") -> str | None:
    """TESSDATA_PREFIX if set, else Debian's folders; None when ``lang`` data is nowhere."""
    candidates = [os.environ.get("TESSDATA_PREFIX", ""), *DEBIAN_TESSDATA]
    for folder in candidates:
        if folder and Path(folder, f"{lang}.traineddata").exists():
            return folder
    return None


def _word_text(it, level) -> str:
    try:
        return (it.GetUTF8Text(level) or "").strip()
    except RuntimeError:  # tesserocr raises on an empty word
        return ""


class TesseractOptions(EngineOptions):
    kind: Literal["tesseract"] = "tesseract"
    lang: str = Field("eng", description="Tesseract language(s), e.g. eng or eng+deu")
    tessdata: str | None = Field(None, description="folder of *.traineddata; default TESSDATA_PREFIX or Debian's")


class TesseractOcr(Engine[TesseractOptions]):
    """OCR of rendered pages, one at a time.  OpenMP is capped at one thread: overcommit is the enemy."""

    Options = TesseractOptions
    pool = "ocr"
    requires = ("tesserocr",)
    distribution = "tesserocr"
    extra = "tesseract"

    def __init__(self, options: TesseractOptions):
        super().__init__(options)
        self.lang = options.lang
        tessdata = options.tessdata or find_tessdata(options.lang.split("+")[0])
        if tessdata is None:
            raise EngineUnavailable(
                f"Tesseract language data '{options.lang}.traineddata' not found: set TESSDATA_PREFIX or "
                "install Debian's tesseract-ocr-eng (make setup does it)"
            )
        self.tessdata: str = tessdata
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")

    def diagnose(self) -> list:
        return [checks.folder(self.tessdata, "language data")]

    def recognize(self, pages: list[PageInput]) -> list[OcrPage]:
        return [self.recognize_one(image_of(p), p.dpi) for p in pages]

    @cached_property
    def _api(self):
        from tesserocr import PSM, PyTessBaseAPI

        return PyTessBaseAPI(path=self.tessdata, lang=self.lang, psm=PSM.AUTO)

    @cached_property
    def _osd(self):
        from tesserocr import PSM, PyTessBaseAPI

        if not Path(self.tessdata, "osd.traineddata").exists():
            return None
        return PyTessBaseAPI(path=self.tessdata, lang="osd", psm=PSM.OSD_ONLY)

    def _orientation(self, image) -> int:
        if self._osd is None:
            return 0
        h, w = image.shape
        self._osd.SetImageBytes(image.tobytes(), w, h, 1, w)
        try:
            found = self._osd.DetectOrientationScript()
        except RuntimeError:  # too little text to tell
            return 0
        if not found or found.get("orient_conf", 0) < MIN_OSD_CONFIDENCE:
            return 0
        return int(found["orient_deg"]) % 360

    def recognize_one(self, png: Path, dpi: int) -> OcrPage:
        import numpy as np
        from tesserocr import RIL, iterate_level

        image = load_gray(png)
        height, width = image.shape
        turn = self._orientation(image)
        k = turn // 90
        upright = np.ascontiguousarray(np.rot90(image, k)) if k else image
        h, w = upright.shape
        api = self._api
        api.SetImageBytes(upright.tobytes(), w, h, 1, w)
        api.SetSourceResolution(dpi)
        api.Recognize()
        scale = 72.0 / dpi

        def to_points(box) -> BBox:
            x0, y0, x1, y1 = unrotate_box(box, k, width, height)
            return BBox.of((x0 * scale, y0 * scale, x1 * scale, y1 * scale))

        lines: list[Line] = []
        block = -1
        current: list[tuple[str, BBox, float]] = []
        line_box = None

        def flush():
            if current and line_box is not None:
                words = [Word(text=t, bbox=b, confidence=c) for t, b, c in current]
                conf = sum(c for _, _, c in current) / len(current)
                lines.append(
                    Line(
                        text=" ".join(t for t, _, _ in current),
                        bbox=line_box,
                        confidence=round(conf, 3),
                        source="ocr:tesseract",
                        block=block,
                        font_size=round(min(line_box.height, line_box.width), 2),
                        words=words,
                    )
                )

        iterator = api.GetIterator()
        if iterator is not None:
            for it in iterate_level(iterator, RIL.WORD):
                if it.IsAtBeginningOf(RIL.BLOCK):
                    block += 1
                if it.IsAtBeginningOf(RIL.TEXTLINE):
                    flush()
                    current = []
                    line_box = to_points(it.BoundingBox(RIL.TEXTLINE))
                text = _word_text(it, RIL.WORD)
                box = it.BoundingBox(RIL.WORD)
                if text and box:
                    current.append((text, to_points(box), max(0.0, min(1.0, it.Confidence(RIL.WORD) / 100))))
            flush()
        api.Clear()
        return OcrPage(lines=lines, orientation=turn)
