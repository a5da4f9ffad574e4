"""An OCR layer checked by two OCR engines, word by word.

A scan's invisible text layer is somebody else's OCR, often decades old (Google Books, ABBYY).
It is usually better than a fresh read, so it stays the page's text, in its own lines and
order. Only its misreadings change, where two independent engines outvote it: ``live-fold``
read as ``five-fold`` by both, ``Karthv`` as ``Earthy``. The engines' word wins when
- both engines read it at that place in the line (aligned word by word),
- neither engine reads the layer's word anywhere on the page, and
- it is no rarer a word than the layer's (``word_pieces``).
The last two keep a misreading that both engines share from winning: old type's ``e`` reads as
``c`` to both, but ``cvery`` is rarer than the layer's ``every``.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from ..contracts import BBox, Line, SpinePage, Word
from .word_pieces import pieces

HIDDEN_SHARE = 0.5  # at least this share of the layer's characters is drawn invisibly ...
SCAN_SHARE = 0.5  # ... over images that cover at least this share of the page
_EDGE = re.compile(r"^\W+|\W+$")
_PARTS = re.compile(r"^(\W*)(.*?)(\W*)$", re.DOTALL)  # the layer's own end punctuation stays
_QUOTES = str.maketrans("‘’“”", "''\"\"")


def is_ocr_layer(text_chars: int, hidden_chars: int, image_share: float) -> bool:
    """A text layer drawn invisibly over a page image: an OCR layer, not the page's own text."""
    return text_chars > 0 and hidden_chars >= HIDDEN_SHARE * text_chars and image_share >= SCAN_SHARE


def core(text: str) -> str:
    """A word without the punctuation at its ends, its curly quotes straight: engines differ on
    quotes and commas, and those are not what a vote is for."""
    return _EDGE.sub("", text.translate(_QUOTES))


def _inside(word: Word, line: Line) -> bool:
    """The word's middle lies in the line's box."""
    x, y = (word.bbox.x0 + word.bbox.x1) / 2, (word.bbox.y0 + word.bbox.y1) / 2
    return line.bbox.x0 <= x <= line.bbox.x1 and line.bbox.y0 <= y <= line.bbox.y1


def _aligned(line: Line, words: list[Word]) -> dict[int, Word]:
    """The reading's word at each of the line's word positions, where the two word sequences
    align one to one (equal runs and same-length replacements)."""
    inside = sorted((w for w in words if _inside(w, line)), key=lambda w: w.bbox.x0)
    ops = SequenceMatcher(None, [core(w.text) for w in line.words], [core(w.text) for w in inside], autojunk=False)
    found: dict[int, Word] = {}
    for op, i1, i2, j1, j2 in ops.get_opcodes():
        if op in ("equal", "replace") and i2 - i1 == j2 - j1:
            found |= {i1 + k: inside[j1 + k] for k in range(i2 - i1)}
    return found


def checked_line(line: Line, readings: list[list[Word]], read_anywhere: set[str]) -> tuple[Line, int]:
    """The line with each word that the readings outvote replaced, and how many were."""
    aligned = [_aligned(line, words) for words in readings]
    words, changed = list(line.words), 0
    for i, word in enumerate(line.words):
        votes = [a[i] for a in aligned if i in a]
        cores = {core(v.text) for v in votes}
        mine = core(word.text)
        if len(votes) < len(aligned) or len(cores) != 1 or not mine or mine.lower() in read_anywhere:
            continue
        (theirs,) = cores
        if not theirs or theirs == mine or pieces(theirs) > pieces(mine):
            continue
        confidence = min(v.confidence for v in votes)
        lead, _, trail = _PARTS.match(word.text).groups()  # type: ignore[union-attr]  # always matches
        words[i] = Word(text=lead + theirs + trail, bbox=word.bbox, confidence=confidence)
        changed += 1
    if not changed:
        return line, 0
    return line.model_copy(update={"text": " ".join(w.text for w in words), "words": words}), changed


def _words_read(readings: list[list[Word]]) -> set[str]:
    return {core(w.text).lower() for reading in readings for w in reading}


def disputed(page: SpinePage, reading: list[Line]) -> list[BBox]:
    """The boxes of the layer's lines where one engine's reading would outvote a word if a
    second engine agreed: the only lines a second engine need read."""
    words = [[w for line in reading for w in line.words]]
    read_anywhere = _words_read(words)
    return [line.bbox for line in page.lines if checked_line(line, words, read_anywhere)[1]]


def checked_layer(page: SpinePage, readings: list[list[Line]]) -> SpinePage:
    """The OCR-layer page with the words that two engines outvote replaced (``checked_line``)."""
    if len(readings) < 2:
        return page.model_copy(update={"reason": f"{page.reason}; OCR layer kept as it is: one upright reading"})
    words = [[w for line in reading for w in line.words] for reading in readings]
    read_anywhere = _words_read(words)
    lines, changed = [], 0
    for line in page.lines:
        new, n = checked_line(line, words, read_anywhere)
        lines.append(new)
        changed += n
    reason = f"{page.reason}; OCR layer checked by {len(readings)} engines: {changed} words outvoted"
    return page.model_copy(update={"lines": lines, "reason": reason})
