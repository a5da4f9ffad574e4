"""Text hygiene: counts of what a reader would call broken text, in a document's body text.

Counted over the blocks read from a text layer (OCR makes other mistakes):

- ``hyphen_breaks``: a word broken at a line end and kept broken (``irretrie- vably``), that is
  a letter, a hyphen, a space and a lower-case letter, except before ``and``/``or``/``to``
  (``pre- and post-processing``);
- ``uncombined_accents``: a spacing accent glyph (``´ ¨ ˇ``...) next to a letter;
- ``replacement_chars``: U+FFFD;
- ``glued_runs``: runs of 25 or more letters without a space (``Compositionofthepretraining``).
"""

from __future__ import annotations

import re

from ..contracts import FusedDocument
from ..fusion.clean_text import SPACING_ACCENTS

ACCENTS = "".join(SPACING_ACCENTS)  # the spacing accents that clean text composes
_HYPHEN_BREAK = re.compile(r"[^\W\d_]- (?!(?:and|or|to|nor)\b)[a-z]")
_ACCENT = re.compile(rf"[{ACCENTS}](?=[^\W\d_])|(?<=[^\W\d_])[{ACCENTS}]")
_GLUED = re.compile(r"[^\W\d_]{25,}")
COUNTS = ("hyphen_breaks", "uncombined_accents", "replacement_chars", "glued_runs")


def hygiene_counts(text: str) -> dict[str, int]:
    return {
        "hyphen_breaks": len(_HYPHEN_BREAK.findall(text)),
        "uncombined_accents": len(_ACCENT.findall(text)),
        "replacement_chars": text.count("\ufffd"),
        "glued_runs": len(_GLUED.findall(text)),
    }


def score_hygiene(doc: FusedDocument) -> dict:
    """``hygiene_<count>`` over the body blocks of the text-layer pages; {} for a scan."""
    layer = {p.number for p in doc.pages if p.text_source == "text_layer"}
    if not layer:
        return {}
    text = "\n".join(b.text for b in doc.blocks if b.page in layer and not b.furniture and b.kind != "table")
    return {f"hygiene_{k}": v for k, v in hygiene_counts(text).items()}
