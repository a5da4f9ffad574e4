"""PyMuPDF page renders."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from ..contracts import PageRender, RenderManifest
from .base import Engine, EngineOptions
from .pymupdf_open import open_pdf

MAX_UPSCALE = 4  # a stamp-sized page is not rendered at 40 times the pixels of its size


class PyMuPDFRenderOptions(EngineOptions):
    kind: Literal["pymupdf"] = "pymupdf"
    dpi: int = 150
    max_pixels: int = Field(40_000_000, description="per page; larger pages are rendered at a lower dpi")
    min_page_area: float = Field(
        612 * 792,
        description="square points (US Letter); a smaller page gets the pixels a page of this area gets "
        "at `dpi`, at most 4 times `dpi`, so that its letters keep the pixels OCR needs (0: off)",
    )


def page_dpi(width_pt: float, height_pt: float, options: PyMuPDFRenderOptions) -> int:
    """``dpi``, lowered for a page over ``max_pixels`` (a pixel bomb) and raised for one smaller
    than ``min_page_area``: a pocket-book scan or a receipt sets its text in a few points, and at
    the dpi of a Letter page its letters are too few pixels high to read."""
    dpi = options.dpi
    area = width_pt * height_pt
    pixels = area * (dpi / 72) ** 2
    if pixels > options.max_pixels:
        return max(1, int(dpi * (options.max_pixels / pixels) ** 0.5))
    if 0 < area < options.min_page_area:
        scale = min(MAX_UPSCALE, (options.min_page_area / area) ** 0.5)
        return min(int(dpi * scale), int(dpi * (options.max_pixels / pixels) ** 0.5))
    return dpi


class PyMuPDFRenderer(Engine[PyMuPDFRenderOptions]):
    """One PNG per page, /Rotate applied, at ``dpi`` save for very large and small pages
    (:func:`page_dpi`)."""

    Options = PyMuPDFRenderOptions
    requires = ("pymupdf",)
    distribution = "pymupdf"

    def render(self, path: Path, out_dir: Path) -> RenderManifest:
        import pymupdf

        doc = open_pdf(path)
        pages = []
        try:
            for page in doc:
                w_pt, h_pt = page.rect.width, page.rect.height
                dpi = page_dpi(w_pt, h_pt, self.options)
                pix = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csRGB, alpha=False)
                name = f"page-{page.number + 1:04d}.png"
                pix.save(out_dir / name)
                pages.append(
                    PageRender(
                        number=page.number + 1,
                        file=name,
                        rotation=page.rotation,
                        dpi=dpi,
                        width_px=pix.width,
                        height_px=pix.height,
                        width_pt=round(w_pt, 2),
                        height_pt=round(h_pt, 2),
                    )
                )
        finally:
            doc.close()
        return RenderManifest(dpi=self.options.dpi, pages=pages)
