"""ICDAR 2013 table competition figures for pdfpipe's tables and for each finder alone, scored
by the same code (``pdfpipe_assets.evaluation.icdar2013``) in one run.

    python -m benchmarks.tables_icdar [--corpus DIR] [--only pdfpipe,pymupdf,pdfplumber]

- ``pdfpipe``: the default profile's layout-and-tables engine, with its structure rules;
- ``pymupdf``: ``page.find_tables()`` as it comes, each cell's text from the words inside it;
- ``pdfplumber``: pdfplumber's line-based finder (``tables: {kind: pdfplumber}``), as it comes.

Prints one row per finder: detection F1 (IoU >= 0.5), adjacency-relation F1 pooled over all
tables, and the share of tables whose rows x columns are exact.
"""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter
from functools import cache
from pathlib import Path

from pdfpipe_assets.contracts import BBox, Cell, FusedDocument, Table
from pdfpipe_assets.contracts.fused import FusedPage
from pdfpipe_assets.engines.base import PageInput
from pdfpipe_assets.evaluation.icdar2013 import score_icdar
from pdfpipe_assets.evaluation.metrics import f1_counts
from pdfpipe_assets.settings import PROJECT_ROOT

COUNTS = ("tables_found", "tables_detected", "tables_truth", "relations_correct", "relations_found")
COUNTS += ("relations_truth", "shape_exact", "shape_truth")


@cache
def _layout_engine():
    from pdfpipe_assets.engines.registry import make_engine
    from pdfpipe_assets.profiles import load_profile

    return make_engine("layout", load_profile().engine("layout"))


def _pdfpipe_tables(pdf: Path, pages: list[PageInput]) -> list[Table]:
    from pdfpipe_assets.fusion.table_structure import normalize_table

    return [normalize_table(t) for _, found in _layout_engine().detect_with_tables(pages) for t in found]


def _pymupdf_tables(pdf: Path, pages: list[PageInput]) -> list[Table]:
    import pymupdf

    from pdfpipe_assets.engines.pymupdf_tables import cell_lines, spans

    out = []
    for page in pymupdf.open(pdf):
        words = page.get_text("words")
        for found in page.find_tables().tables:
            cells = [
                Cell(row=r, col=c, row_span=rs, col_span=cs, bbox=BBox.of(box), text=_text(cell_lines(words, box)))
                for r, c, rs, cs, box in spans(found)
            ]
            if cells:
                out.append(
                    Table(
                        page=page.number + 1,
                        bbox=BBox.of(found.bbox),
                        rows=found.row_count,
                        cols=found.col_count,
                        cells=cells,
                    )
                )
    return out


def _text(lines) -> str:
    return "\n".join(line.text for line in lines)


def _pdfplumber_tables(pdf: Path, pages: list[PageInput]) -> list[Table]:
    from pdfpipe_assets.engines.tables_pdfplumber import PdfplumberTables, PdfplumberTablesOptions

    engine = PdfplumberTables(PdfplumberTablesOptions())
    return [t for found in engine.find(pages, [[] for _ in pages]) for t in found]


FINDERS = {"pdfpipe": _pdfpipe_tables, "pymupdf": _pymupdf_tables, "pdfplumber": _pdfplumber_tables}


def _document(pdf: Path, tables: list[Table]) -> FusedDocument:
    import pymupdf

    pages = [
        FusedPage(number=i + 1, width=p.rect.width, height=p.rect.height, rotation=0, text_source="text_layer")
        for i, p in enumerate(pymupdf.open(pdf))
    ]
    return FusedDocument.model_construct(pages=pages, tables=tables)


def score(corpus: Path, finder: str) -> tuple[Counter, float]:
    totals: Counter = Counter()
    started = time.perf_counter()
    for structure in sorted(corpus.glob("*.icdar2013-str.xml")):
        stem = structure.name[: -len(".icdar2013-str.xml")]
        pdf, regions = corpus / f"{stem}.pdf", corpus / f"{stem}.icdar2013-reg.xml"
        empty = _document(pdf, [])  # the pages' sizes, opened once
        pages = [PageInput(pdf, p.number) for p in empty.pages]
        found = empty.model_copy(update={"tables": FINDERS[finder](pdf, pages)})
        scores = score_icdar(regions if regions.exists() else None, structure, found)
        totals.update({k: scores.get(f"icdar_{k}", 0) for k in COUNTS})
    return totals, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = Path(os.environ.get("PDFPIPE_CORPUS", PROJECT_ROOT.parent / "shared" / "corpus"))
    parser.add_argument("--corpus", type=Path, default=default)
    parser.add_argument("--only", default=",".join(FINDERS))
    args = parser.parse_args()
    print("| finder | documents | tables | detection F1 | adjacency F1 | exact shape | seconds |")
    print("|---|---|---|---|---|---|---|")
    for finder in args.only.split(","):
        t, seconds = score(args.corpus, finder)
        documents = len(list(args.corpus.glob("*.icdar2013-str.xml")))
        print(
            f"| {finder} | {documents} | {t['tables_truth']} "
            f"| {f1_counts(t['tables_found'], t['tables_detected'], t['tables_truth'])[2]:.3f} "
            f"| {f1_counts(t['relations_correct'], t['relations_found'], t['relations_truth'])[2]:.3f} "
            f"| {t['shape_exact'] / max(1, t['shape_truth']):.3f} | {seconds:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
