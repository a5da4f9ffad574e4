"""The metrics every scorer shares.  Definitions are documented in the README's eval section."""

from __future__ import annotations

import re
from collections import Counter

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from ..contracts import BBox

_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")


def squash(text: str) -> str:
    """Whitespace runs to one space, ends stripped: line breaks are layout, not content."""
    return _SPACE.sub(" ", text or "").strip()


def edit_similarity(truth: str, got: str) -> float:
    """1 - Levenshtein distance / length of the longer text, after ``squash`` (1.0 = identical)."""
    truth, got = squash(truth), squash(got)
    if not truth and not got:
        return 1.0
    return Levenshtein.normalized_similarity(truth, got)


def lev_ratio(truth: str, got: str) -> float:
    """``Levenshtein.ratio`` as py-pdf/benchmarks scores text (indel distance, both lengths)."""
    return fuzz.ratio(squash(truth), squash(got)) / 100


def words(text: str) -> list[str]:
    return _WORD.findall((text or "").lower())


def word_recall(truth: str, got: str) -> float:
    """Share of the truth's words (with multiplicity) that occur in ``got``."""
    want, have = Counter(words(truth)), Counter(words(got))
    total = sum(want.values())
    return sum(min(n, have[w]) for w, n in want.items()) / total if total else 1.0


def f1_counts(correct: int, found: int, truth: int) -> tuple[float, float, float]:
    """(precision, recall, F1) from counts: nothing found is precise only when nothing was to be."""
    p = correct / found if found else (1.0 if not truth else 0.0)
    r = correct / truth if truth else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def f1(truth: Counter, got: Counter) -> tuple[float, float, float]:
    """(precision, recall, F1) of two multisets."""
    return f1_counts(sum((truth & got).values()), sum(got.values()), sum(truth.values()))


def iou(a: BBox, b: BBox) -> float:
    inter = a.intersection(b)
    union = a.area + b.area - inter
    return inter / union if union else 0.0


def match_boxes(truth: list[BBox], got: list[BBox], threshold: float = 0.5) -> list[tuple[int, int]]:
    """One-to-one pairs (truth index, got index) with IoU >= threshold, best pairs first."""
    pairs = sorted(((iou(t, g), i, j) for i, t in enumerate(truth) for j, g in enumerate(got)), reverse=True)
    used_t, used_g, out = set(), set(), []
    for score, i, j in pairs:
        if score < threshold:
            break
        if i not in used_t and j not in used_g:
            used_t.add(i)
            used_g.add(j)
            out.append((i, j))
    return out


def mean(values) -> float | None:
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None
