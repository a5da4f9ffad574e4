"""The embedded extractor's rules: title, authors, abstract, headings and references from the
spine's fonts and positions and the 'References' heading (no model, no server)."""

from __future__ import annotations

import re
import statistics

from ..contracts import Anchor, Author, Heading, Located, OcrSpine, Reference, Scholarly
from ..contracts.scholarly import HEADER_PAGES, SpineLine, line_anchors
from ..contracts.spine import Line
from ..text import clean, norm, split_author_line, starts_caption

REFERENCE_TITLES = {"references", "bibliography", "literature cited", "works cited", "reference"}
_NUMBERED = re.compile(r"^((?:\d+\.)*\d+\.?|[IVX]+\.|[A-H]\.)\s+(\S.*)$")
_LABEL = re.compile(r"^\s*(\[\d+\]|\d+\.|\(\d+\))\s+")
_BANNER = re.compile(r"^journal of|proceedings of|transactions on|\bvolume \d|\bissue \d|^vol\. \d", re.I)
_PARTICLES = {"van", "von", "der", "den", "de", "da", "di", "del", "della", "la", "le", "du", "dos", "bin", "al", "y"}
_HEADER_END = re.compile(r"^(received|accepted|published|online|doi|keywords|index terms|abstract)\b", re.I)
_EMAIL_ONLY = re.compile(r"^(e-?mail:?\s*)?\S+@\S+(\s*(,|and)\s*\S+@\S+)*$", re.I)
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)[a-z]?\b")
_DOI = re.compile(r"\b10\.\d{4,9}/[^\s,;]+")
_AFFILIATION = re.compile(
    r"@|universit|department|dept\.|institut|laborator|school|college|centre|center|faculty|"
    r"\b\d{4,5}\b|e-?mail|gmbh|inc\.|ltd",
    re.I,
)


