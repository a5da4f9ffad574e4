"""Data contracts: pydantic models of each stage's output and of the fused document."""

from .fused import SCHEMA_VERSION, Block, FusedDocument
from .geometry import BBox
from .layout import Cell, LayoutOutput, PageFailure, Region, Table
from .renders import PageRender, RenderManifest
from .scholarly import Anchor, Author, Caption, Citation, Heading, Located, Reference, Scholarly
from .source import SourceInfo, SourcePage
from .spine import Line, OcrSpine, SpineFrames, SpinePage, Word

__all__ = [
    "SCHEMA_VERSION",
    "Anchor",
    "Author",
    "BBox",
    "Block",
    "Caption",
    "Cell",
    "Citation",
    "FusedDocument",
    "Heading",
    "Line",
    "Located",
    "OcrSpine",
    "PageFailure",
    "PageRender",
    "Reference",
    "RenderManifest",
    "Scholarly",
    "SourceInfo",
    "SourcePage",
    "SpineFrames",
    "SpinePage",
    "Table",
    "LayoutOutput",
    "Region",
    "Word",
]
