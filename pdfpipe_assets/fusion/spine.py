"""Per page, choose the text layer or OCR, and say why."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..contracts import BBox, Line, SourceInfo, SourcePage, SpinePage
from .clean_text import accent_side, clean_line_text
from .ocr_layer import checked_layer, disputed, is_ocr_layer
from .text_quality import usable_text

Reading = tuple[list[Line], int]  # an OCR engine's lines for a page, and the orientation it read it in

SPARSE_CHARS = 200  # fewer characters than a short paragraph: a cover, a slide, a poster
IMAGE_SHARE = 0.1  # ... with images over a tenth of the page or more
OVERLAP = 0.3  # an OCR line this much inside a text-layer line is that line, read twice


def needs_ocr(text_lines: list[Line]) -> tuple[bool, str]:
    ok, why = usable_text(" ".join(line.text for line in text_lines))
    return (not ok), why


def text_in_images(page: SourcePage) -> bool:
    """A page with a usable text layer but little text, drawn mostly with images: its images
    carry text of their own (a cover's title, a slide's logo), so it is OCR'd as well."""
    return page.text_chars < SPARSE_CHARS and page.image_share >= IMAGE_SHARE


def covered(line: Line, by: list[Line]) -> float:
    """The share of ``line``'s box that the ``by`` lines cover, all of them together: an OCR line
    over a row of handwritten words is covered by the words, though by none alone."""
    area = line.bbox.area
    return min(1.0, sum(line.bbox.intersection(t.bbox) for t in by) / area) if area > 0 else 1.0


def with_image_text(page: SpinePage, ocr_lines: list[Line], orientation: int) -> SpinePage:
    """The text-layer page plus the OCR lines that no text-layer line covers (upright OCR
    only: a sideways reading of a few words is not to be trusted over the layer's geometry)."""
    if orientation:
        return page.model_copy(update={"reason": f"{page.reason}; OCR of its images read it sideways: not used"})
    new = [o for o in ocr_lines if covered(o, page.lines) < OVERLAP]
    base = max((ln.block for ln in page.lines), default=-1) + 1
    new = [ln.model_copy(update={"block": base + ln.block}) for ln in new]
    reason = f"{page.reason}; sparse text over images: OCR added {len(new)} lines"
    return page.model_copy(update={"lines": [*page.lines, *new], "reason": reason})


def _cleaned(line: Line, side: str) -> Line:
    """The line with its text and words cleaned; the same object when cleaning changes nothing
    (most lines: no copy on the text layer's hot path)."""
    text = clean_line_text(line.text, side)
    if text == line.text:  # words are pieces of the line: a clean line has clean words
        return line
    words = [w.model_copy(update={"text": clean_line_text(w.text, side)}) for w in line.words]
    return line.model_copy(update={"text": text, "words": words})


def text_page(source: SourceInfo, number: int, lines: list[Line], why: str) -> SpinePage:
    """A page read from its text layer, each line's text cleaned (``clean_text``)."""
    page = source.pages[number - 1]
    side = accent_side(line.text for line in lines)
    return SpinePage(
        number=number,
        width=page.width,
        height=page.height,
        rotation=page.rotation,
        source="text_layer",
        reason=why,
        lines=[_cleaned(line, side) for line in lines],
    )


def ocr_page(source: SourceInfo, number: int, lines: list[Line], why: str, orientation: int) -> SpinePage:
    page = source.pages[number - 1]
    return SpinePage(
        number=number,
        width=page.width,
        height=page.height,
        rotation=page.rotation,
        source="ocr" if lines else "empty",
        reason=f"{why}; OCR found {len(lines)} lines",
        ocr_orientation=orientation,
        lines=lines,
    )


@dataclass
class SpinePlan:
    """What each page is read from: its text layer, OCR, or both."""

    why: list[str]  # per page, what the text layer's quality check found
    ocr: set[int]  # pages read by OCR instead of their text layer
    imaged: set[int]  # text-layer pages whose images are OCR'd as well (``text_in_images``)
    layered: set[int]  # OCR-layer pages checked by two engines (``ocr_layer``)

    def reads(self) -> dict[str, list[int]]:
        """The pages each OCR stage reads whole. An OCR layer's second reading is of the lines
        the first left in dispute (``disputed_lines``), unless its images are read anyway."""
        return {"ocr": sorted(self.ocr | self.layered), "image_text": sorted(self.imaged)}


def plan(source: SourceInfo, text_pages: list[list[Line]], vote: bool) -> SpinePlan:
    """Which pages need OCR, which images carry text, and which OCR layers are put to the vote."""
    choices = [needs_ocr(lines) for lines in text_pages]
    layer_pages = [(page, needed) for page, (needed, _) in zip(source.pages, choices, strict=True)]
    return SpinePlan(
        why=[why for _, why in choices],
        ocr={p.number for p, needed in layer_pages if needed},
        imaged={p.number for p, needed in layer_pages if not needed and text_in_images(p)},
        layered={
            p.number
            for p, needed in layer_pages
            if vote and not needed and is_ocr_layer(p.text_chars, p.hidden_chars, p.image_share)
        },
    )


def layer_pages(source: SourceInfo, text_pages: list[list[Line]], plan: SpinePlan) -> dict[int, SpinePage]:
    """Each page read from its text layer (all but the pages OCR'd instead), cleaned once."""
    return {
        n: text_page(source, n, lines, plan.why[n - 1])
        for n, lines in enumerate(text_pages, start=1)
        if n not in plan.ocr
    }


def disputed_lines(
    layers: Mapping[int, SpinePage], plan: SpinePlan, readings: Mapping[tuple[str, int], Reading]
) -> dict[int, list[BBox]]:
    """Per OCR-layer page that the image_text engine does not read whole, the boxes of the lines
    where the ocr engine's upright reading disputes a word of the layer."""
    found = {}
    for number in sorted(plan.layered - plan.imaged):
        lines, turned = readings["ocr", number]
        if not turned:
            found[number] = disputed(layers[number], lines)
    return found


def spine_page(
    source: SourceInfo,
    number: int,
    plan: SpinePlan,
    layers: Mapping[int, SpinePage],
    readings: Mapping[tuple[str, int], Reading],
) -> SpinePage:
    """One page of the spine, from its text layer (``layer_pages``) and the OCR ``plan`` asked for."""
    if number in plan.ocr:
        ocr_lines, orientation = readings["ocr", number]
        return ocr_page(source, number, ocr_lines, plan.why[number - 1], orientation)
    page = layers[number]
    if number in plan.layered:
        both = [readings[s, number] for s in ("ocr", "image_text") if (s, number) in readings]
        upright = [read for read, turned in both if not turned]
        page = checked_layer(page, upright)
    if number in plan.imaged:
        page = with_image_text(page, *readings["image_text", number])
    return page
