"""Docling ground truth (``DoclingDocument`` JSON 1.x and its Markdown export), and its scores:
reading-order text similarity, block label agreement by box overlap, table detection and cell F1."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..contracts import BBox, FusedDocument
from ..text import norm
from . import metrics
from .views import label_of, reading_text


@dataclass
class TruthItem:
    label: str
    page: int
    bbox: BBox
    text: str
    furniture: bool


@dataclass
class TruthTable:
    page: int
    bbox: BBox
    cells: list[tuple[int, int, str]]  # (start row, start col, text)


@dataclass
class DoclingTruth:
    items: list[TruthItem] = field(default_factory=list)  # body in reading order, then furniture
    tables: list[TruthTable] = field(default_factory=list)

    def body_text(self) -> str:
        return "\n".join(i.text for i in self.items if not i.furniture and i.text)


def _box(prov: dict, heights: dict[int, float]) -> tuple[int, BBox]:
    b, page = prov["bbox"], prov["page_no"]
    if b.get("coord_origin", "TOPLEFT") == "BOTTOMLEFT":
        h = heights[page]
        return page, BBox.of((b["l"], h - b["t"], b["r"], h - b["b"]))
    return page, BBox.of((b["l"], b["t"], b["r"], b["b"]))


def load_docling_json(path: Path) -> DoclingTruth:
    """Walk ``body`` in order (groups recursed, captions of tables and pictures kept, text
    inside pictures skipped, as docling's own Markdown export does), then ``furniture``."""
    doc = json.loads(path.read_text())
    heights = {int(k): v["size"]["height"] for k, v in doc.get("pages", {}).items()}
    truth = DoclingTruth()

    def resolve(ref: str) -> dict:
        _, kind, index = ref.split("/")
        return doc[kind][int(index)]

    def text_item(node: dict, furniture: bool) -> None:
        for prov in node.get("prov", [])[:1]:
            page, bbox = _box(prov, heights)
            truth.items.append(TruthItem(node["label"], page, bbox, node.get("text", ""), furniture))

    def walk(node: dict, furniture: bool) -> None:
        for child in node.get("children", []):
            item = resolve(child["$ref"])
            layer_furniture = furniture or item.get("content_layer") == "furniture"
            ref = child["$ref"]
            if ref.startswith("#/texts/"):
                text_item(item, layer_furniture)
                walk(item, layer_furniture)  # list items may hold nested texts
            elif ref.startswith("#/groups/"):
                walk(item, layer_furniture)
            else:  # tables and pictures: their captions read as text, the rest does not
                if ref.startswith("#/tables/"):
                    _table(item)
                for cap in item.get("captions", []):
                    text_item(resolve(cap["$ref"]), layer_furniture)

    def _table(node: dict) -> None:
        for prov in node.get("prov", [])[:1]:
            page, bbox = _box(prov, heights)
            cells = [
                (c["start_row_offset_idx"], c["start_col_offset_idx"], c.get("text", ""))
                for c in node["data"]["table_cells"]
            ]
            truth.tables.append(TruthTable(page, bbox, cells))

    walk(doc["body"], False)
    walk(doc.get("furniture", {}), True)
    return truth


_MD_TABLE = re.compile(r"^\s*\|.*\|\s*$")


def markdown_text(path: Path) -> str:
    """Docling Markdown without its markup: tables, image placeholders and heading marks dropped."""
    out = []
    for line in path.read_text().splitlines():
        if _MD_TABLE.match(line) or line.strip().startswith("<!--"):
            continue
        line = re.sub(r"^#+\s+|^\s*[-*]\s+", "", line)
        out.append(re.sub(r"(\*\*|__|`)", "", line))
    return "\n".join(out)


def _cell_key(text: str) -> str:
    return norm(text)


def score_docling(truth: DoclingTruth, doc: FusedDocument) -> dict:
    ours = reading_text(doc)
    scores = {
        "text_similarity": metrics.edit_similarity(truth.body_text(), ours),
        "word_recall": metrics.word_recall(truth.body_text(), ours),
    }
    # labels: each ground-truth element matched to one of our blocks on its page by IoU >= 0.5
    matched = agree = 0
    for page in {i.page for i in truth.items}:
        items = [i for i in truth.items if i.page == page and i.text]
        blocks = [b for b in doc.blocks if b.page == page]
        for i, j in metrics.match_boxes([x.bbox for x in items], [b.bbox for b in blocks]):
            matched += 1
            agree += items[i].label == label_of(blocks[j])
    if truth.items:
        scores["blocks_matched"] = matched / len([i for i in truth.items if i.text])
        scores["label_agreement"] = agree / matched if matched else 0.0
    # tables: detection by IoU >= 0.5 on the page, then cell F1 on (row, col, text) and on text
    if truth.tables:
        found, cell_f1, text_f1 = 0, [], []
        for t in truth.tables:
            candidates = [x for x in doc.tables if x.page == t.page]
            pairs = metrics.match_boxes([t.bbox], [x.bbox for x in candidates])
            if not pairs:
                cell_f1.append(0.0)
                text_f1.append(0.0)
                continue
            found += 1
            got = candidates[pairs[0][1]]
            want_cells = Counter((r, c, _cell_key(s)) for r, c, s in t.cells if s.strip())
            got_cells = Counter((c.row, c.col, _cell_key(c.text)) for c in got.cells if c.text.strip())
            cell_f1.append(metrics.f1(want_cells, got_cells)[2])
            text_f1.append(
                metrics.f1(Counter(k[2] for k in want_cells.elements()), Counter(k[2] for k in got_cells.elements()))[2]
            )
        scores |= {
            "tables_truth": len(truth.tables),
            "tables_found": found,
            "table_cell_f1": metrics.mean(cell_f1),
            "table_cell_text_f1": metrics.mean(text_f1),
        }
    return scores


def score_docling_markdown(path: Path, doc: FusedDocument) -> dict:
    truth = markdown_text(path)
    ours = reading_text(doc)
    return {
        "md_text_similarity": metrics.edit_similarity(truth, ours),
        "md_word_recall": metrics.word_recall(truth, ours),
    }
