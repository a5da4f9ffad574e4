"""Give a VLM's blocks page geometry: find each block's words among the page's spine words.

A VLM returns text without coordinates.  The spine (text layer or OCR) has every word with its
box.  Each block, longest first, is matched against the page's words not yet claimed by
another block (``difflib``'s longest matching runs, so word order counts and a common word on
its own does not); its box is the union of the words it matched.  A block whose words are
mostly not on the page (a formula in LaTeX, a misread) stays unaligned.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

from ..contracts.geometry import BBox, union_all
from ..contracts.spine import Line
from .vlm_markdown import PageBlock

MIN_SHARE = 0.5  # of a block's words found on the page, in order, for it to be placed
_LATEX = re.compile(r"\\[a-zA-Z]+|<[^>]+>")
_TOKEN = re.compile(r"\w+")


def tokens(text: str) -> list[str]:
    """Lower-case word tokens, markup and LaTeX commands left out."""
    return _TOKEN.findall(unicodedata.normalize("NFKC", _LATEX.sub(" ", text)).casefold())


def _block_tokens(block: PageBlock) -> list[str]:
    if block.grid is not None:
        cells = sorted(block.grid.cells, key=lambda c: (c.row, c.col))
        return [t for c in cells for t in tokens(c.text)]
    return tokens(block.text)


def _main_runs(runs, size: int):
    """The runs that sit together on the page: a stray two-word match far from the rest is dropped."""
    groups: list[list] = []
    gap = max(10, size // 2)
    for run in runs:
        if groups and run.b - (groups[-1][-1].b + groups[-1][-1].size) <= gap:
            groups[-1].append(run)
        else:
            groups.append([run])
    return max(groups, key=lambda g: sum(r.size for r in g)) if groups else []


def align_blocks(blocks: list[PageBlock], lines: list[Line], min_share: float = MIN_SHARE) -> list[BBox | None]:
    """One box per block, or None where the block's text was not found on the page."""
    words = [(t, w.bbox) for line in lines for w in line.words for t in tokens(w.text)]
    page: list[object] = [t for t, _ in words]
    wanted = [_block_tokens(b) for b in blocks]
    boxes: list[BBox | None] = [None] * len(blocks)
    for i in sorted(range(len(blocks)), key=lambda i: -len(wanted[i])):
        want = wanted[i]
        if not want:
            continue
        matcher = SequenceMatcher(None, want, page, autojunk=False)
        shortest = min(2, len(want))
        runs = _main_runs([m for m in matcher.get_matching_blocks() if m.size >= shortest], len(want))
        if sum(r.size for r in runs) < min_share * len(want):
            continue
        taken = [r.b + k for r in runs for k in range(r.size)]
        for k in taken:
            page[k] = (k,)  # claimed: matches no token again
        boxes[i] = union_all(words[k][1] for k in taken)
    return boxes
