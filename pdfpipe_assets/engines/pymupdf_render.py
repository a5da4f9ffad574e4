"""PyMuPDF page renders."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from ..contracts import PageRender, RenderManifest
from .base import Engine, EngineOptions
from .pymupdf_open import open_pdf


class PyMuPDFRenderOptions(EngineOptions):
    kind: Literal["pymupdf"] = "pymupdf"
    dpi: int = 150
    max_pixels: int = Field(40_000_000, description="per page; larger pages are rendered at a lower dpi")


class PyMuPDFRenderer(Engine[PyMuPDFRenderOptions]):
    """One PNG per page, /Rotate applied; a page over ``max_pixels`` is rendered at a lower dpi."""

    Options = PyMuPDFRenderOptions
    requires = ("pymupdf",)
    distribution = "pymupdf"

    def render(self, path: Path, out_dir: Path) -> RenderManifest:
        import pymupdf

        dpi, max_pixels = self.options.dpi, self.options.max_pixels

        doc = open_pdf(path)
        pages = []
        try:
            for page in doc:
                w_pt, h_pt = page.rect.width, page.rect.height
                page_dpi = dpi
                pixels = (w_pt * dpi / 72) * (h_pt * dpi / 72)
                if pixels > max_pixels:  # pixel bomb: lower the resolution of this page only
                    page_dpi = max(1, int(dpi * (max_pixels / pixels) ** 0.5))
                pix = page.get_pixmap(dpi=page_dpi, colorspace=pymupdf.csRGB, alpha=False)
                name = f"page-{page.number + 1:04d}.png"
                pix.save(out_dir / name)
                pages.append(
                    PageRender(
                        number=page.number + 1,
                        file=name,
                        rotation=page.rotation,
                        dpi=page_dpi,
                        width_px=pix.width,
                        height_px=pix.height,
                        width_pt=round(w_pt, 2),
                        height_pt=round(h_pt, 2),
                    )
                )
        finally:
            doc.close()
        return RenderManifest(dpi=dpi, pages=pages)
