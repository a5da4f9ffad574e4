"""Output of the ``layout_tables`` stage: labelled layout regions and tables."""

from __future__ import annotations

from html import escape
from typing import Literal

from pydantic import BaseModel, Field

from .geometry import BBox


class Cell(BaseModel):
    row: int
    col: int
    row_span: int = 1
    col_span: int = 1
    bbox: BBox
    text: str


class Table(BaseModel):
    page: int
    bbox: BBox
    rows: int
    cols: int
    header_rows: int = 0
    cells: list[Cell]
    markdown: str = Field("", description="the table as GitHub Markdown")
    html: str = Field("", description="the table as HTML, spans as rowspan/colspan, header rows as <th>")

    @classmethod
    def of_cells(cls, page: int, bbox: BBox, cells: list[Cell], rows: int, cols: int, header_rows: int = 0) -> Table:
        """A table of ``cells`` with its Markdown and HTML made from them."""
        return cls(
            page=page,
            bbox=bbox,
            rows=rows,
            cols=cols,
            header_rows=header_rows,
            cells=cells,
            markdown=markdown_grid(cells, rows, cols, header_rows),
            html=html_table(cells, header_rows),
        )


RegionLabel = Literal[
    "title",
    "section-header",
    "text",
    "list-item",
    "caption",
    "footnote",
    "formula",
    "table",
    "picture",
    "page-header",
    "page-footer",
    "code",
    "other",
]
FURNITURE = ("page-header", "page-footer")


class Region(BaseModel):
    """One box of the layout model: what it is and where (reading order is the fusion's job).

    A page engine that reads the text itself (a VLM) also gives the region's ``text`` and its
    reading ``order`` on the page; fusion then keeps that text and that order."""

    page: int
    bbox: BBox
    label: RegionLabel
    text: str | None = Field(None, description="the engine's own text for the region (a VLM's), if it read one")
    order: int | None = Field(None, description="the engine's reading order on the page, if it gives one")
    aligned: bool = Field(True, description="False: the text was not found on the page; bbox is the whole page")


class PageFailure(BaseModel):
    """A page the engine could not read; the document goes on without that engine's output for it."""

    page: int
    error: str = Field(description="a failure class: transient, empty, engine_error")
    message: str


class LayoutOutput(BaseModel):
    engine: str
    regions: list[Region] = Field(default_factory=list)
    tables: list[Table]
    page_failures: list[PageFailure] = Field(default_factory=list)


def markdown_grid(cells: list[Cell], rows: int, cols: int, header_rows: int = 1) -> str:
    """GitHub Markdown of a cell grid; a spanning cell's text sits in its first slot."""
    grid = [["" for _ in range(cols)] for _ in range(rows)]
    for cell in cells:
        if cell.row < rows and cell.col < cols:
            grid[cell.row][cell.col] = cell.text.replace("\n", "<br>").replace("|", "\\|")
    lines = ["|" + "|".join(row) + "|" for row in grid]
    lines.insert(max(1, header_rows), "|" + "|".join("---" for _ in range(cols)) + "|")
    return "\n".join(lines)


def html_table(cells: list[Cell], header_rows: int = 0) -> str:
    """HTML of a cell grid: one ``<tr>`` per row, spans kept, header rows as ``<th>``."""
    rows: dict[int, list[Cell]] = {}
    for cell in sorted(cells, key=lambda c: (c.row, c.col)):
        rows.setdefault(cell.row, []).append(cell)
    out = ["<table>"]
    for r in range(max(rows, default=-1) + 1):
        tag = "th" if r < header_rows else "td"
        tds = []
        for c in rows.get(r, []):
            span = (f' rowspan="{c.row_span}"' if c.row_span > 1 else "") + (
                f' colspan="{c.col_span}"' if c.col_span > 1 else ""
            )
            tds.append(f"<{tag}{span}>{escape(c.text).replace(chr(10), '<br>')}</{tag}>")
        out.append("<tr>" + "".join(tds) + "</tr>")
    out.append("</table>")
    return "".join(out)
