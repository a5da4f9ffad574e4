"""Output of the ``tables`` stage."""

from __future__ import annotations

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


class TablesOutput(BaseModel):
    engine: str
    tables: list[Table]


def markdown_grid(cells: list[Cell], rows: int, cols: int, header_rows: int = 1) -> str:
    """GitHub Markdown of a cell grid; a spanning cell's text sits in its first slot."""
    grid = [["" for _ in range(cols)] for _ in range(rows)]
    for cell in cells:
        if cell.row < rows and cell.col < cols:
            grid[cell.row][cell.col] = cell.text.replace("\n", "<br>").replace("|", "\\|")
    lines = ["|" + "|".join(row) + "|" for row in grid]
    lines.insert(max(1, header_rows), "|" + "|".join("---" for _ in range(cols)) + "|")
    return "\n".join(lines)
