"""Cross-stage consistency: every stage must see the same pages with the same geometry."""

from __future__ import annotations

from ..contracts import OcrSpine, RenderManifest, SourceInfo, SpineFrames
from ..contracts.spine import SpinePageFrame

TOLERANCE_PT = 0.5
TOLERANCE_PX = 2


def page_geometry_problems(source: SourceInfo, renders: RenderManifest, spine: OcrSpine | SpineFrames) -> list[str]:
    """Empty when page count, size and orientation agree across source, renders and spine."""
    problems = []
    counts = {"source_pdf": source.page_count, "page_renders": len(renders.pages), "ocr_spine": len(spine.pages)}
    if len(set(counts.values())) != 1:
        problems.append(f"page counts differ: {counts}")
    frames: list[SpinePageFrame] = [*spine.pages]
    for src, ren, spn in zip(source.pages, renders.pages, frames):
        n = src.number
        if abs(src.width - ren.width_pt) > TOLERANCE_PT or abs(src.height - ren.height_pt) > TOLERANCE_PT:
            problems.append(f"page {n}: source {src.width}x{src.height}pt, render {ren.width_pt}x{ren.height_pt}pt")
        if abs(src.width - spn.width) > TOLERANCE_PT or abs(src.height - spn.height) > TOLERANCE_PT:
            problems.append(f"page {n}: source {src.width}x{src.height}pt, spine {spn.width}x{spn.height}pt")
        expect_w, expect_h = ren.width_pt * ren.dpi / 72, ren.height_pt * ren.dpi / 72
        if abs(ren.width_px - expect_w) > TOLERANCE_PX or abs(ren.height_px - expect_h) > TOLERANCE_PX:
            problems.append(
                f"page {n}: rendered {ren.width_px}x{ren.height_px}px, expected "
                f"{expect_w:.0f}x{expect_h:.0f}px at {ren.dpi} dpi (portrait/landscape mix-up?)"
            )
        if len({src.rotation, ren.rotation, spn.rotation}) != 1:
            problems.append(f"page {n}: rotations differ: {src.rotation}/{ren.rotation}/{spn.rotation}")
    return problems
