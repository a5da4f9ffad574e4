"""``kind: vlm``: a vision-language model behind an OpenAI-compatible endpoint reads each page.

It serves the layout and tables stages in one pass (``read_pages``): the model's blocks become
regions that carry the model's own text and reading order, placed on the page by aligning
their words to the spine (``vlm_alignment``); its tables become grids.  A document's pages are
sent ``concurrency`` at a time, so the server can batch them; the ``gpu`` pool (or one named by
the profile) bounds how many documents are in flight.  A page that fails is recorded as that
page's failure and the document goes on with the spine's text for it; only when every page
failed for a transient reason (the server is down) does the document fail, to be resumed.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Literal

from pydantic import Field, field_validator

from ..contracts import PageFailure, Region, Table
from ..contracts.geometry import BBox
from ..errors import DocumentError
from . import checks
from .base import Engine, EngineOptions, PageInput, PageReading, image_of
from .vlm_alignment import MIN_SHARE, align_blocks
from .vlm_client import ChatClient, PageError
from .vlm_markdown import PageBlock, grid_table, parse_answer
from .vlm_prompts import Preset, prompt_for


class VlmOptions(EngineOptions):
    kind: Literal["vlm"] = "vlm"
    hosting_fields = EngineOptions.hosting_fields | {
        "base_url",
        "timeout_s",
        "tries",
        "backoff_s",
        "concurrency",
        "api_key_env",
    }
    base_url: str = Field("http://localhost:8000/v1", description="the OpenAI-compatible API root")
    model: str = Field("allenai/olmOCR-2-7B-1025-FP8", description="the model name the server serves")
    preset: Preset = Field("olmocr", description="prompt and answer format of the model family")
    prompt: str | None = Field(None, description="replaces the preset's instruction")
    max_tokens: int = 4096
    temperature: float = 0.0
    timeout_s: float = Field(300.0, description="per request")
    tries: int = Field(4, description="attempts per page for a transient failure (429, 5xx, no connection)")
    backoff_s: float = Field(2.0, description="first wait between attempts; doubles, +-50% jitter")
    concurrency: int = Field(8, ge=1, description="pages of one document in flight at once")
    api_key_env: str | None = Field(None, description="environment variable holding a bearer token, if any")
    fallback: str | None = Field(
        "pymupdf", description="layout engine kind (its default options) for the pages the model could not read"
    )
    min_aligned_share: float = Field(MIN_SHARE, description="share of a block's words found on the page to place it")

    @field_validator("fallback")
    @classmethod
    def _known_layout(cls, kind: str | None) -> str | None:
        from .registry import known_kinds

        if kind is not None and (kind not in known_kinds("layout") or kind == "vlm"):
            raise ValueError(f"fallback {kind!r} is not another layout kind: {', '.join(known_kinds('layout'))}")
        return kind


class VlmPages(Engine[VlmOptions]):
    Options = VlmOptions
    pool = "gpu"
    isolation = "none"  # an HTTP client: the model runs in the server's process
    requires = ("requests",)  # a core dependency: no extra to install
    adapter_version = "1"

    def __init__(self, options: VlmOptions):
        super().__init__(options)
        o = options
        self.client = ChatClient(
            o.base_url, o.model, o.max_tokens, o.temperature, o.timeout_s, o.tries, o.backoff_s, o.api_key_env
        )
        self.prompt = prompt_for(o.preset, o.prompt)

    def diagnose(self) -> list:
        return [checks.server(self.options.base_url, "/models", expect=self.options.model)]

    def _read(self, page: PageInput) -> PageReading:
        try:
            answer = self.client.read_page(self.prompt, image_of(page))
        except PageError as err:
            return PageReading([], [], PageFailure(page=page.number, error=err.error, message=err.message))
        return reading_of(page, parse_answer(answer).blocks, self.options.min_aligned_share)

    def read_pages(self, pages: list[PageInput]) -> list[PageReading]:
        with ThreadPoolExecutor(max_workers=min(self.options.concurrency, max(1, len(pages)))) as pool:
            readings = list(pool.map(self._read, pages))
        failures = [r.failure for r in readings if r.failure]
        if pages and len(failures) == len(pages) and all(f.error == "transient" for f in failures):
            raise DocumentError("transient", f"no page could be read: {failures[0].message}")
        return readings

    def detect(self, pages: list[PageInput]) -> list[list[Region]]:
        return [r.regions for r in self.read_pages(pages)]

    def find(self, pages: list[PageInput], regions: list[list[Region]]) -> list[list[Table]]:
        return [r.tables for r in self.read_pages(pages)]


def reading_of(page: PageInput, blocks: list[PageBlock], min_share: float = MIN_SHARE) -> PageReading:
    """Regions (the model's text, label and order, boxes from the spine) and tables of one page."""
    width, height = page.size or (0.0, 0.0)
    whole = BBox.of((0, 0, width, height))
    boxes = align_blocks(blocks, page.lines or [], min_share)
    regions, tables = [], []
    for order, (block, box) in enumerate(zip(blocks, boxes, strict=True)):
        bbox = box or whole
        regions.append(
            Region(
                page=page.number, bbox=bbox, label=block.label, text=block.text, order=order, aligned=box is not None
            )
        )
        if block.grid is not None and block.grid.cells:
            tables.append(grid_table(block.grid, page.number, bbox))
    return PageReading(regions, tables)
