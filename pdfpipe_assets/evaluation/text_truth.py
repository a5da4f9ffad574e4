"""Plain-text and pdfplumber layout-text ground truth."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from ..contracts import FusedDocument, OcrSpine
from . import metrics
from .views import reading_text


def score_plain_text(path: Path, doc: FusedDocument) -> dict:
    """Whole-document ``Levenshtein.ratio`` (py-pdf/benchmarks' metric), edit similarity and
    word recall.  Our side keeps running headers, tables' text and text inside figures, as a
    text extractor would."""
    truth = path.read_text()
    ours = reading_text(doc, furniture=True, tables=True, pictures=True)
    return {
        "text_similarity": metrics.edit_similarity(truth, ours),
        "lev_ratio": metrics.lev_ratio(truth, ours),
        "word_recall": metrics.word_recall(truth, ours),
    }


def visual_lines(spine: OcrSpine, tolerance: float = 0.5) -> list[str]:
    """Words grouped into printed lines across the whole page width (as pdfplumber's layout text
    does): words whose vertical centres are within ``tolerance`` x line height share a line."""
    out = []
    for page in spine.pages:
        rows: list[list] = []
        words = sorted((w for ln in page.lines for w in ln.words), key=lambda w: (w.bbox.y0 + w.bbox.y1) / 2)
        for word in words:
            centre = (word.bbox.y0 + word.bbox.y1) / 2
            if rows and abs(centre - rows[-1][0]) <= tolerance * max(word.bbox.height, 1):
                rows[-1][1].append(word)
            else:
                rows.append([centre, [word]])
        out += [" ".join(w.text for w in sorted(ws, key=lambda w: w.bbox.x0)) for _, ws in rows]
    return out


def score_layout_text(path: Path, spine: OcrSpine) -> dict:
    """Line F1: lines of the layout text and our printed lines, runs of spaces collapsed."""
    truth = Counter(metrics.squash(ln) for ln in path.read_text().splitlines() if ln.strip())
    ours = Counter(metrics.squash(ln) for ln in visual_lines(spine) if ln.strip())
    p, r, f = metrics.f1(truth, ours)
    return {"line_precision": p, "line_recall": r, "line_f1": f}
