"""A ``DoclingDocument`` (docling-core) as pdfpipe's page readings: regions with docling's text,
label and reading order, boxes turned to pdfpipe's top-left page space, tables as grids."""

from __future__ import annotations

from typing import Any

from ..contracts import Cell, Region, Table
from ..contracts.geometry import BBox
from ..contracts.layout import RegionLabel
from .base import PageReading

LABELS: dict[str, RegionLabel] = {
    "title": "title",
    "section_header": "section-header",
    "text": "text",
    "paragraph": "text",
    "reference": "text",
    "list_item": "list-item",
    "caption": "caption",
    "footnote": "footnote",
    "formula": "formula",
    "table": "table",
    "document_index": "table",
    "picture": "picture",
    "chart": "picture",
    "page_header": "page-header",
    "page_footer": "page-footer",
    "code": "code",
}


def _box(bbox: Any, page_height: float) -> BBox:
    """docling's box (bottom-left or top-left origin) in top-left page points."""
    top_left = bbox.to_top_left_origin(page_height=page_height)
    return BBox.of((top_left.l, top_left.t, top_left.r, top_left.b))


def _table(item: Any, page: int, bbox: BBox, page_height: float) -> Table | None:
    data = item.data
    if not data or not data.table_cells:
        return None
    cells = [
        Cell(
            row=c.start_row_offset_idx,
            col=c.start_col_offset_idx,
            row_span=max(1, c.row_span),
            col_span=max(1, c.col_span),
            bbox=_box(c.bbox, page_height) if c.bbox is not None else bbox,
            text=c.text,
        )
        for c in data.table_cells
    ]
    header_rows = 0
    while any(c.start_row_offset_idx == header_rows for c in data.table_cells) and all(
        c.column_header for c in data.table_cells if c.start_row_offset_idx == header_rows
    ):
        header_rows += 1
    return Table.of_cells(page, bbox, cells, data.num_rows, data.num_cols, header_rows)


def docling_readings(doc: Any, numbers: list[int]) -> list[PageReading]:
    """One reading per page number in ``numbers``, from a DoclingDocument (body and furniture)."""
    from docling_core.types.doc import ContentLayer

    readings = {n: PageReading([], []) for n in numbers}
    layers = {ContentLayer.BODY, ContentLayer.FURNITURE}
    for item, _level in doc.iterate_items(included_content_layers=layers):
        label = LABELS.get(str(getattr(item.label, "value", item.label)))
        if label is None or not getattr(item, "prov", None):
            continue
        for prov in item.prov:
            reading = readings.get(prov.page_no)
            if reading is None:
                continue
            height = doc.pages[prov.page_no].size.height
            bbox = _box(prov.bbox, height)
            text = getattr(item, "text", None)
            if text and len(item.prov) > 1 and prov.charspan:  # a paragraph across pages: this page's part
                text = text[prov.charspan[0] : prov.charspan[1]]
            if label == "table":
                table = _table(item, prov.page_no, bbox, height)
                if table is not None:
                    reading.tables.append(table)
                    text = table.markdown
            order = len(reading.regions)
            reading.regions.append(Region(page=prov.page_no, bbox=bbox, label=label, text=text or "", order=order))
    return [readings[n] for n in numbers]
