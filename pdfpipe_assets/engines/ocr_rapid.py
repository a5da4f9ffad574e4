"""RapidOCR (PP-OCR weights inside the wheel): the OCR engine when Tesseract data is absent."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from ..contracts import BBox, Line, Word
from ..errors import EngineUnavailable
from . import checks
from .base import Engine, EngineOptions, OcrPage, PageInput, image_of
from .images import load_rgb


def _box(points, scale: float) -> BBox:
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return BBox.of((min(xs) * scale, min(ys) * scale, max(xs) * scale, max(ys) * scale))


class RapidOcrOptions(EngineOptions):
    kind: Literal["rapidocr"] = "rapidocr"
    hosting_fields = EngineOptions.hosting_fields | {"device", "device_id"}
    device: Literal["cpu", "cuda"] = Field("cpu", description="cuda: onnxruntime-gpu's CUDA provider")
    device_id: int | Literal["spread"] = Field(
        0, description="the GPU; spread: worker processes take the visible GPUs in turn (by process id)"
    )

    @model_validator(mode="after")
    def _cuda_is_never_forked(self) -> RapidOcrOptions:
        """A forked CUDA context is unusable: on CUDA the engine runs in a spawned worker."""
        if self.device == "cuda" and self.isolation == "fork":
            raise ValueError("rapidocr on cuda cannot run in a forked worker: use isolation: spawn")
        if self.device == "cuda" and self.isolation is None:
            self.isolation = "spawn"
        return self


class RapidOcr(Engine[RapidOcrOptions]):
    """RapidOCR's PP-OCR ONNX models (shipped in its wheel), one page at a time, on the CPU or,
    with onnxruntime-gpu installed, on CUDA."""

    Options = RapidOcrOptions
    pool = "ocr"
    requires = ("rapidocr", "onnxruntime")
    distribution = "rapidocr"
    extra = "rapidocr"

    def recognize(self, pages: list[PageInput]) -> list[OcrPage]:
        return [self.recognize_one(image_of(p), p.dpi) for p in pages]

    @cached_property
    def _engine(self):
        from rapidocr import RapidOCR

        if self.options.device == "cuda":
            import onnxruntime

            if "CUDAExecutionProvider" not in onnxruntime.get_available_providers():
                raise EngineUnavailable(
                    "rapidocr on cuda needs onnxruntime's CUDA provider: pip uninstall onnxruntime, "
                    "then pip install onnxruntime-gpu (or set device: cpu)"
                )

        threads = int(os.environ.get("PDFPIPE_ENGINE_THREADS", "1"))
        return RapidOCR(
            params={
                "Global.use_cls": False,
                "Global.log_level": "critical",
                "EngineConfig.onnxruntime.intra_op_num_threads": threads,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
                "EngineConfig.onnxruntime.use_cuda": self.options.device == "cuda",
                "EngineConfig.onnxruntime.cuda_ep_cfg.device_id": self._device_id(),
            }
        )

    def _device_id(self) -> int:
        if self.options.device_id != "spread":
            return self.options.device_id
        visible = os.environ.get("CUDA_VISIBLE_DEVICES")
        count = len(visible.split(",")) if visible else checks.gpu_count()
        return os.getpid() % max(1, count)

    def diagnose(self) -> list:
        if self.options.device != "cuda":
            return []
        import onnxruntime

        providers = onnxruntime.get_available_providers()
        cuda = "CUDAExecutionProvider" in providers
        hint = "" if cuda else ": pip uninstall onnxruntime, then pip install onnxruntime-gpu"
        return [checks.Check("cuda provider", cuda, ", ".join(providers) + hint), checks.gpu()]

    def recognize_one(self, png: Path, dpi: int) -> OcrPage:
        result = self._engine(load_rgb(png), return_word_box=True)
        scale = 72.0 / dpi
        lines: list[Line] = []
        if result.boxes is None:
            return OcrPage(lines=[], orientation=0)
        word_results = result.word_results or [()] * len(result.txts)
        for i, (points, text, score, wres) in enumerate(zip(result.boxes, result.txts, result.scores, word_results)):
            words = [Word(text=t, bbox=_box(p, scale), confidence=float(s)) for t, s, p in wres if t.strip()]
            box = _box(points, scale)
            if not words:
                words = [Word(text=text, bbox=box, confidence=float(score))]
            lines.append(
                Line(
                    text=text,
                    bbox=box,
                    confidence=round(float(score), 3),
                    source="ocr:rapidocr",
                    block=i,
                    font_size=round(box.height, 2),
                    words=words,
                )
            )
        return OcrPage(lines=lines, orientation=0)
