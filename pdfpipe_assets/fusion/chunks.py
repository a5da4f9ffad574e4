"""Section-aware chunks of a fused document, for search and retrieval.

A chunk never crosses a section boundary or a table: a heading starts a new chunk, a table is
a chunk of its own, and the title, authors and abstract make the front chunk.  Running headers
and footers are left out.  A block longer than the chunk size is cut at sentence ends.
"""

from __future__ import annotations

import re

from ..contracts import Anchor, FusedDocument
from ..contracts.chunks import Chunk

FRONT = {"title", "author", "affiliation", "abstract"}
SKIPPED = {"page_header", "page_footer", "picture"}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[])")


def _pieces(text: str, size: int) -> list[str]:
    """``text`` cut at sentence ends (else at spaces) into pieces of at most ``size`` chars."""
    if len(text) <= size:
        return [text]
    out, current = [], ""
    for sentence in _SENTENCE_END.split(text):
        while len(sentence) > size:  # one endless sentence: cut at the last space that fits
            cut = sentence.rfind(" ", 0, size)
            cut = cut if cut > size // 2 else size
            head, sentence = sentence[:cut], sentence[cut:].lstrip()
            if current:
                out.append(current)
                current = ""
            out.append(head)
        if current and len(current) + 1 + len(sentence) > size:
            out.append(current)
            current = ""
        current = f"{current} {sentence}" if current else sentence
    if current:
        out.append(current)
    return out


class _Builder:
    def __init__(self, size: int):
        self.size = size
        self.chunks: list[Chunk] = []
        self.texts: list[str] = []
        self.anchors: list[Anchor] = []
        self.kind = "front"
        self.section: list[str] = []

    def flush(self) -> None:
        text = "\n".join(self.texts).strip()
        if text:
            pages = sorted({a.page for a in self.anchors})
            self.chunks.append(
                Chunk(
                    index=len(self.chunks),
                    kind=self.kind,
                    section=list(self.section),
                    text=text,
                    pages=pages,
                    anchors=list(self.anchors),
                )
            )
        self.texts, self.anchors = [], []

    def add(self, text: str, anchor: Anchor) -> None:
        for piece in _pieces(text, self.size):
            used = sum(len(t) + 1 for t in self.texts)
            if self.texts and used + len(piece) > self.size:
                self.flush()
            self.texts.append(piece)
            self.anchors.append(anchor)

    def single(self, kind: str, text: str, anchor: Anchor) -> None:
        """A chunk of its own (a table): flushed before and after."""
        self.flush()
        previous, self.kind = self.kind, kind
        self.add(text, anchor)
        self.flush()
        self.kind = previous


def _heading_levels(doc: FusedDocument) -> dict[str, int]:
    return {h.text.strip(): h.level for h in doc.scholarly.headings}


def build_chunks(doc: FusedDocument, size: int = 1500) -> list[Chunk]:
    """The document's chunks in reading order, each at most ``size`` characters."""
    levels = _heading_levels(doc)
    tables = {(t.page, t.bbox): t.markdown for t in doc.tables}
    b = _Builder(size)
    for block in doc.blocks:
        text = block.text.strip()
        if block.furniture or block.kind in SKIPPED or not text:
            continue
        anchor = Anchor(page=block.page, bbox=block.bbox)
        if block.kind in FRONT:
            if b.kind != "front":  # front matter after the body (a title on page 2): its own chunk
                b.flush()
                b.kind, b.section = "front", []
            b.add(text, anchor)
        elif block.kind == "section_header":
            b.flush()
            level = max(1, levels.get(text, 1))
            b.section = [*b.section[: level - 1], text]
            b.kind = "references" if re.match(r"(?i)^(\d+\.?\s*)?(references|bibliography)\b", text) else "text"
            b.add(text, anchor)
        elif block.kind == "table":
            b.single("table", tables.get((block.page, block.bbox)) or text, anchor)
        else:
            if b.kind == "front":  # the body begins
                b.flush()
                b.kind = "text"
            if block.kind == "reference" and b.kind != "references":
                b.flush()
                b.kind = "references"
            b.add(text, anchor)
    b.flush()
    return b.chunks
