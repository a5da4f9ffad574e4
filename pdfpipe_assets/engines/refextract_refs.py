"""refextract (GPL-2.0-or-later, offline): split reference strings into fields."""

from __future__ import annotations

import os
import re

from .base import EngineInfo, package_version

INFO = EngineInfo("refextract", package_version("refextract"))
# refextract's books knowledge base (high-energy-physics books) is searched, title by title,
# in every reference it cannot classify: a third of its time (38 -> 24 ms a reference here), for
# books few corpora cite; the fields found were the same on 118 references of the corpus.
_NO_BOOKS = {"books": os.devnull}
_INITIALS = re.compile(r"^(?:[A-Z][a-z]?\.[\s-]*)+$|^[A-Z]{1,3}$")
_DOI_PREFIX = re.compile(r"^(?:doi:|https?://(?:dx\.)?doi\.org/)", re.I)


def split_authors(text: str) -> list[str]:
    """'Gal, A., Eich, B., and Franz, M.' -> ['Gal, A.', 'Eich, B.', 'Franz, M.']; 'et al.' dropped."""
    text = re.sub(r"\bet al\.?", "", text)
    parts = [p.strip(" .,") for p in re.split(r",|;|\band\b|&", text)]
    names: list[str] = []
    for part in filter(None, parts):
        if names and _INITIALS.match(part + ".") and "," not in names[-1] and " " not in names[-1]:
            names[-1] = f"{names[-1]}, {part}."  # 'Surname, A.' was cut at its comma
        else:
            names.append(part)
    return names


def _fields(parsed: dict) -> dict:
    misc = " ".join(parsed.get("misc", []))
    title = re.split(r"\.\s+(?:In\s|[A-Z])", misc, maxsplit=1)[0].strip(" .,") if misc else None
    venue = (parsed.get("journal_title") or [None])[0]
    if not venue and " In " in f" {misc}":
        venue = misc.split("In ", 1)[1].split(",")[0].strip(" .") or None
    doi = (parsed.get("doi") or [None])[0]
    return {
        "authors": split_authors(" ".join(parsed.get("author", []))),
        "title": title or None,
        "venue": venue,
        "year": (parsed.get("year") or [None])[0],
        "doi": _DOI_PREFIX.sub("", doi) if doi else None,
    }


class RefextractParser:
    info = INFO

    def parse(self, references: list[str]) -> list[dict]:
        """Fields for each reference string, in order ({} where refextract found nothing)."""
        from refextract import extract_references_from_string

        if not references:
            return []
        numbered = "\n".join(f"[{i + 1}] {text}" for i, text in enumerate(references))
        out: list[dict] = [{} for _ in references]
        for parsed in extract_references_from_string(numbered, is_only_references=True, override_kbs_files=_NO_BOOKS):
            marker = (parsed.get("linemarker") or [""])[0]
            if marker.isdigit() and 0 < int(marker) <= len(references) and not out[int(marker) - 1]:
                out[int(marker) - 1] = _fields(parsed)
        return out
