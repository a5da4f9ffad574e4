"""fused_document validates against the committed, versioned JSON Schema."""

import json

import jsonschema
import pytest

from pdfpipe_assets.contracts import FusedDocument, LayoutOutput
from pdfpipe_assets.schema import SCHEMA_PATH, current_schema_text
from pdfpipe_assets.stages import FUSED, run_document

from .conftest import register

pytestmark = pytest.mark.corpus  # reads PDFs from the test corpus


def test_committed_schema_matches_the_models():
    assert SCHEMA_PATH.read_text() == current_schema_text(), "run 'pdfpipe schema' and commit the file"


def test_fused_document_of_a_two_column_paper(workspace):
    (key,) = register(workspace, "multicolumn.pdf")
    run_document(workspace, key)
    raw = json.loads(workspace.path(key, FUSED).read_text())
    jsonschema.validate(raw, json.loads(SCHEMA_PATH.read_text()))
    doc = FusedDocument.model_validate(raw)
    assert doc.schema_version == "1.3.0"
    assert [b.index for b in doc.blocks] == list(range(len(doc.blocks)))
    page1 = [b for b in doc.blocks if b.page == 1]
    assert page1[0].kind == "title" and page1[0].text == "Two-Column Document with Lorem Ipsum"
    left = [b for b in page1 if b.bbox.x1 < 305 and b.bbox.y0 > 240]
    right = [b for b in page1 if b.bbox.x0 > 305 and b.bbox.y0 > 240]
    assert left and right and max(b.index for b in left) < min(b.index for b in right)  # column by column
    assert {s.stage for s in doc.provenance.stages} == {
        "source_pdf",
        "page_renders",
        "ocr_spine",
        "layout_tables",
        "grobid_alignment",
        "fused_document",
    }
    assert all(s.engine and s.engine_version and s.seconds is not None for s in doc.provenance.stages)
    assert any(b.kind == "table" and "Population" in b.text for b in doc.blocks)


def test_layout_labels_furniture_and_reading_order(workspace):
    (key,) = register(workspace, "test_Grobid_1_05452615.pdf")
    run_document(workspace, key)
    doc = FusedDocument.model_validate_json(workspace.path(key, FUSED).read_text())
    page1 = [b for b in doc.blocks if b.page == 1]
    header = page1[0]
    assert header.kind == "page_header" and header.furniture and "International Conference" in header.text
    assert header.text not in doc.body_text()  # running header marked, not mixed into the body
    assert page1[1].kind == "title" and page1[1].layout_label == "title"
    assert {b.layout_label for b in doc.blocks} >= {"title", "section-header", "text", "table", "page-footer"}
    assert any(b.kind == "caption" and b.text.startswith("Table") for b in doc.blocks)
    # two columns: the left column's paragraphs come before the right column's on page 2
    page2 = [b for b in doc.blocks if b.page == 2 and not b.furniture]
    left = [b.index for b in page2 if b.bbox.x1 < 306]
    right = [b.index for b in page2 if b.bbox.x0 > 306]
    assert left and right and max(left) < min(right)


def test_scanned_page_gets_layout_from_its_ocr_words(workspace):
    (key,) = register(workspace, "ocr_test.pdf")
    run_document(workspace, key)
    layout = workspace.read(key, "layout_tables", LayoutOutput)
    assert layout.regions and all(r.page == 1 for r in layout.regions)
    doc = FusedDocument.model_validate_json(workspace.path(key, FUSED).read_text())
    assert all(b.layout_label for b in doc.blocks)  # every OCR line sits in a labelled region
