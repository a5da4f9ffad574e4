"""Output of the ``grobid_alignment`` stage: the scientific header and references."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from .geometry import BBox
from .spine import Line

HEADER_PAGES = 2  # the pages where a title, authors and abstract may sit
SpineLine = tuple[int, Line]  # (page number, line)


class Anchor(BaseModel):
    """Where a piece of text sits in the document."""

    page: int
    bbox: BBox


def line_anchors(lines: list[SpineLine]) -> list[Anchor]:
    return [Anchor(page=p, bbox=ln.bbox) for p, ln in lines]


class Located(BaseModel):
    text: str
    anchors: list[Anchor] = Field(default_factory=list)


class Author(BaseModel):
    name: str
    affiliation: str | None = None
    anchors: list[Anchor] = Field(default_factory=list)


class Heading(Located):
    level: int = Field(1, description="1 for a top section, 2 for '2.1', ...")
    number: str | None = None
    parent: int | None = Field(None, description="index of the enclosing heading in ``headings``")


class Reference(Located):
    label: str | None = None
    title: str | None = None
    authors: list[str] = Field(default_factory=list)
    year: str | None = None
    venue: str | None = None
    doi: str | None = None


class Caption(Located):
    kind: Literal["figure", "table", "other"]
    label: str = Field(description="e.g. 'Table 2' or 'Fig. 3'")


class Citation(BaseModel):
    """An in-text citation marker and the references it points to."""

    marker: str = Field(description="as printed, e.g. '[3, 5]' or 'Smith et al., 2009'")
    page: int
    bbox: BBox
    references: list[int] = Field(description="indices into ``Scholarly.references``")


class Scholarly(BaseModel):
    producer: Literal["grobid", "embedded"] = Field(
        description="'grobid' when a GROBID server produced it, 'embedded' for the built-in extractor"
    )
    title: Located | None = None
    authors: list[Author] = Field(default_factory=list)
    abstract: Located | None = None
    headings: list[Heading] = Field(default_factory=list)
    references: list[Reference] = Field(default_factory=list)
    captions: list[Caption] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
