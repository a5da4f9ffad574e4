"""Output of the ``embeddings`` stage: a document's search chunks and their vectors' model."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from .scholarly import Anchor

CHUNKS_VERSION: Literal["1.0.0"] = "1.0.0"


class Chunk(BaseModel):
    """A piece of one section (or one table) small enough to embed, and where it sits."""

    index: int = Field(description="position in the document, 0-based")
    kind: Literal["front", "text", "table", "references"]
    section: list[str] = Field(default_factory=list, description="headings from the top section down")
    text: str
    pages: list[int]
    anchors: list[Anchor] = Field(description="the boxes of the blocks it was cut from")


class DocumentChunks(BaseModel):
    """``chunks.json``; the vectors sit beside it in ``vectors.npy``, one row per chunk."""

    chunks_version: Literal["1.0.0"] = CHUNKS_VERSION
    key: str
    model: str = Field(description="the embedding model's name, as the engine reports it")
    dimension: int
    chunks: list[Chunk]
