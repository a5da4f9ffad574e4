"""Data contracts: pydantic models of each stage's output and of the fused document."""

from .fused import SCHEMA_VERSION, Block, FusedDocument
from .geometry import BBox
from .renders import PageRender, RenderManifest
from .scholarly import Anchor, Author, Heading, Located, Reference, Scholarly
from .source import SourceInfo, SourcePage
from .spine import Line, OcrSpine, SpinePage, Word
from .tables import Cell, Table, TablesOutput

__all__ = [
    "SCHEMA_VERSION", "Anchor", "Author", "BBox", "Block", "Cell", "FusedDocument", "Heading",
    "Line", "Located", "OcrSpine", "PageRender", "Reference", "RenderManifest", "Scholarly",
    "SourceInfo", "SourcePage", "SpinePage", "Table", "TablesOutput", "Word",
]
