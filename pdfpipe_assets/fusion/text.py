"""Text normalisation and fuzzy matching shared by alignment, fusion and scoring."""

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
