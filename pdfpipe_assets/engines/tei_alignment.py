"""GROBID's TEI aligned to the spine: each item's TEI boxes snapped to the spine lines they
cover, or, without boxes, the longest run of spine lines whose text the item holds."""

from __future__ import annotations

from ..contracts import Anchor, Author, Heading, Located, OcrSpine, Reference, Scholarly
from ..contracts.scholarly import HEADER_PAGES, SpineLine, line_anchors
from ..text import norm
from .tei import TeiDocument, TeiItem


def _snap(anchors: list[Anchor], lines: list[SpineLine]) -> list[Anchor]:
    """Replace TEI boxes by the spine lines they cover (same page, >= 50% of the line)."""
    out = []
    for anchor in anchors:
        hits = [
            Anchor(page=p, bbox=ln.bbox)
            for p, ln in lines
            if p == anchor.page and ln.bbox.overlap_of(anchor.bbox) >= 0.5
        ]
        out.extend(hits or [anchor])
    return out


def _find_text(text: str, lines: list[SpineLine]) -> list[Anchor]:
    """Longest run of consecutive spine lines whose text lies inside ``text``."""
    target = norm(text)
    if not target:
        return []
    best: list[SpineLine] = []
    run: list[SpineLine] = []
    for item in lines:
        piece = norm(item[1].text)
        inside = piece in target and (len(piece) >= 8 or piece == target)
        holds = len(target) >= 8 and target in piece  # a labelled reference on one line
        if piece and (inside or holds):
            run.append(item)
            if sum(len(r[1].text) for r in run) > sum(len(b[1].text) for b in best):
                best = list(run)
        else:
            run = []
    return line_anchors(best)


def _locate(item: TeiItem, lines: list[SpineLine]) -> list[Anchor]:
    return _snap(item.anchors, lines) if item.anchors else _find_text(item.text, lines)


def align_tei(tei: TeiDocument, spine: OcrSpine) -> Scholarly:
    lines = list(spine.all_lines())
    head_lines = [item for item in lines if item[0] <= HEADER_PAGES]
    affiliations = tei.authors[0].extra.get("affiliations", []) if tei.authors else []
    return Scholarly(
        producer="grobid",
        title=Located(text=tei.title.text, anchors=_locate(tei.title, head_lines)) if tei.title else None,
        authors=[
            Author(
                name=a.text,
                affiliation=a.extra.get("affiliation") or ("; ".join(affiliations) or None),
                anchors=_locate(a, head_lines) if a.anchors else [],
            )
            for a in tei.authors
        ],
        abstract=Located(text=tei.abstract.text, anchors=_locate(tei.abstract, head_lines)) if tei.abstract else None,
        headings=[Heading(text=h.text, number=h.extra.get("number"), anchors=_locate(h, lines)) for h in tei.headings],
        references=[
            Reference(
                text=r.text,
                label=r.extra.get("label"),
                title=r.extra.get("title"),
                authors=r.extra.get("authors", []),
                year=r.extra.get("year"),
                venue=r.extra.get("venue"),
                doi=r.extra.get("doi"),
                anchors=_locate(r, lines),
            )
            for r in tei.references
        ],
    )
