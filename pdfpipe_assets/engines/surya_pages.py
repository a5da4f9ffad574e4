"""``kind: surya``: Surya 2 (``surya-ocr``) reads each page image for the layout and tables
stages: blocks with a box, a label, a reading order and their text as HTML.

Surya 2 runs its model behind an OpenAI-compatible server (vLLM or llama.cpp); pdfpipe points
it at one already running (``inference_url`` becomes ``SURYA_INFERENCE_URL``, autostart off)
and at local weights, with the Hub off.  Surya reads its settings once, when it is first
imported, so they are set in the environment before that import, in a spawned worker; a
process that imported surya with other settings is refused rather than silently misused.
Written from surya-ocr 0.22's source (``RecognitionPredictor``, ``SuryaInferenceManager``).
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any, Literal

from pydantic import Field

from ..contracts import Region
from ..contracts.geometry import BBox
from ..contracts.layout import RegionLabel
from ..errors import EngineUnavailable
from . import checks
from .base import Engine, EngineOptions, PageInput, PageReading, image_of
from .images import unrotate_box
from .vlm_markdown import grid_table, html_grid, parse_answer

LABELS: dict[str, RegionLabel] = {
    "text": "text",
    "title": "title",
    "sectionheader": "section-header",
    "listitem": "list-item",
    "caption": "caption",
    "footnote": "footnote",
    "formula": "formula",
    "equation": "formula",
    "table": "table",
    "picture": "picture",
    "figure": "picture",
    "image": "picture",
    "pageheader": "page-header",
    "pagefooter": "page-footer",
    "code": "code",
}


class SuryaOptions(EngineOptions):
    kind: Literal["surya"] = "surya"
    hosting_fields = EngineOptions.hosting_fields | {"inference_url", "model_cache_dir", "torch_device"}
    inference_url: str = Field("http://localhost:8001/v1", description="the running server of Surya's model")
    checkpoint: str = Field("datalab-to/surya-ocr-2", description="the model the server must serve")
    model_cache_dir: str | None = Field(None, description="local weights of surya's other models")
    torch_device: str | None = Field(None, description="cuda, cpu ...; default: surya's choice")

    def environment(self) -> dict[str, str]:
        """Surya's settings as the environment it reads at import."""
        env = {
            "SURYA_INFERENCE_URL": self.inference_url,
            "SURYA_INFERENCE_AUTOSTART": "false",
            "SURYA_MODEL_CHECKPOINT": self.checkpoint,
            "HF_HUB_OFFLINE": "1",
        }
        if self.model_cache_dir:
            env["MODEL_CACHE_DIR"] = self.model_cache_dir
        if self.torch_device:
            env["TORCH_DEVICE"] = self.torch_device
        return env


class SuryaPages(Engine[SuryaOptions]):
    Options = SuryaOptions
    pool = "gpu"
    isolation = "spawn"  # settings before the first import; torch
    requires = ("surya",)
    distribution = "surya-ocr"
    extra = "surya"
    adapter_version = "1"

    def __init__(self, options: SuryaOptions):
        super().__init__(options)
        self._predictor: Any = None

    def diagnose(self) -> list:
        found = [checks.server(self.options.inference_url, "/models", expect=self.options.checkpoint)]
        return found + ([checks.folder(self.options.model_cache_dir)] if self.options.model_cache_dir else [])

    def predictor(self):
        if self._predictor is None:
            env = self.options.environment()
            if "surya.settings" in sys.modules:
                loaded = sys.modules["surya.settings"].settings
                if getattr(loaded, "SURYA_INFERENCE_URL", None) != env["SURYA_INFERENCE_URL"]:
                    raise EngineUnavailable(
                        "surya was imported in this process before pdfpipe set its settings (it reads them at "
                        "import): run the engine with isolation: spawn"
                    )
            os.environ.update(env)
            from surya.inference import SuryaInferenceManager
            from surya.recognition import RecognitionPredictor

            self._predictor = RecognitionPredictor(SuryaInferenceManager())
        return self._predictor

    def read_pages(self, pages: list[PageInput]) -> list[PageReading]:
        from PIL import Image

        images = [Image.open(image_of(p)).convert("RGB") for p in pages]
        results = self.predictor()(images)
        return [surya_reading(p, r) for p, r in zip(pages, results, strict=True)]

    def detect(self, pages: list[PageInput]):
        return [r.regions for r in self.read_pages(pages)]

    def find(self, pages: list[PageInput], regions):
        return [r.tables for r in self.read_pages(pages)]


def _label(raw: str) -> RegionLabel:
    return LABELS.get(re.sub(r"[^a-z]", "", str(raw).lower()), "text")


def surya_reading(page: PageInput, result: Any) -> PageReading:
    """A Surya page result (blocks in pixels of the upright image, text as HTML) in page points."""
    scale = 72.0 / page.dpi
    reading = PageReading([], [])
    blocks = [b for b in result.blocks if not getattr(b, "skipped", False)]
    width_px, height_px = (round(v / scale) for v in page.size or (0.0, 0.0))
    for order, block in enumerate(sorted(blocks, key=lambda b: getattr(b, "reading_order", 0) or 0)):
        x0, y0, x1, y1 = unrotate_box(block.bbox, page.turned // 90, width_px, height_px)  # the render's pixels
        bbox = BBox.of((x0 * scale, y0 * scale, x1 * scale, y1 * scale))
        label, html = _label(block.label), block.html or ""
        if label == "table":
            grid = html_grid(html)
            if grid.cells:
                reading.tables.append(grid_table(grid, page.number, bbox))
            text = html
        else:
            text = " ".join(b.text for b in parse_answer(html).blocks) if "<" in html else html
        reading.regions.append(Region(page=page.number, bbox=bbox, label=label, text=text, order=order))
    return reading
