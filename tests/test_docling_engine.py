"""``kind: docling`` on docling's real outputs in the corpus (``*.docling.json``, loaded with
docling-core).  docling itself (torch, torchvision, Hub weights) cannot run here: the pipeline
test replaces only its conversion call with the recorded DoclingDocument of the same PDF."""

from __future__ import annotations

import shutil

import pymupdf
import pytest

from pdfpipe_assets.engines.base import PageInput
from pdfpipe_assets.engines.docling_mapping import docling_readings
from pdfpipe_assets.engines.docling_pages import DoclingOptions, DoclingPages
from pdfpipe_assets.engines.registry import check_available
from pdfpipe_assets.engines.vlm_alignment import tokens
from pdfpipe_assets.errors import EngineUnavailable
from pdfpipe_assets.evaluation.runner import evaluate
from pdfpipe_assets.profiles import load_profile
from pdfpipe_assets.settings import Settings
from pdfpipe_assets.stages import Workspace

from .conftest import CORPUS, REPO

pytestmark = pytest.mark.corpus
docling_core = pytest.importorskip("docling_core.types.doc")
BORN_DIGITAL = sorted(
    p for p in CORPUS.glob("*.docling.json") if (CORPUS / p.name.replace(".docling.json", ".pdf")).exists()
)


def _recorded(pdf):
    return docling_core.DoclingDocument.load_from_json(CORPUS / (pdf.stem + ".docling.json"))


def test_docling_boxes_land_on_pymupdfs_words_of_the_same_text():
    """The mapping turns docling's bottom-left boxes into pdfpipe's top-left page space: a
    region's words, as PyMuPDF's text layer has them, lie inside its box."""
    checked = inside = 0
    for truth in BORN_DIGITAL:
        pdf = CORPUS / truth.name.replace(".docling.json", ".pdf")
        doc = docling_core.DoclingDocument.load_from_json(truth)
        with pymupdf.open(pdf) as src:
            numbers = list(range(1, src.page_count + 1))
            for reading in docling_readings(doc, numbers):
                for region in reading.regions:
                    page = src[region.page - 1]
                    if page.rotation or region.label == "table":
                        continue
                    words = page.get_text("words")
                    on_page = {t for w in words for t in tokens(w[4])}
                    wanted = [t for t in tokens(region.text or "")[:12] if t in on_page]
                    if len(wanted) < 4:
                        continue
                    box = pymupdf.Rect(region.bbox.x0, region.bbox.y0, region.bbox.x1, region.bbox.y1) + (-2, -2, 2, 2)
                    mid = [pymupdf.Point((w[0] + w[2]) / 2, (w[1] + w[3]) / 2) for w in words]
                    within = {t for w, m in zip(words, mid, strict=True) if box.contains(m) for t in tokens(w[4])}
                    checked += 1
                    inside += sum(t in within for t in wanted) >= 0.8 * len(wanted)
    assert checked >= 300 and inside / checked >= 0.98, (inside, checked)


def test_docling_tables_keep_their_shape_spans_and_header():
    doc = _recorded(CORPUS / "2305.03393v1-pg9.pdf")
    (reading,) = docling_readings(doc, [1])
    (table,) = reading.tables
    truth = doc.tables[0].data
    assert (table.rows, table.cols) == (truth.num_rows, truth.num_cols) == (6, 8)
    assert table.header_rows == 2  # docling marks the first two rows as column headers
    spans = {(c.row, c.col): (c.row_span, c.col_span) for c in table.cells}
    assert spans[(0, 0)] == (2, 1)  # '# enc-layers' spans both header rows
    assert [r.label for r in reading.regions].count("table") == 1 and "<table>" in table.html


@pytest.fixture(scope="module")
def fused_with_docling(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("docling-pages")
    for truth in BORN_DIGITAL:
        stem = truth.name.replace(".docling.json", "")
        for suffix in (".pdf", ".docling.json", ".docling.md"):
            if (CORPUS / (stem + suffix)).exists():
                shutil.copy(CORPUS / (stem + suffix), corpus / (stem + suffix))
    yaml = tmp_path_factory.mktemp("profile") / "docling.yaml"  # cpu.yaml's OCR (no CUDA here), docling in the step
    yaml.write_text(
        f"extends: {REPO / 'resources' / 'cpu.yaml'}\npools: {{gpu: 1}}\n"
        "engines:\n  layout: {kind: docling, isolation: none}\n  tables: {kind: docling, isolation: none}\n"
    )
    profile = load_profile(yaml)
    patch = pytest.MonkeyPatch()
    by_bytes = {(CORPUS / t.name.replace(".docling.json", ".pdf")).read_bytes(): t for t in BORN_DIGITAL}
    recorded = lambda self, pages: docling_core.DoclingDocument.load_from_json(by_bytes[pages[0].pdf.read_bytes()])  # noqa: E731
    patch.setattr(DoclingPages, "convert", recorded)
    patch.setattr(DoclingPages, "requires", ("docling_core",))  # docling is not installed; its output is
    try:
        results = evaluate(corpus, Workspace(Settings(tmp_path_factory.mktemp("data")), profile))
    finally:
        patch.undo()
    return {r.pdf: r for r in results}


def test_docling_output_through_fusion_keeps_its_text_order_labels_and_tables(fused_with_docling):
    scores = {pdf: r.scores for pdf, r in fused_with_docling.items()}
    assert len(scores) == len(BORN_DIGITAL) and not [r.error for r in fused_with_docling.values() if r.error]
    for pdf, s in scores.items():
        assert s["text_similarity"] >= 0.99 and s["blocks_matched"] >= 0.99, (pdf, s)  # text in order; boxes
        assert s["label_agreement"] == 1.0, (pdf, s["label_agreement"])
        assert s.get("tables_found", 0) == s.get("tables_truth", 0), pdf
        assert s.get("table_cell_f1", 1.0) == 1.0, (pdf, s["table_cell_f1"])


def test_docling_names_its_extra_and_its_weights():
    with pytest.raises(EngineUnavailable, match=r"pip install 'pdfpipe\[docling\]'"):
        check_available("layout", "docling")  # docling itself is not installed here
    engine = DoclingPages(DoclingOptions(artifacts_path="/nonexistent/docling-models"))
    with pytest.raises(EngineUnavailable, match="docling-tools models download"):
        engine.read_pages([PageInput(CORPUS / "multi_page.pdf", 1)])
