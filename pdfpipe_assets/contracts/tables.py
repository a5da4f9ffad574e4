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
