"""PyMuPDF adapters: source inspection, page rendering, text layer, layout regions and tables.

All boxes leave here in rotation-normalized page space (``page.remove_rotation()``
rewrites the page in memory so that MuPDF itself works on the page as displayed).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import get_args

from ..contracts import (
    BBox, Cell, LayoutOutput, Line, PageRender, Region, RenderManifest, SourceInfo, SourcePage, Table, Word,
)
from ..contracts.layout import RegionLabel, html_table, markdown_grid
from ..errors import DocumentError
from .base import EngineInfo, package_version
from .pymupdf_open import open_pdf, repair_warnings

INFO = EngineInfo("pymupdf", package_version("pymupdf"))
MIN_TEXT_CHARS = 10
MIN_VALID_SHARE = 0.85
BOLD_FLAG = 16


def text_quality(text: str) -> tuple[int, float]:
    """(non-space chars, share of them that are real characters, not U+FFFD/control/private)."""
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return 0, 0.0
    bad = sum(1 for c in chars if c == "\ufffd" or unicodedata.category(c) in ("Cc", "Co", "Cn"))
    return len(chars), 1 - bad / len(chars)


def usable_text(text: str) -> tuple[bool, str]:
    n, valid = text_quality(text)
    if n < MIN_TEXT_CHARS:
        return False, f"text layer has {n} characters"
    if valid < MIN_VALID_SHARE:
        return False, f"text layer is garbage: {valid:.0%} valid characters"
    return True, f"text layer: {n} characters, {valid:.0%} valid"


def active_content(doc) -> tuple[bool, int]:
    """(document-level JavaScript present, embedded file count): recorded, never run or extracted."""
    catalog = doc.pdf_catalog()
    names_js = doc.xref_get_key(catalog, "Names/JavaScript")[0] != "null"
    open_action = doc.xref_get_key(catalog, "OpenAction")
    action_js = "JavaScript" in open_action[1] or (
        open_action[0] == "xref" and "JavaScript" in doc.xref_object(int(open_action[1].split()[0]))
    )
    return names_js or action_js, doc.embfile_count()


class PyMuPDFSource:
    info = INFO

    def inspect(self, path: Path, key: str, sha256: str) -> SourceInfo:
        doc = open_pdf(path)
        try:
            warnings = repair_warnings() if doc.is_repaired else []
            pages = []
            for page in doc:
                text = page.get_text()
                n, _ = text_quality(text)
                pages.append(
                    SourcePage(
                        number=page.number + 1,
                        width=round(page.rect.width, 2),
                        height=round(page.rect.height, 2),
                        rotation=page.rotation,
                        has_text_layer=usable_text(text)[0],
                        text_chars=n,
                    )
                )
            meta = {k: str(v) for k, v in (doc.metadata or {}).items() if v}
            has_js, embedded = active_content(doc)
            return SourceInfo(
                key=key, path=str(path), sha256=sha256, size_bytes=path.stat().st_size,
                page_count=doc.page_count, pdf_version=meta.get("format"),
                encrypted=bool(doc.is_encrypted), repaired=bool(doc.is_repaired),
                repair_warnings=warnings, metadata=meta, has_javascript=has_js, embedded_files=embedded,
                pages=pages,
            )
        finally:
            doc.close()


class PyMuPDFRenderer:
    info = INFO

    def render(self, path: Path, out_dir: Path, dpi: int, max_pixels: int) -> RenderManifest:
        import pymupdf

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
                        number=page.number + 1, file=name, rotation=page.rotation, dpi=page_dpi,
                        width_px=pix.width, height_px=pix.height,
                        width_pt=round(w_pt, 2), height_pt=round(h_pt, 2),
                    )
                )
        finally:
            doc.close()
        return RenderManifest(dpi=dpi, pages=pages)


def _upright_pages(path: Path):
    """Yield each page after turning its /Rotate into content, so (0,0) is top-left as displayed."""
    doc = open_pdf(path)
    try:
        for page in doc:
            if page.rotation:
                page.remove_rotation()
            yield page
    finally:
        doc.close()


def _page_lines(page) -> list[Line]:
    import pymupdf

    flags = pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_MEDIABOX_CLIP
    tp = page.get_textpage(flags=flags)
    words: dict[tuple[int, int], list[Word]] = {}
    for x0, y0, x1, y1, text, b, ln, _ in tp.extractWORDS():
        words.setdefault((b, ln), []).append(Word(text=text, bbox=BBox.of((x0, y0, x1, y1)), confidence=1.0))
    lines = []
    for b_no, block in enumerate(tp.extractDICT()["blocks"]):
        if block.get("type") != 0:
            continue
        for l_no, line in enumerate(block["lines"]):
            spans = [s for s in line["spans"] if s["text"].strip()]
            line_words = words.get((b_no, l_no), [])
            if not spans or not line_words:
                continue
            size = max(s["size"] for s in spans)
            bold = all(s["flags"] & BOLD_FLAG or "bold" in s["font"].lower() for s in spans)
            lines.append(
                Line(
                    text=" ".join(w.text for w in line_words), bbox=BBox.of(line["bbox"]),
                    confidence=1.0, source="text_layer", block=b_no, font_size=round(size, 2),
                    bold=bool(bold), words=line_words,
                )
            )
    return lines


class PyMuPDFTextLayer:
    info = INFO

    def read(self, path: Path) -> list[list[Line]]:
        return [_page_lines(page) for page in _upright_pages(path)]


def _spans(table) -> list[tuple[int, int, int, int, tuple]]:
    """(row, col, row_span, col_span, bbox) for every real cell of a PyMuPDF table."""
    rows = table.rows
    out = []
    for r, row in enumerate(rows):
        for c, box in enumerate(row.cells):
            if box is None:
                continue
            col_span = 1
            while c + col_span < len(row.cells) and row.cells[c + col_span] is None:
                col_span += 1
            row_span = 1
            while (
                r + row_span < len(rows)
                and c < len(rows[r + row_span].cells)
                and rows[r + row_span].cells[c] is None
                and rows[r + row_span].bbox[1] < box[3] - 1
            ):
                row_span += 1
            out.append((r, c, row_span, col_span, box))
    return out


def _cell_text(words, box) -> str:
    """Words whose centre lies in the cell, in line order (Table.extract() mangles numbers)."""
    x0, y0, x1, y1 = box
    inside = [
        w for w in words
        if x0 <= (w[0] + w[2]) / 2 <= x1 and y0 <= (w[1] + w[3]) / 2 <= y1
    ]
    inside.sort(key=lambda w: (w[5], w[6], w[7]))
    lines: dict[tuple[int, int], list[str]] = {}
    for w in inside:
        lines.setdefault((w[5], w[6]), []).append(w[4])
    return "\n".join(" ".join(ws) for ws in lines.values())


LABELS = set(get_args(RegionLabel))
OcrWords = dict[int, list[tuple[str, tuple[float, float, float, float]]]]  # page -> (text, box)


def _overlay(page, words) -> None:
    """Write OCR words into a scanned page as invisible text, so the layout model (which reads
    text features as well as pixels) and the table finder see what the OCR saw."""
    for text, (x0, y0, x1, y1) in words:
        height = max(1.0, y1 - y0)
        page.insert_text((x0, y1 - 0.2 * height), text, fontsize=max(3.0, 0.8 * height), render_mode=3)


def _uncovered(items, tables: list[Table]) -> bool:
    """Some table region (or table) in ``items`` overlaps none of ``tables``."""
    return any(
        getattr(item, "label", "table") == "table" and not any(item.bbox.overlap_of(t.bbox) > 0.5 for t in tables)
        for item in items
    )


def _tables(page, found) -> list[Table]:
    words = page.get_text("words")
    tables = []
    for table in found:
        cells = [
            Cell(row=r, col=c, row_span=rs, col_span=cs, bbox=BBox.of(box), text=_cell_text(words, box))
            for r, c, rs, cs, box in _spans(table)
        ]
        if not cells:
            continue
        header_rows = 0 if table.header is None or table.header.external else 1
        tables.append(
            Table(
                page=page.number + 1, bbox=BBox.of(table.bbox), rows=table.row_count, cols=table.col_count,
                header_rows=header_rows, cells=cells,
                # Table.to_markdown() re-extracts every cell: 3 s for a 300-cell table
                markdown=markdown_grid(cells, table.row_count, table.col_count, header_rows),
                html=html_table(cells, header_rows),
            )
        )
    return tables


# Layout engine kinds: PyMuPDF's bundled model with both of its feature sets (text features
# and a CNN over the page image), or with text features only on pages with a text layer
# (2-4x faster on a CPU, a little less accurate).  Scanned pages always get both feature
# sets: on OCR words alone the text-only model calls a scanned page one picture.
FULL_FEATURES = "imf+rf"
LAYOUT_FEATURES = {"pymupdf": FULL_FEATURES, "pymupdf-text": "rf"}


@lru_cache(maxsize=None)
def _full_model():
    import pymupdf
    import pymupdf.layout  # noqa: F401  (importing it installs the full model as pymupdf._get_layout)

    return pymupdf._get_layout


@lru_cache(maxsize=None)
def _layout_model(features: str):
    """The model's predict function for a feature set, loaded once per process and kept for
    good: an onnxruntime session made in a parent and freed in a forked child deadlocks the
    child (its thread pool's condition variables), so no model may ever become garbage."""
    full = _full_model()
    if features == FULL_FEATURES:
        return full
    from pymupdf.layout import DocumentLayoutAnalyzer

    return DocumentLayoutAnalyzer.get_model(feature_set_name=features).predict


def use_layout_model(features: str) -> None:
    """Make ``page.get_layout()`` (and so ``find_tables``) use the model with ``features``."""
    import pymupdf

    pymupdf._get_layout = _layout_model(features)


class PyMuPDFLayout:
    """PyMuPDF's bundled layout model labels regions; its table finder, gated by the model's
    table regions, gives the cell structure.  Both run on the upright page."""

    def __init__(self, kind: str = "pymupdf"):
        self.kind = kind
        self.features = LAYOUT_FEATURES[kind]
        self.info = EngineInfo(kind, INFO.version)

    def analyze(self, path: Path, ocr_words: OcrWords | None = None) -> LayoutOutput:
        import numpy as np

        regions: list[Region] = []
        tables: list[Table] = []
        for page in _upright_pages(path):
            scanned = bool(ocr_words and ocr_words.get(page.number + 1))
            use_layout_model(FULL_FEATURES if scanned else self.features)
            if scanned:
                _overlay(page, ocr_words[page.number + 1])
            with np.errstate(divide="ignore", invalid="ignore"):  # PyMuPDF's layout features log(0)
                found = page.find_tables()  # runs page.get_layout() first and keeps its boxes
                page_tables = _tables(page, found.tables)
                page_regions = [
                    Region(page=page.number + 1, bbox=BBox.of(box[:4]), label=label if label in LABELS else "other")
                    for *box, label in page.layout_information or []
                ]
                if _uncovered(page_regions, page_tables):  # a borderless table: no ruling lines to find
                    page.layout_information = None  # the union finder needs the layout in its raw form
                    fused = page.find_tables(union=True)
                    page_tables += [t for t in _tables(page, fused.tables) if _uncovered([t], page_tables)]
            regions += page_regions
            tables += page_tables
        return LayoutOutput(engine=self.info.label, regions=regions, tables=tables)


def raise_if_unreadable(path: Path) -> None:
    """Cheap gate used by stages that do not otherwise open the file."""
    open_pdf(path).close()


__all__ = [
    "DocumentError", "PyMuPDFLayout", "PyMuPDFRenderer", "PyMuPDFSource", "PyMuPDFTextLayer",
    "raise_if_unreadable", "usable_text",
]
