"""``tables: {kind: pdfplumber}``: pdfplumber's table finder (MIT, pure Python), beside any layout
engine.  Its line strategy builds the grid from ruling lines and keeps tables that touch
apart; its coordinates are already in rotation-normalized page space, as ours are."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..contracts import BBox, Cell, Region, Table
from .base import Engine, EngineOptions, PageInput
from .pymupdf_tables import spans


class PdfplumberTablesOptions(EngineOptions):
    kind: Literal["pdfplumber"] = "pdfplumber"
    vertical_strategy: Literal["lines", "lines_strict", "text"] = "lines"
    horizontal_strategy: Literal["lines", "lines_strict", "text"] = "lines"
    header_rows: int = Field(1, description="rows taken as the header (pdfplumber detects none)")


def _cell_text(words: list[dict], box: tuple) -> str:
    """Words whose centre lies in the cell, line by line."""
    x0, top, x1, bottom = box
    inside = [w for w in words if x0 <= (w["x0"] + w["x1"]) / 2 <= x1 and top <= (w["top"] + w["bottom"]) / 2 <= bottom]
    lines: dict[int, list[str]] = {}
    for w in sorted(inside, key=lambda w: (round(w["top"]), w["x0"])):
        lines.setdefault(round(w["top"]), []).append(w["text"])
    return "\n".join(" ".join(ws) for ws in lines.values())


def _table(number: int, found, words: list[dict], header_rows: int) -> Table | None:
    cells = [
        Cell(row=r, col=c, row_span=rs, col_span=cs, bbox=BBox.of(box), text=_cell_text(words, box))
        for r, c, rs, cs, box in spans(found)
    ]
    if not cells:
        return None
    rows = len(found.rows)
    cols = max(len(row.cells) for row in found.rows)
    header = min(header_rows, rows - 1)
    return Table.of_cells(number, BBox.of(found.bbox), cells, rows, cols, header)


class PdfplumberTables(Engine[PdfplumberTablesOptions]):
    Options = PdfplumberTablesOptions
    requires = ("pdfplumber",)
    distribution = "pdfplumber"
    extra = "pdfplumber"

    def find(self, pages: list[PageInput], regions: list[list[Region]]) -> list[list[Table]]:
        import pdfplumber

        settings = {
            "vertical_strategy": self.options.vertical_strategy,
            "horizontal_strategy": self.options.horizontal_strategy,
        }
        out: list[list[Table]] = []
        opened: dict = {}
        try:
            for item in pages:
                pdf = opened.get(item.pdf) or opened.setdefault(item.pdf, pdfplumber.open(item.pdf))
                page = pdf.pages[item.number - 1]
                words = page.extract_words()
                found = [_table(item.number, t, words, self.options.header_rows) for t in page.find_tables(settings)]
                out.append([t for t in found if t is not None])
        finally:
            for pdf in opened.values():
                pdf.close()
        return out
