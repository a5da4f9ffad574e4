"""pdfpipe eval: every ground-truth format scored on what the pipeline produced from real PDFs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pdfpipe_assets.cli import main
from pdfpipe_assets.evaluation.docling_truth import markdown_text
from pdfpipe_assets.evaluation.icdar2013 import load_shapes, relations
from pdfpipe_assets.evaluation.runner import aggregate, evaluate
from pdfpipe_assets.profiles import load_profile
from pdfpipe_assets.settings import Settings
from pdfpipe_assets.stages import Workspace

from .conftest import CORPUS

pytestmark = pytest.mark.corpus  # reads PDFs from the test corpus

FIXTURES = Path(__file__).parent / "data"
FILES = [
    "2305.03393v1-pg9.pdf",
    "2305.03393v1-pg9.docling.json",
    "2305.03393v1-pg9.docling.md",
    "submission_363.pdf",
    "submission_363.grobid-header.tei.xml",
    "submission_363.grobid-refseg.tei.xml",
    "test_Grobid_1_05452615.pdf",
    "test_Grobid_1_05452615.grobid-header.tei.xml",
    "scotus-transcript-p1.pdf",
    "scotus-transcript-p1.pdfplumber-layout.txt",
    "ocr_test_rotated_90.pdf",
    "ocr_test_rotated_90.docling-tesseract.json",
    "multi_page.pdf",
]


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("corpus")
    for name in FILES:
        shutil.copy(CORPUS / name, corpus / name)
    for fixture in FIXTURES.glob("2305.03393v1-pg9.*"):
        shutil.copy(fixture, corpus / fixture.name)
    # a plain-text truth: docling's Markdown of multi_page.pdf without its markup
    (corpus / "multi_page.text.txt").write_text(markdown_text(CORPUS / "multi_page.docling.md"))
    data = tmp_path_factory.mktemp("data")
    results = evaluate(corpus, Workspace(Settings(data), load_profile()))
    return corpus, data, {r.pdf: r for r in results}


def test_docling_text_labels_and_tables(scored):
    s = scored[2]["2305.03393v1-pg9.pdf"].scores
    assert s["text_similarity"] >= 0.95 and s["md_text_similarity"] >= 0.95
    assert s["tables_found"] == s["tables_truth"] == 1
    assert s["table_cell_f1"] >= 0.95
    assert s["label_agreement"] >= 0.8


def test_scanned_page_word_recall(scored):
    result = scored[2]["ocr_test_rotated_90.pdf"]
    assert result.scanned and result.scores["word_recall"] >= 0.97


def test_tei_header_and_references_without_grobid(scored):
    for pdf in ("submission_363.pdf", "test_Grobid_1_05452615.pdf"):
        s = scored[2][pdf].scores
        assert s["title_exact"] == 1.0 and s["authors_exact"] == 1.0, (pdf, s)
    s = scored[2]["submission_363.pdf"].scores
    assert s["references_truth"] == 4 and s["references_matched"] == 1.0


def test_layout_text_lines(scored):
    assert scored[2]["scotus-transcript-p1.pdf"].scores["line_f1"] >= 0.95


def test_plain_text(scored):
    s = scored[2]["multi_page.pdf"].scores
    assert s["word_recall"] >= 0.95 and s["lev_ratio"] >= 0.9


def test_olmocr_bench_rules(scored):
    s = scored[2]["2305.03393v1-pg9.pdf"].scores
    # the fixture's deliberately wrong tests fail, every other one passes
    assert s["olmocr_failed"] == ["math_latex", "order_reversed", "present_fuzzy_too_far", "table_wrong_neighbour"]
    assert s["olmocr_absent"] == 1.0  # the running header is marked furniture, not body text


def test_icdar_detection_and_adjacency(scored):
    s = scored[2]["2305.03393v1-pg9.pdf"].scores
    assert s["icdar_tables_found"] == 1 and s["icdar_detection_f1"] == 1.0
    assert s["icdar_adjacency_f1"] >= 0.9


def test_adjacency_relations_follow_the_grid():
    # a b / c (c spans two columns): a->b right, a->c down, b->c down
    cells = [(0, 0, 0, 0, "a"), (0, 1, 0, 1, "b"), (1, 0, 1, 1, "c")]
    assert set(relations(cells)) == {("a", "b", "right"), ("a", "c", "down"), ("b", "c", "down")}


def test_icdar_shapes_count_from_the_first_index(tmp_path):
    # us-021 to us-040 number rows and columns from 1: a 2 x 2 table there is still 2 x 2
    cell = "<cell start-row='{r}' start-col='{c}'><bounding-box x1='10' y1='10' x2='20' y2='20'/></cell>"
    cells = "".join(cell.format(r=r, c=c) for r in (1, 2) for c in (1, 2))
    path = tmp_path / "t.icdar2013-str.xml"
    path.write_text(f"<document><table><region page='1'>{cells}</region></table></document>")
    assert [(rows, cols) for _, _, rows, cols in load_shapes(path, {1: 100.0})] == [(2, 2)]


def test_aggregate_targets(scored):
    summary = aggregate(list(scored[2].values()))
    assert summary["failed"] == 0
    assert summary["targets"]["title_authors_exact"]["met"]
    assert summary["tables"]["found"] == summary["tables"]["truth"]


def test_eval_command_reads_existing_outputs(scored, capsys):
    corpus, data, _ = scored
    assert main(["eval", "--corpus", str(corpus), "--data", str(data), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["aggregate"]["documents"] == len(scored[2])
    assert {d["pdf"] for d in report["documents"]} == set(scored[2])


def test_tei_fields_match_by_grobid_soft_matching():
    from pdfpipe_assets.evaluation.tei_truth import soft

    # GROBID's annotation splits a subscript from its symbol; the text layer keeps them together
    assert soft("we find that q vol > 0, while") == soft("We find that qvol > 0 while")
    assert soft("we find that q vol > 0") != soft("we find that q val > 0")


def test_issue_14_targets_are_checked_and_a_missing_truth_is_left_out(scored):
    targets = aggregate(list(scored[2].values()))["targets"]
    assert targets["hygiene_replacement_chars"] == {"value": 0, "op": "<=", "target": 0, "met": True}
    assert targets["icdar_detection_f1_pooled"]["met"] and targets["tei_title_authors_abstract_exact"]["met"]
    assert "olmocr_non_math_passed" not in targets  # no recorded olmOCR Markdown here: nothing to hold it to
