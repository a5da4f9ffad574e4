"""A page with its fused blocks drawn on it: a box per block coloured by kind, its number in
reading order, and each table's cell grid.  How anyone checks layout and reading order at a
glance (`pdfpipe show KEY --overlay PAGE`)."""

from __future__ import annotations

from pathlib import Path

from .contracts import FusedDocument

DPI = 110
COLOURS = {  # RGB 0..1, by block kind
    "title": (0.80, 0.10, 0.10),
    "author": (0.85, 0.40, 0.00),
    "affiliation": (0.85, 0.55, 0.20),
    "abstract": (0.55, 0.25, 0.65),
    "section_header": (0.85, 0.20, 0.55),
    "text": (0.10, 0.35, 0.85),
    "list_item": (0.10, 0.55, 0.75),
    "caption": (0.20, 0.60, 0.20),
    "footnote": (0.45, 0.45, 0.45),
    "formula": (0.60, 0.40, 0.10),
    "code": (0.30, 0.30, 0.30),
    "picture": (0.00, 0.60, 0.50),
    "table": (0.10, 0.65, 0.10),
    "reference": (0.50, 0.35, 0.20),
    "page_header": (0.65, 0.65, 0.65),
    "page_footer": (0.65, 0.65, 0.65),
}


def draw_overlay(pdf: Path, doc: FusedDocument, page_number: int, out: Path) -> Path:
    """Write ``out`` (PNG): page ``page_number`` of ``pdf``, upright, with the blocks of ``doc``."""
    import pymupdf

    if not 1 <= page_number <= len(doc.pages):
        raise ValueError(f"page {page_number} is not in the document (1..{len(doc.pages)})")
    src = pymupdf.open(pdf)
    try:
        page = src[page_number - 1]
        if page.rotation:
            page.remove_rotation()  # fused boxes are in rotation-normalized page space
        for order, block in enumerate(b for b in doc.blocks if b.page == page_number):
            colour = COLOURS.get(block.kind, (0.0, 0.0, 0.0))
            rect = pymupdf.Rect(block.bbox.x0, block.bbox.y0, block.bbox.x1, block.bbox.y1)
            dashes = "[2] 0" if block.furniture else None
            page.draw_rect(rect, color=colour, width=1.2, dashes=dashes, overlay=True)
            label = f"{order + 1} {block.kind}"
            at = pymupdf.Point(rect.x0 + 1, max(7.0, rect.y0 - 1.5))
            page.insert_text(at, label, fontsize=6.5, color=colour, overlay=True)
        for table in (t for t in doc.tables if t.page == page_number):
            for cell in table.cells:
                box = pymupdf.Rect(cell.bbox.x0, cell.bbox.y0, cell.bbox.x1, cell.bbox.y1)
                page.draw_rect(box, color=COLOURS["table"], width=0.4, overlay=True)
        out.parent.mkdir(parents=True, exist_ok=True)
        page.get_pixmap(dpi=DPI).save(out)
    finally:
        src.close()
    return out
