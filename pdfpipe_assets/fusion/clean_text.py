"""Clean text: what a text layer draws is not always what a reader reads.

Rules, each general, applied to every block's text whatever engine produced its lines:

- accents drawn as separate spacing glyphs (``J´an Min´aˇc``) are composed with their letter
  (``Ján Mináč``), and the text is NFC;
- a word broken at a line end (``irretrie-`` / ``vably``) is joined, unless the document
  writes it hyphenated elsewhere, it is part of a compound (``state-of-`` / ``the-art``), its
  first part is one letter (``X-ray``) or both parts are words of the document
  (``cross-platform``) and the joined form appears nowhere;
- two backticks or two apostrophes opening a word, or two apostrophes closing one, drawn for
  a double quote, become ``"`` (an empty string in code, ``x = ''``, stays);
- U+FFFD (a glyph the font maps to no character) is never printed: it is dropped and counted,
  with the spacing accents drawn on it (math's dotted big union, ``˙S``, in a font without a
  map): with no letter of their own left, they would land on the next word.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Set

# spacing accent -> its combining form
SPACING_ACCENTS = {
    "\u00b4": "\u0301",  # ´ acute
    "\u02ca": "\u0301",
    "\u02cb": "\u0300",  # ˋ grave
    "\u00a8": "\u0308",  # ¨ diaeresis
    "\u02c6": "\u0302",  # ˆ circumflex
    "\u02dc": "\u0303",  # ˜ tilde
    "\u02c7": "\u030c",  # ˇ caron
    "\u00b8": "\u0327",  # ¸ cedilla
    "\u02da": "\u030a",  # ˚ ring
    "\u02d8": "\u0306",  # ˘ breve
    "\u02dd": "\u030b",  # ˝ double acute
    "\u00af": "\u0304",  # ¯ macron
    "\u02d9": "\u0307",  # ˙ dot above
    "\u02db": "\u0328",  # ˛ ogonek
}
DOTLESS = {"\u0131": "i", "\u0237": "j"}  # TeX puts accents on dotless i and j
REPLACEMENT = "\ufffd"
HYPHENS = "-\u2010\u00ad"
_WORD = re.compile(r"[^\W\d_]+(?:[-\u2010][^\W\d_]+)*")
_BROKEN = re.compile(r"([^\W\d_]+(?:[-\u2010][^\W\d_]+)*)[-\u2010\u00ad]$")
# ``quoted'' or ''quoted'': opening before a word, closing after one; not code's x = '' or f('')
_QUOTES = re.compile(r"``(?=\w)|(?:^|(?<=[\s(\[]))''(?=\w)|(?<=[\w.,;:!?])''")


def _compose(letter: str, accent: str) -> str:
    """letter + accent, NFC: one precomposed character where Unicode has one."""
    return unicodedata.normalize("NFC", DOTLESS.get(letter, letter) + SPACING_ACCENTS[accent])


def _sides(text: str, i: int) -> tuple[bool, bool]:
    """Could the accent at ``i`` go on the letter after it / before it (one precomposed char)?"""
    nxt, prev = text[i + 1 : i + 2], text[i - 1 : i] if i else ""
    return (
        nxt.isalpha() and len(_compose(nxt, text[i])) == 1,
        prev.isalpha() and len(_compose(prev, text[i])) == 1,
    )


def accent_side(texts: Iterable[str]) -> str:
    """Whether this page draws accents ``before`` their letter (TeX's way) or ``after`` it,
    by the accents that compose on one side only: ``c¸a˜o`` (after) or ``M¨uller`` (before)."""
    votes = {"before": 0, "after": 0}
    for text in texts:
        for i, c in enumerate(text):
            if c in SPACING_ACCENTS:
                on_next, on_prev = _sides(text, i)
                if on_next != on_prev:
                    votes["before" if on_next else "after"] += 1
    return "after" if votes["after"] > votes["before"] else "before"


def compose_accents(text: str, side: str = "before") -> str:
    """Put each spacing accent on its letter as a combining mark (NFC then makes one character
    of it where Unicode has one): on the side where it composes, else on ``side``'s letter; an
    accent with no letter beside it is left alone."""
    if not any(c in SPACING_ACCENTS for c in text):
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c in SPACING_ACCENTS:
            on_next, on_prev = _sides(text, i)
            nxt, prev = text[i + 1 : i + 2], (out[-1] if out else "")
            use_next = on_next and (not on_prev or side == "before")
            if not (on_next or on_prev):  # no precomposed form: a combining mark (math: P̂)
                use_next = nxt.isalpha() and (side == "before" or not prev.isalpha())
                if not use_next and not prev.isalpha():
                    out.append(c)
                    i += 1
                    continue
            if use_next:
                out.append(_compose(nxt, c))
                i += 2
            else:
                out[-1] = _compose(prev, c)
                i += 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


def vocabulary(lines: Iterable[str]) -> set[str]:
    """Lower-cased words (hyphenated compounds whole) of a document's lines, in order, leaving
    out the two halves of each word broken at a line end."""
    found: set[str] = set()
    broken = False
    for line in lines:
        words = _WORD.findall(line)
        if broken and words:
            words = words[1:]
        broken = bool(_BROKEN.search(line.rstrip()))
        if broken and words:
            words = words[:-1]
        found.update(w.lower() for w in words)
    return found


def _split_form(head: str, tail: str, vocab: Set[str]) -> str:
    """``head-`` at a line end, ``tail`` starting the next: joined, hyphenated or as is."""
    left = head.lower()
    right = re.match(r"[^\W\d_]*", tail).group(0).lower()  # type: ignore[union-attr]
    if right and left + right in vocab and f"{left}-{right}" not in vocab:
        return "join"  # the document writes it unbroken: 'Trace-' / 'Monkey'
    if not right or not tail[0].islower():
        return "keep"  # 'Table-' / '1', 'Smith-' / 'Jones': not a broken word
    after = tail[len(right) : len(right) + 1]
    if "-" in left or "\u2010" in left or (after and after in "-\u2010"):
        return "keep"  # inside a compound: 'state-of-' / 'the-art'
    if f"{left}-{right}" in vocab:
        return "keep"  # the document writes it hyphenated
    if len(left) == 1:
        return "keep"  # 'X-ray', 'e-mail'
    if min(len(left), len(right)) >= 3 and left in vocab and right in vocab:
        return "keep"  # two words of the document: 'cross-' / 'platform'
    return "join"  # a soft break in justified text is far more common than a compound


def join_lines(lines: list[str], vocab: Set[str] = frozenset()) -> str:
    """The lines of one block as one string: a line ending in a broken word is joined to the
    next without a space (and without its hyphen when the word was only broken)."""
    out = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if not out:
            out = line
            continue
        broken = _BROKEN.search(out, out.rfind(" ") + 1)  # the last word only, not the whole text
        if broken and out[-1] == "\u00ad":
            out = out[:-1] + line
        elif broken:
            form = _split_form(broken.group(1), line, vocab)
            out = (out[:-1] if form == "join" else out) + line
        else:
            out += " " + line
    return out


def clean_line_text(text: str, side: str = "before") -> str:
    """A text-layer line or word as read: accents composed (``side``: see ``accent_side``),
    double quotes, NFC.  U+FFFD is kept here (the spine records what the layer holds); blocks
    drop and count it."""
    return unicodedata.normalize("NFC", _QUOTES.sub('"', compose_accents(text, side)))


_UNREADABLE = re.compile(f"[{''.join(SPACING_ACCENTS)}]*{REPLACEMENT}[{''.join(SPACING_ACCENTS)}]*")


def clean_block_text(text: str) -> tuple[str, int]:
    """(cleaned text, glyphs dropped because they map to no character)."""
    unreadable = text.count(REPLACEMENT)
    if unreadable:
        text = _UNREADABLE.sub("", text)
    text = _QUOTES.sub('"', text)
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()
    return text, unreadable
