"""The fused document: pdfpipe's one JSON per PDF.  Its JSON Schema is versioned."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from .geometry import BBox
from .layout import Table
from .scholarly import Scholarly

SCHEMA_VERSION: Literal["1.3.0"] = "1.3.0"

BlockKind = Literal[
    "title",
    "author",
    "affiliation",
    "abstract",
    "section_header",
    "text",
    "list_item",
    "caption",
    "footnote",
    "formula",
    "code",
    "picture",
    "table",
    "reference",
    "page_header",
    "page_footer",
]


KIND_OF_LABEL: dict[str, BlockKind] = {  # a layout region's label -> its block's kind (else "text")
    "title": "title",
    "section-header": "section_header",
    "list-item": "list_item",
    "caption": "caption",
    "footnote": "footnote",
    "formula": "formula",
    "code": "code",
    "picture": "picture",
    "table": "table",
    "page-header": "page_header",
    "page-footer": "page_footer",
}


class Block(BaseModel):
    index: int = Field(description="position in reading order, 0-based, whole document")
    page: int
    bbox: BBox
    kind: BlockKind = Field(description="the scholarly role where one is known, else the layout label")
    layout_label: str | None = Field(None, description="the layout model's label for the region, if any")
    furniture: bool = Field(False, description="running header, footer or page number: not body text")
    text: str
    unreadable_glyphs: int = Field(
        0, description="glyphs whose font maps them to no character (U+FFFD), left out of text"
    )
    source_stage: str
    engine: str
    aligned: bool = Field(
        True, description="False: an engine's text (a VLM's) not found on the page; bbox is then the whole page"
    )


class FusedPage(BaseModel):
    number: int
    width: float
    height: float
    rotation: int
    text_source: str


class DocumentInfo(BaseModel):
    key: str
    file_name: str
    sha256: str
    size_bytes: int
    page_count: int
    pdf_version: str | None = None
    repaired: bool = False
    metadata: dict[str, str] = Field(default_factory=dict)


class StageProvenance(BaseModel):
    stage: str
    engine: str
    engine_version: str
    seconds: float | None = None


class Provenance(BaseModel):
    pdfpipe_version: str
    created_at: str
    stages: list[StageProvenance]


class FusedDocument(BaseModel):
    """One document, every stage fused.  Boxes: rotation-normalized page space,
    origin top-left, points (see ``geometry.BBox``)."""

    schema_version: Literal["1.0.0", "1.1.0", "1.2.0", "1.3.0"] = Field(
        SCHEMA_VERSION, description="the version the document was written with; older ones still read"
    )
    coordinate_system: Literal["page-points-top-left-rotated"] = "page-points-top-left-rotated"
    document: DocumentInfo
    pages: list[FusedPage]
    blocks: list[Block]
    tables: list[Table]
    scholarly: Scholarly
    provenance: Provenance

    def body_text(self) -> str:
        """The document's text in reading order, running headers and footers left out."""
        return "\n\n".join(b.text for b in self.blocks if not b.furniture and b.text)
