"""Document keys: a short slug of the file name plus 12 hex digits of its sha256."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

SLUG_MAX = 40
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def slug(name: str) -> str:
    """ASCII, lower case, dashes only: safe as a Dagster partition key and a folder name."""
    stem = name[:-4] if name.lower().endswith(".pdf") else name
    ascii_ = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    text = _NOT_SLUG.sub("-", ascii_.lower()).strip("-")
    return text[:SLUG_MAX].strip("-") or "doc"


def document_key(name: str, sha256: str) -> str:
    return f"{slug(name)}-{sha256[:12]}"


_KEY = re.compile(rf"^[a-z0-9](?:[a-z0-9-]{{0,{SLUG_MAX + 1}}})-[0-9a-f]{{12}}$")


def is_document_key(key: str) -> bool:
    return bool(_KEY.match(key))
