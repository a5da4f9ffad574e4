"""``kind: mineru``: a client of MinerU's ``mineru-api`` (or ``mineru-router`` in front of
several) for the layout and tables stages.

The whole PDF goes to ``POST /file_parse`` with ``return_content_list``; MinerU's content
list (written from MinerU 3.4's ``make_blocks_to_content_list``: a flat list of blocks with
``type``, ``page_idx`` and a ``bbox`` scaled to 0-1000 of the page) becomes regions with
MinerU's text, label and order, and tables from their HTML.  The server runs in its own
environment (its torch pins are its own), so this side needs only ``requests``.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import Field

from ..contracts import Region
from ..contracts.geometry import BBox
from ..contracts.layout import RegionLabel
from ..errors import DocumentError
from . import checks
from .base import Engine, EngineOptions, PageInput, PageReading
from .retry import retryable, with_retries
from .vlm_markdown import grid_table, html_grid

SCALE = 1000.0  # MinerU's content-list boxes: thousandths of the page's width and height
LABELS: dict[str, RegionLabel] = {
    "text": "text",
    "aside_text": "text",
    "ref_text": "text",
    "list": "list-item",
    "equation": "formula",
    "table": "table",
    "image": "picture",
    "chart": "picture",
    "code": "code",
    "header": "page-header",
    "footer": "page-footer",
    "page_number": "page-footer",
    "page_footnote": "footnote",
}


class MinerUOptions(EngineOptions):
    kind: Literal["mineru"] = "mineru"
    hosting_fields = EngineOptions.hosting_fields | {"url", "timeout_s", "tries", "backoff_s"}
    url: str = Field("http://localhost:8000", description="mineru-api or mineru-router, without a path")
    backend: Literal["pipeline", "vlm-engine", "hybrid-engine", "vlm-http-client", "hybrid-http-client"] = "pipeline"
    parse_method: Literal["auto", "txt", "ocr"] = "auto"
    lang: str = Field("en", description="MinerU's OCR language")
    formula_enable: bool = True
    table_enable: bool = True
    timeout_s: float = Field(900.0, description="per document: /file_parse answers when the parse is done")
    tries: int = Field(4, description="attempts per document for a transient failure (429, 5xx, no connection)")
    backoff_s: float = 2.0


class MinerUPages(Engine[MinerUOptions]):
    Options = MinerUOptions
    pool = "gpu"
    isolation = "none"  # an HTTP client: MinerU's models run in the server
    requires = ("requests",)
    adapter_version = "1"

    def diagnose(self) -> list:
        return [checks.server(self.options.url, "/health", expect="healthy")]

    def content_list(self, pdf) -> list[dict]:
        """MinerU's content list of the whole PDF, transient failures retried."""
        return with_retries(lambda: self._post(pdf), self.options.tries, self.options.backoff_s, retryable)

    def _post(self, pdf) -> list[dict]:
        import requests

        o = self.options
        form = {
            "backend": o.backend,
            "parse_method": o.parse_method,
            "lang_list": o.lang,
            "formula_enable": str(o.formula_enable).lower(),
            "table_enable": str(o.table_enable).lower(),
            "return_content_list": "true",
            "return_md": "false",
        }
        url = f"{o.url.rstrip('/')}/file_parse"
        try:
            with open(pdf, "rb") as f:
                reply = requests.post(
                    url, data=form, files={"files": (pdf.name, f, "application/pdf")}, timeout=o.timeout_s
                )
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise DocumentError("transient", f"{url}: {type(exc).__name__}: {exc}") from exc
        if reply.status_code in (429, 502, 503, 504):
            raise DocumentError("transient", f"{url} answered {reply.status_code}")
        if reply.status_code != 200:
            raise DocumentError("engine_error", f"{url} answered {reply.status_code}: {reply.text[:300]}")
        results = reply.json().get("results") or {}
        if len(results) != 1:
            raise DocumentError("engine_error", f"{url}: expected one result, got {len(results)}")
        (result,) = results.values()
        return json.loads(result.get("content_list") or "[]")

    def read_pages(self, pages: list[PageInput]) -> list[PageReading]:
        if not pages:
            return []
        sizes = {p.number: p.size or (0.0, 0.0) for p in pages}
        return mineru_readings(self.content_list(pages[0].pdf), sizes)

    def detect(self, pages: list[PageInput]):
        return [r.regions for r in self.read_pages(pages)]

    def find(self, pages: list[PageInput], regions):
        return [r.tables for r in self.read_pages(pages)]


def _box(item: dict[str, Any], size: tuple[float, float]) -> BBox | None:
    box = item.get("bbox")
    if not box or len(box) != 4:
        return None
    w, h = size
    return BBox.of((box[0] * w / SCALE, box[1] * h / SCALE, box[2] * w / SCALE, box[3] * h / SCALE))


def mineru_readings(items: list[dict[str, Any]], sizes: dict[int, tuple[float, float]]) -> list[PageReading]:
    """One reading per page in ``sizes`` (number -> (width, height) in points) from a content list."""
    readings = {n: PageReading([], []) for n in sizes}

    def add(page: int, bbox: BBox | None, label: RegionLabel, text: str) -> None:
        whole = BBox.of((0, 0, *sizes[page]))
        order = len(readings[page].regions)
        readings[page].regions.append(
            Region(page=page, bbox=bbox or whole, label=label, text=text, order=order, aligned=bbox is not None)
        )

    for item in items:
        page = int(item.get("page_idx", -1)) + 1
        kind = item.get("type", "")
        if page not in readings or kind not in LABELS:
            continue
        bbox = _box(item, sizes[page])
        if kind == "text" and item.get("text_level"):
            add(page, bbox, "section-header", item.get("text", ""))
        elif kind == "list":
            for entry in item.get("list_items") or []:
                add(page, bbox, "list-item", entry)
        elif kind == "table":
            html = item.get("table_body") or ""
            grid = html_grid(html)
            if grid.cells:
                readings[page].tables.append(grid_table(grid, page, bbox or BBox.of((0, 0, *sizes[page]))))
            add(page, bbox, "table", html)
        elif kind in ("image", "chart"):
            add(page, bbox, "picture", "")
        elif kind == "code":
            add(page, bbox, "code", item.get("code_body", ""))
        else:
            add(page, bbox, LABELS[kind], item.get("text", ""))
        captions = (
            (item.get("table_caption") or []) + (item.get("image_caption") or []) + (item.get("chart_caption") or [])
        )
        for caption in captions:
            add(page, None, "caption", caption)  # the content list gives a caption no box of its own
    return [readings[n] for n in sizes]
