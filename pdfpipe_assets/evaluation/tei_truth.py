"""GROBID TEI ground truth (training annotations or server output): header fields,
headings and references, scored as GROBID's own evaluation does, field by field."""

from __future__ import annotations

from pathlib import Path

from ..contracts import Scholarly
from ..engines.tei import parse_tei
from ..text import norm, ratio

REFERENCE_MATCH = 0.8  # soft ratio at which a reference string counts as found
HEADING_MATCH = 0.9


def soft(text: str) -> str:
    """GROBID's "soft matching" key: a field matches when it is the same text "ignoring
    punctuation, case and space characters mismatches" (its end-to-end evaluation), accents
    too. A subscript that GROBID's annotation splits from its symbol (``q vol``) and a text
    layer keeps with it (``qvol``) match, as they do in GROBID's own figures."""
    return norm(text).replace(" ", "")


def _names(names: list[str]) -> list[str]:
    return sorted(soft(n) for n in names)


def score_header(path: Path, ours: Scholarly) -> dict:
    """Title, authors and abstract: exact by GROBID's soft matching (``soft``), and the soft
    ratio; the author list matches exactly when the same names are there, in any order."""
    truth = parse_tei(path.read_bytes())
    scores: dict = {}
    if truth.title:
        got = ours.title.text if ours.title else ""
        scores["title_exact"] = float(soft(truth.title.text) == soft(got))
        scores["title_ratio"] = ratio(truth.title.text, got)
    if truth.authors:
        want, got = _names([a.text for a in truth.authors]), _names([a.name for a in ours.authors])
        scores["authors_exact"] = float(want == got)
        hits = sum(1 for w in want if any(ratio(w, g) >= 0.9 for g in got))
        scores["authors_recall"] = hits / len(want)
    if truth.abstract:
        got = ours.abstract.text if ours.abstract else ""
        scores["abstract_exact"] = float(soft(truth.abstract.text) == soft(got))
        scores["abstract_ratio"] = ratio(truth.abstract.text, got)
    return scores


def score_references(path: Path, ours: Scholarly) -> dict:
    """Reference count, and the share of true references whose raw string one of ours matches."""
    truth = parse_tei(path.read_bytes()).references
    if not truth:
        return {}
    found = sum(1 for t in truth if any(ratio(t.text, r.text) >= REFERENCE_MATCH for r in ours.references))
    return {
        "references_truth": len(truth),
        "references_found": len(ours.references),
        "references_matched": found / len(truth),
    }


def score_headings(path: Path, ours: Scholarly) -> dict:
    truth = parse_tei(path.read_bytes()).headings
    if not truth:
        return {}
    found = sum(1 for t in truth if any(ratio(t.text, h.text) >= HEADING_MATCH for h in ours.headings))
    return {"headings_recall": found / len(truth)}