def body_font_size(lines: list[SpineLine]) -> float:
    sizes = [ln.font_size for _, ln in lines for _ in range(max(1, len(ln.text) // 20)) if ln.font_size]
    return statistics.median(sizes) if sizes else 10.0


def _title(lines: list[SpineLine], body: float, page_height: float) -> list[SpineLine]:
    """The largest-font lines in the top of page 1, skipping journal banners and one-word marks
    (a rotated 'JCAP10(2008)003' in the margin)."""
    candidates = [
        (p, ln)
        for p, ln in lines
        if p == 1
        and ln.bbox.y1 < 0.6 * page_height
        and ln.font_size
        and ln.font_size >= body * 1.15
        and len(re.findall(r"[A-Za-z]", ln.text)) >= 4
        and len(ln.text.split()) >= 2
        and ln.bbox.width >= ln.bbox.height
        and not _BANNER.search(ln.text)
    ]
    if not candidates:
        return []
    top = max(ln.font_size or 0.0 for _, ln in candidates)
    first = next(i for i, (p, ln) in enumerate(lines) if (p, ln) in candidates and (ln.font_size or 0.0) >= top - 0.5)
    picked = [lines[first]]
    for p, ln in lines[first + 1 :]:
        prev = picked[-1][1]
        close = -0.5 * top <= ln.bbox.y0 - prev.bbox.y1 < 1.2 * top
        if p == 1 and ln.font_size and abs(ln.font_size - top) <= 0.5 and close:
            picked.append((p, ln))
        else:
            break
    return picked


def _looks_like_name(text: str) -> bool:
    """Two to six capitalised tokens (or name particles) with lower-case letters: 'M. Atatüre', 'Ivo H. M. van
    Stokkum', not 'AMOUNT ($)'."""
    tokens = text.split()
    return (
        2 <= len(tokens) <= 6
        and all(t[0].isupper() or t in _PARTICLES for t in tokens)
        and tokens[0][0].isupper()
        and any(c.islower() for c in text)
    )


def _people(lines: list[SpineLine]) -> list[Author]:
    """Author names between the title and the abstract, each with the affiliation lines printed
    under it in its column (or under all names, when they share one line or one block)."""
    names: list[tuple[SpineLine, str]] = []
    notes: list[SpineLine] = []
    for p, ln in lines:
        text = ln.text.strip()
        if p != 1 or len(text) > 200 or _HEADER_END.match(text):
            break
        split = split_author_line(text)
        if not _AFFILIATION.search(text) and split and all(_looks_like_name(n) for n in split):
            names += [((p, ln), n) for n in split]
        elif names and (_AFFILIATION.search(text) or (notes and _stacked_under(notes, ln))):
            notes.append((p, ln))
        elif names:
            break
    by_line: dict[int, list[str]] = {}
    shared: list[str] = []
    name_lines = list({id(ln): ln for (_, ln), _ in names}.values())
    for _, note in notes:
        if _EMAIL_ONLY.match(note.text.strip()):
            continue
        above = [
            ln
            for ln in name_lines
            if ln.bbox.y1 <= note.bbox.y0 + 2 and min(ln.bbox.x1, note.bbox.x1) > max(ln.bbox.x0, note.bbox.x0)
        ]
        if above and len(above) < len(name_lines):
            by_line.setdefault(id(max(above, key=lambda ln: ln.bbox.y1)), []).append(clean(note.text))
        else:
            shared.append(clean(note.text))
    return [
        Author(
            name=name,
            affiliation=_join_wrapped(by_line.get(id(ln), []) or shared),
            anchors=[Anchor(page=p, bbox=ln.bbox)],
        )
        for (p, ln), name in names
    ]


def _join_wrapped(parts: list[str]) -> str | None:
    """Affiliation lines joined: a line ending in ',' wraps onto the next, others are separate."""
    out = ""
    for part in parts:
        out += (" " if out.endswith(",") else "; " if out else "") + part
    return out or None


def _stacked_under(notes: list[SpineLine], line: Line) -> bool:
    """``line`` continues one of the affiliation lines: right below it, same column."""
    return any(
        0 <= line.bbox.y0 - n.bbox.y1 <= 1.5 * n.bbox.height
        and min(n.bbox.x1, line.bbox.x1) > max(n.bbox.x0, line.bbox.x0)
        for _, n in notes
    )


def _is_reference_heading(text: str) -> bool:
    """'References', 'BIBLIOGRAPHY', also numbered: 'VII. REFERENCES', '8 References'."""
    numbered = _NUMBERED.match(clean(text))
    return norm(numbered.group(2) if numbered else text) in REFERENCE_TITLES


def _is_heading(line: Line, body: float) -> bool:
    text = clean(line.text)
    if not text or len(text) > 100 or len(text.split()) > 12 or text.endswith((",", ";")):
        return False
    if starts_caption(text) or _HEADER_END.match(text) or (" " not in text and re.search(r"\d", text)):
        return False  # 'Figure 1 ...', 'Keywords: ...', a margin mark such as 'JCAP10(2008)003'
    if not re.match(r"^[\dA-Z]", text):
        return False
    larger = bool(line.font_size and line.font_size >= body + 0.9)
    if line.source != "text_layer":
        return norm(text) in REFERENCE_TITLES or bool(_NUMBERED.match(text) and len(text.split()) <= 8)
    if norm(text) in REFERENCE_TITLES | {"abstract", "introduction", "conclusion", "conclusions"}:
        return True
    if _numbered_title(text):
        return True  # 'I. INTRODUCTION', '4.1. Step 1 (Requirement Initialization)' in the body's font
    return (line.bold or larger) and bool(re.search(r"[A-Za-z]{3}", text)) and not text.endswith(".")


def _numbered_title(text: str) -> bool:
    """A section number, then up to eight words in capitals or title case, no final period (a
    numbered list item is a sentence)."""
    numbered = _NUMBERED.match(text)
    if not numbered or text.endswith(".") or len(text.split()) > 9:
        return False
    words = [w for w in re.findall(r"[^\W\d_]+", numbered.group(2)) if len(w) > 3]
    return bool(words) and sum(w[0].isupper() for w in words) >= 0.75 * len(words)


_BARE_NUMBER = re.compile(r"^((?:\d+\.)*\d+\.?|[IVX]+\.?|[A-H]\.)$")


def _same_row(left: Line, right: Line) -> bool:
    middle = (right.bbox.y0 + right.bbox.y1) / 2
    near = right.bbox.x0 - left.bbox.x1 <= 4 * (left.font_size or 10)
    return left.bbox.y0 <= middle <= left.bbox.y1 and left.bbox.x1 <= right.bbox.x0 + 1 and near


def with_heading_numbers(lines: list[SpineLine]) -> list[SpineLine]:
    """A bare section number set apart from its title ('I.' beside 'INTRODUCTION', '2' beside
    'The RTE System') joined with it into one line, so the heading keeps its number."""
    out: list[SpineLine] = []
    skip: set[int] = set()
    for i, (p, ln) in enumerate(lines):
        if i in skip:
            continue
        if _BARE_NUMBER.match(clean(ln.text)):
            nxt = next(
                (j for j in range(i + 1, min(i + 4, len(lines))) if lines[j][0] == p and _same_row(ln, lines[j][1])),
                None,
            )
            if nxt is not None:
                title = lines[nxt][1]
                box = ln.bbox.union(title.bbox)
                size = max(ln.font_size or 0, title.font_size or 0) or None
                merged = title.model_copy(
                    update={"text": f"{clean(ln.text)} {title.text}", "bbox": box, "font_size": size}
                )
                out.append((p, merged))
                skip.add(nxt)
                continue
        out.append((p, ln))
    return out


def _heading(p: int, line: Line) -> Heading:
    text = clean(line.text)
    match = _NUMBERED.match(text)
    number = match.group(1).rstrip(".") if match else None
    level = number.count(".") + 1 if number and number[0].isdigit() else 1
    return Heading(text=text, number=number, level=level, anchors=[Anchor(page=p, bbox=line.bbox)])


def _reference_lines(lines: list[SpineLine], start: int, body_size: float) -> list[SpineLine]:
    """The lines after the references heading, up to the next section (an appendix): a
    heading that is not itself an entry."""
    out = []
    for p, ln in lines[start + 1 :]:
        if _is_heading(ln, body_size) and not _LABEL.match(ln.text) and not _is_reference_heading(ln.text):
            break
        out.append((p, ln))
    return out


HANG = 2.0  # points: a line this far right of its column's left edge continues an entry


def _hanging_starts(body: list[SpineLine]) -> list[bool] | None:
    """Entry starts of an unlabelled list set with a hanging indent (first line at the column's
    edge, the rest indented), or None when the list has no such indent."""
    lefts: dict[int, list[float]] = {}  # page -> the x0 of its lines
    for p, ln in body:
        lefts.setdefault(p, []).append(ln.bbox.x0)
    edges = []
    for p, ln in body:
        near = [x for x in lefts[p] if abs(x - ln.bbox.x0) <= 30]
        edges.append(ln.bbox.x0 <= min(near) + HANG)
    indented = edges.count(False)
    return edges if 0.15 * len(edges) <= indented <= 0.85 * len(edges) else None


def _references(lines: list[SpineLine], start: int, body_size: float = 0.0) -> list[Reference]:
    body = _reference_lines(lines, start, body_size) if body_size else lines[start + 1 :]
    entries: list[list[SpineLine]] = []
    labelled = sum(1 for _, ln in body if _LABEL.match(ln.text)) >= 2
    hanging = None if labelled else _hanging_starts(body)
    last_block = None
    for i, (p, ln) in enumerate(body):
        if labelled:
            new = bool(_LABEL.match(ln.text))
        elif hanging is not None:
            new = hanging[i]
        else:
            new = (p, ln.block) != last_block
        if new or not entries:
            entries.append([])
        entries[-1].append((p, ln))
        last_block = (p, ln.block)
    refs = []
    for entry in entries:
        text = clean(" ".join(ln.text for _, ln in entry))
        if len(text) < 15:
            continue
        label = _LABEL.match(text)
        year = _YEAR.search(text)
        doi = _DOI.search(text)
        refs.append(
            Reference(
                text=text[label.end() :] if label else text,
                label=label.group(1) if label else None,
                year=year.group(1) if year else None,
                doi=doi.group(0).rstrip(".") if doi else None,
                anchors=line_anchors(entry),
            )
        )
    return refs


def _abstract(lines: list[SpineLine], at: int, body: float) -> Located | None:
    """The block that holds the 'Abstract' line, or the next block when the line stands alone."""
    page, head = lines[at]
    blocks = {(page, head.block)}
    alone = re.sub(r"[\W_]+", "", head.text).lower() == "abstract"
    chunk = [lines[at]]
    for p, ln in lines[at + 1 : at + 80]:
        if alone and len(blocks) == 1 and (p, ln.block) not in blocks:
            blocks.add((p, ln.block))
        if (p, ln.block) not in blocks or _is_heading(ln, body):
            break
        if norm(ln.text).startswith(("keywords", "index terms", "key words")):
            break
        chunk.append((p, ln))
    text = re.sub(r"^abstract[\s.:—-]*", "", clean(" ".join(ln.text for _, ln in chunk)), flags=re.I)
    return Located(text=text, anchors=line_anchors(chunk)) if text else None


def _implicit_abstract(lines: list[SpineLine], start: int, body: float, authors: list[Author]) -> Located | None:
    """No 'Abstract' line: the first paragraph between the authors and the first heading, on the
    first pages (a block of 40 words or more that names no affiliation)."""
    taken = {(a.page, round(a.bbox.y0)) for author in authors for a in author.anchors}
    blocks: dict[tuple[int, int], list[SpineLine]] = {}
    for p, ln in lines[start:]:
        if p > HEADER_PAGES or _is_heading(ln, body):
            break
        blocks.setdefault((p, ln.block), []).append((p, ln))
    for chunk in blocks.values():
        text = clean(" ".join(ln.text for _, ln in chunk))
        if any((p, round(ln.bbox.y0)) in taken for p, ln in chunk) or _AFFILIATION.search(text[:200]):
            continue
        if len(text.split()) >= 40:
            return Located(text=text, anchors=line_anchors(chunk))
    return None


def _numbered_list_start(lines: list[SpineLine]) -> int | None:
    """No 'References' heading: the line before the last '[1] …' that a '[2] …' follows."""
    firsts = [i for i, (_, ln) in enumerate(lines) if ln.text.lstrip().startswith("[1]")]
    for i in reversed(firsts):
        if i >= len(lines) // 3 and any(ln.text.lstrip().startswith("[2]") for _, ln in lines[i + 1 :]):
            return i - 1
    return None


def extract_embedded(spine: OcrSpine) -> Scholarly:
    """Header, headings and references from fonts, positions and the 'References' heading."""
    lines = list(spine.all_lines())
    if not lines:
        return Scholarly(producer="embedded")
    body = body_font_size(lines)
    page_height = spine.pages[0].height
    title = _title(lines, body, page_height)
    after_title = lines.index(title[-1]) + 1 if title else 0
    abstract_at = next(
        (i for i, (p, ln) in enumerate(lines) if p <= HEADER_PAGES and norm(ln.text).startswith("abstract")),
        None,
    )
    stop = abstract_at if abstract_at is not None and abstract_at > after_title else after_title + 12
    authors = _people(lines[after_title:stop]) if title else []
    abstract = _abstract(lines, abstract_at, body) if abstract_at is not None else None
    if abstract is None and title:
        abstract = _implicit_abstract(lines, after_title, body, authors)
    skip = {id(ln) for _, ln in title} | ({id(ln) for _, ln in lines[: abstract_at + 1]} if abstract_at else set())
    candidates = with_heading_numbers([(p, ln) for p, ln in lines if id(ln) not in skip])
    headings = [_heading(p, ln) for p, ln in candidates if _is_heading(ln, body)]
    ref_at = max((i for i, (_, ln) in enumerate(lines) if _is_reference_heading(ln.text)), default=None)
    if ref_at is None:
        ref_at = _numbered_list_start(lines)
    return Scholarly(
        producer="embedded",
        title=Located(text=clean(" ".join(ln.text for _, ln in title)), anchors=line_anchors(title)) if title else None,
        authors=authors,
        abstract=abstract,
        headings=headings,
        references=_references(lines, ref_at, body) if ref_at is not None else [],
    )


def with_fields(references: list[Reference], fields: list[dict]) -> list[Reference]:
    """References with a parser's fields filled in where it found them (label and anchors kept)."""
    out = []
    for ref, found in zip(references, fields):
        update = {k: v for k, v in found.items() if v}
        out.append(ref.model_copy(update=update))
    return out
