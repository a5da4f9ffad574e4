"""Parse GROBID TEI: the server's output (namespaced, with ``coords``) and the training
formats in GROBID's own repository (``docTitle``/``docAuthor``/``bibl``)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from ..contracts import Anchor, BBox
from ..text import clean, split_author_line

_AUTHOR_MARKS = re.compile(r"[\d*†‡§¶∗,]+$|^\W+")


@dataclass
class TeiItem:
    text: str
    anchors: list[Anchor] = field(default_factory=list)
    extra: dict = field(default_factory=dict)


@dataclass
class TeiDocument:
    title: TeiItem | None = None
    authors: list[TeiItem] = field(default_factory=list)
    abstract: TeiItem | None = None
    headings: list[TeiItem] = field(default_factory=list)
    references: list[TeiItem] = field(default_factory=list)


def parse_coords(value: str | None) -> list[Anchor]:
    """GROBID ``coords="page,x,y,w,h;..."``: points, origin top-left, pages from 1."""
    anchors = []
    for part in (value or "").split(";"):
        bits = part.split(",")
        if len(bits) < 5:
            continue
        page, x, y, w, h = (float(b) for b in bits[:5])
        anchors.append(Anchor(page=int(page), bbox=BBox.of((x, y, x + w, y + h))))
    return anchors


def _strip_ns(root: ET.Element) -> ET.Element:
    for el in root.iter():
        if isinstance(el.tag, str) and "}" in el.tag:
            el.tag = el.tag.split("}", 1)[1]
    return root


def _first(root: ET.Element, *paths: str) -> ET.Element | None:
    """First match of several paths (an Element with no children is falsy: never use ``or``)."""
    for path in paths:
        found = root.find(path)
        if found is not None:
            return found
    return None


def _text(el: ET.Element | None) -> str:
    return clean("".join(el.itertext())) if el is not None else ""


def _item(el: ET.Element, text: str | None = None) -> TeiItem:
    anchors = parse_coords(el.get("coords"))
    if not anchors:
        for child in el.iter():
            anchors.extend(parse_coords(child.get("coords")))
    return TeiItem(text=text if text is not None else _text(el), anchors=anchors)


def _server_authors(root: ET.Element) -> list[TeiItem]:
    out = []
    analytic = root.find(".//teiHeader//sourceDesc//analytic")
    for author in analytic.findall("author") if analytic is not None else []:
        pers = author.find("persName")
        if pers is None:
            continue
        name = clean(" ".join(_text(p) for p in pers if p.tag in ("forename", "surname")))
        item = _item(pers, name)
        org = author.find(".//affiliation")
        if org is not None:
            item.extra["affiliation"] = clean(", ".join(_text(o) for o in org.findall("orgName")))
        out.append(item)
    return out


def _reference(el: ET.Element) -> TeiItem:
    item = _item(el)
    label = el.find("label")
    if label is not None:
        item.extra["label"] = _text(label)
        item.text = clean(item.text.removeprefix(item.extra["label"]))
    title = _first(el, ".//analytic/title", ".//monogr/title")
    if title is not None:
        item.extra["title"] = _text(title)
    authors = [
        clean(" ".join(_text(p) for p in pers if p.tag in ("forename", "surname")))
        for pers in el.findall(".//analytic/author/persName")
    ]
    item.extra["authors"] = [a for a in authors if a]
    date = el.find(".//imprint/date")
    if date is not None:
        item.extra["year"] = (date.get("when") or _text(date))[:4] or None
    venue = el.find(".//monogr/title")
    if venue is not None and venue is not title:
        item.extra["venue"] = _text(venue)
    doi = el.find(".//idno[@type='DOI']")
    if doi is not None:
        item.extra["doi"] = _text(doi)
    raw = el.find("note[@type='raw_reference']")
    if raw is not None:
        item.text = _text(raw)
    return item


def parse_tei(xml: str | bytes) -> TeiDocument:
    root = _strip_ns(ET.fromstring(xml))
    doc = TeiDocument()
    # title: server output, then the training format
    title = _first(root, ".//teiHeader/fileDesc/titleStmt/title", ".//docTitle/titlePart")
    if title is not None and _text(title):
        doc.title = _item(title)
    doc.authors = _server_authors(root)
    if not doc.authors:
        for el in root.iter("docAuthor"):
            anchors = _item(el).anchors
            doc.authors.extend(TeiItem(text=n, anchors=anchors) for n in split_author_line(_text(el)))
        affiliations = [_text(a) for a in root.iter("affiliation")]
        if affiliations and doc.authors:
            doc.authors[0].extra["affiliations"] = affiliations
    abstract = _first(root, ".//profileDesc/abstract", ".//div[@type='abstract']")
    if abstract is not None and _text(abstract):
        doc.abstract = _item(abstract)
    for head in root.iter("head"):
        text = _text(head)
        if text and head.get("type") != "table":
            item = _item(head)
            item.extra["number"] = head.get("n")
            doc.headings.append(item)
    doc.references = [_reference(el) for el in root.findall(".//listBibl/biblStruct")]
    if not doc.references:
        doc.references = [_reference(el) for el in root.findall(".//listBibl/bibl")]
    return doc
