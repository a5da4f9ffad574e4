"""The ``vlm`` engine on real model output: the olmOCR pipeline's recorded answers for the 14
olmOCR-bench pages (``*.olmocr-pipeline.md``), served by a local HTTP server that replays them,
through every stage of the pipeline."""

from __future__ import annotations

import shutil

import pymupdf
import pytest

from benchmarks.vlm_replay import RECORDED, ReplayServer, recorded_answers
from pdfpipe_assets.contracts import FusedDocument, LayoutOutput
from pdfpipe_assets.engines.vlm_alignment import tokens
from pdfpipe_assets.evaluation.olmocr_bench import load_tests, markdown_results
from pdfpipe_assets.evaluation.runner import evaluate, totals
from pdfpipe_assets.profiles import load_profile
from pdfpipe_assets.settings import Settings
from pdfpipe_assets.stages import FUSED, LAYOUT, Workspace

from .conftest import CORPUS, REPO

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("olmocr-pages")
    for md in CORPUS.glob(f"*{RECORDED}"):
        stem = md.name[: -len(RECORDED)]
        for suffix in (".pdf", ".olmocr-bench.jsonl", RECORDED):
            shutil.copy(CORPUS / (stem + suffix), corpus / (stem + suffix))
    profile = load_profile(REPO / "resources" / "cpu-vlm.yaml")
    with ReplayServer(recorded_answers(corpus, profile)) as server:
        yaml = corpus.parent / "vlm.yaml"
        engine = f"{{kind: vlm, base_url: '{server.url}'}}"
        yaml.write_text(
            f"extends: {REPO / 'resources' / 'cpu-vlm.yaml'}\nengines: {{layout: {engine}, tables: {engine}}}\n"
        )
        profile = load_profile(yaml)
        ws = Workspace(Settings(tmp_path_factory.mktemp("data")), profile)
        results = evaluate(corpus, ws)
    keys = {e.file_name: e.key for e in ws.registry.all()}
    return corpus, ws, {r.pdf: r for r in results}, keys, server.log


def test_fused_markdown_passes_every_test_the_recorded_markdown_passes(run):
    corpus, _, results, _, _ = run
    assert len(results) == 14 and not [r.error for r in results.values() if r.error]
    for pdf, result in results.items():
        tests = load_tests(corpus / pdf.replace(".pdf", ".olmocr-bench.jsonl"))
        recorded = markdown_results(tests, (corpus / pdf.replace(".pdf", RECORDED)).read_text())
        fused_failed = set(result.scores.get("olmocr_failed", []))
        lost = [t for t, ok in recorded.items() if ok and t in fused_failed]
        assert not lost, (pdf, lost)
    total = totals(list(results.values()))
    assert total["olmocr_passed_non_math"] >= total["olmocr_recorded_passed_non_math"] == 37
    assert total["olmocr_tests_non_math"] == 44


def test_recorded_blocks_get_boxes_around_their_words_in_pymupdfs_text_layer(run):
    """Checked against PyMuPDF's own words, not the spine the alignment used: the words of a
    placed block that the page's text layer has are inside the block's box."""
    corpus, ws, _, keys, _ = run
    placed = text_blocks = checked = inside = 0
    for pdf, key in keys.items():
        doc = ws.read(key, FUSED, FusedDocument)
        with pymupdf.open(corpus / pdf) as src:
            for block in doc.blocks:
                if block.source_stage != "layout_tables" or block.kind == "table":
                    continue
                text_blocks += 1
                placed += block.aligned
                words = src[block.page - 1].get_text("words")
                on_page = {t for w in words for t in tokens(w[4])}
                wanted = [t for t in tokens(block.text)[:12] if t in on_page]
                if not block.aligned or len(wanted) < 4:
                    continue  # too short, or text the layer does not have (read from an image by OCR)
                box = pymupdf.Rect(block.bbox.x0, block.bbox.y0, block.bbox.x1, block.bbox.y1) + (-2, -2, 2, 2)
                within = {
                    t
                    for w in words
                    if box.contains(pymupdf.Point((w[0] + w[2]) / 2, (w[1] + w[3]) / 2))
                    for t in tokens(w[4])
                }
                checked += 1
                inside += sum(t in within for t in wanted) >= 0.8 * len(wanted)
    assert text_blocks >= 100
    assert placed / text_blocks >= 0.9, (placed, text_blocks)
    assert checked >= 80 and inside / checked >= 0.95, (inside, checked)


def test_a_page_the_model_could_not_read_gets_the_fallback_layout(run):
    _, ws, _, keys, log = run
    layout = ws.read(keys["mattsnotes.pdf"], LAYOUT, LayoutOutput)  # 3 pages, an answer recorded for page 1
    assert [(f.page, f.error) for f in layout.page_failures] == [(2, "engine_error"), (3, "engine_error")]
    doc = ws.read(keys["mattsnotes.pdf"], FUSED, FusedDocument)
    assert {b.source_stage for b in doc.blocks if b.page == 1} == {"layout_tables"}  # the model's text
    later = [b for b in doc.blocks if b.page > 1]
    assert later and all(b.source_stage == "ocr_spine" and b.layout_label for b in later)  # PyMuPDF's layout
    assert sorted(status for _, status in log) == [200] * 14 + [404] * 2  # each page asked once


def test_show_lists_the_pages_the_model_could_not_read(run, capsys):
    from pdfpipe_assets.cli_show import _page_failures

    _, ws, _, keys, _ = run
    key = keys["mattsnotes.pdf"]
    _page_failures(ws.settings, key, ws.read(key, FUSED, FusedDocument))
    shown = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0].strip() for line in shown[:2]] == [
        "page 2 not read by the layout engine",
        "page 3 not read by the layout engine",
    ]
    assert "[engine_error]" in shown[0] and "404" in shown[0]
