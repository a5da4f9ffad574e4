"""Text normalisation and fuzzy matching shared by engines, fusion and scoring (no package imports)."""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

_SPACE = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[^\w]+")


def clean(text: str) -> str:
    """Collapse whitespace (TEI <lb/> breaks, hyphen-free)."""
    return _SPACE.sub(" ", text or "").strip()


def norm(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form for comparisons."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c))
    return _SPACE.sub(" ", _NOT_WORD.sub(" ", text.lower())).strip()


def ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, norm(a), norm(b), autojunk=False).ratio()


def words(text: str) -> list[str]:
    return norm(text).split()


CAPTION = re.compile(r"^((Fig\.?|Figure|FIGURE|FIG\.?|Table|TABLE|Tab\.)\s*(\d+|[IVX]+))\s*[:.|-]?")


def starts_caption(text: str) -> bool:
    """'Figure 3: ...', 'Table II.' and the like."""
    return bool(CAPTION.match(text))


def split_author_line(text: str) -> list[str]:
    """'Krzysztof Bolejko 1,2 and Lars Andersson 3,4' -> ['Krzysztof Bolejko', 'Lars Andersson']."""
    text = re.sub(r"\s+(?:and|&)\s+", ",", clean(text))
    names = []
    for part in re.split(r"\s*,\s*", text):
        name = re.sub(r"[\d*†‡§¶∗]+", "", part).strip(" ,;")
        if re.search(r"[A-Za-z]{2}", name):
            names.append(name)
    return names
