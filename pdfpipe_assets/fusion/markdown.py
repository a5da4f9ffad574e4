"""A fused document as Markdown: the body in reading order, running headers and footers left out."""

from __future__ import annotations

from ..contracts import FusedDocument

PREFIX = {"title": "# ", "section_header": "## ", "list_item": "- "}


def to_markdown(doc: FusedDocument, pages: set[int] | None = None) -> str:
    """Headings as ``#``/``##``, list items as ``-``, tables as their Markdown grid (the table
    block's text), everything else as paragraphs; only ``pages`` when given."""
    parts = [
        PREFIX.get(block.kind, "") + block.text.strip()
        for block in doc.blocks
        if not block.furniture and block.text.strip() and (pages is None or block.page in pages)
    ]
    return "\n\n".join(parts) + "\n"
