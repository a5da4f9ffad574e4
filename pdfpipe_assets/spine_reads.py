"""The spine stage's OCR calls: whole pages, or parts of a page (the lines an OCR layer's vote
is still open on), each through the engine host like every engine call."""

from __future__ import annotations

import tempfile
from pathlib import Path

from .contracts import BBox, RenderManifest, SourceInfo, Word
from .contracts.geometry import union_all
from .engines.base import OcrPage, PageInput, image_of
from .engines.images import stack_crops
from .errors import DocumentError
from .fusion.spine import Reading
from .workspace import RENDERS, Workspace

PAD = 0.5  # a part is its line's box and this many line heights around it


def page_inputs(ws: Workspace, key: str, source: SourceInfo, renders: RenderManifest) -> list[PageInput]:
    """Every page of the document as an OCR engine takes it: the PDF and the page's render."""
    folder = ws.settings.stage_dir(key, RENDERS)
    return [
        PageInput(Path(source.path), n, folder / render.file, render.dpi)
        for n, render in enumerate(renders.pages, start=1)
    ]


def read_pages(ws: Workspace, stage: str, batch: list[PageInput]) -> dict[int, Reading]:
    """The ``stage`` engine's reading of each page of ``batch``."""
    if not batch:
        return {}
    recognized: list[OcrPage] = ws.host.call(stage, "recognize", batch, pages=len(batch), what="OCR")
    if len(recognized) != len(batch):
        raise DocumentError("engine_error", f"OCR returned {len(recognized)} pages for {len(batch)}")
    return {page.number: (r.lines, r.orientation) for page, r in zip(batch, recognized, strict=True)}


def _padded(box: BBox) -> BBox:
    pad = PAD * box.height
    return BBox.of((max(0.0, box.x0 - pad), max(0.0, box.y0 - pad), box.x1 + pad, box.y1 + pad))


def _merged(boxes: list[BBox]) -> list[BBox]:
    """Boxes that overlap made one, so that no word is read twice."""
    merged: list[BBox] = []
    for box in sorted(boxes, key=lambda b: b.y0):
        for i, m in enumerate(merged):
            if box.intersection(m) > 0:
                merged[i] = m.union(box)
                break
        else:
            merged.append(box)
    return merged if len(merged) == len(boxes) else _merged(merged)


def _pixels(box: BBox, scale: float) -> tuple[int, int, int, int]:
    return int(box.x0 * scale), int(box.y0 * scale), int(box.x1 * scale) + 1, int(box.y1 * scale) + 1


def _placed(word: Word, crops: list[tuple[int, int, int, int]], tops: list[int], gap: int, scale: float) -> Word | None:
    """The word read on a stack of crops, moved back to where its crop lies on the page."""
    middle = (word.bbox.y0 + word.bbox.y1) / 2 * scale
    for (x0, y0, _, y1), top in zip(crops, tops, strict=True):
        if top <= middle <= top + (y1 - y0):
            dx, dy = (x0 - gap) / scale, (y0 - top) / scale
            b = word.bbox
            return Word(
                text=word.text, bbox=BBox.of((b.x0 + dx, b.y0 + dy, b.x1 + dx, b.y1 + dy)), confidence=word.confidence
            )
    return None


def read_parts(ws: Workspace, stage: str, pages: list[PageInput], parts: dict[int, list[BBox]]) -> dict[int, Reading]:
    """The ``stage`` engine's reading of the given parts of each page (boxes in points), in page
    coordinates. A page's parts are cropped and stacked into one small image, read in one
    call: engines that scale a page to a minimum size would blow a lone line up to a poster."""
    parts = {n: boxes for n, boxes in parts.items() if boxes}
    if not parts:
        return {}
    with tempfile.TemporaryDirectory(prefix="pdfpipe-parts-") as tmp:
        batch, stacks = [], []
        for n, boxes in parts.items():
            page = pages[n - 1]
            scale = page.dpi / 72
            crops = [_pixels(b, scale) for b in _merged([_padded(b) for b in boxes])]
            gap = max(y1 - y0 for _, y0, _, y1 in crops)  # a blank line's height between crops
            stack = Path(tmp) / f"page-{n}.png"
            tops = stack_crops(image_of(page), crops, gap, stack)
            batch.append(PageInput(page.pdf, n, stack, page.dpi))
            stacks.append((n, crops, tops, gap, scale))
        recognized: list[OcrPage] = ws.host.call(stage, "recognize", batch, pages=len(batch), what="OCR of lines")
    if len(recognized) != len(batch):
        raise DocumentError("engine_error", f"OCR returned {len(recognized)} pages for {len(batch)}")
    found: dict[int, Reading] = {}
    for (n, crops, tops, gap, scale), read in zip(stacks, recognized, strict=True):
        lines = []
        for line in read.lines if not read.orientation else []:  # a stack read sideways is no reading
            words = [w for w in (_placed(w, crops, tops, gap, scale) for w in line.words) if w is not None]
            if words:
                text = " ".join(w.text for w in words)
                lines.append(
                    line.model_copy(update={"text": text, "bbox": union_all(w.bbox for w in words), "words": words})
                )
        found[n] = (lines, 0)
    return found
