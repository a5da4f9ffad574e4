"""fused_document validates against the committed, versioned JSON Schema."""

import json

import jsonschema

from pdfpipe_assets.contracts import FusedDocument
from pdfpipe_assets.schema import SCHEMA_PATH, current_schema_text
from pdfpipe_assets.stages import FUSED, run_document

from .conftest import register


def test_committed_schema_matches_the_models():
    assert SCHEMA_PATH.read_text() == current_schema_text(), "run 'pdfpipe schema' and commit the file"


def test_fused_document_of_a_two_column_paper(workspace):
    key, = register(workspace, "multicolumn.pdf")
    run_document(workspace, key)
    raw = json.loads(workspace.path(key, FUSED).read_text())
    jsonschema.validate(raw, json.loads(SCHEMA_PATH.read_text()))
    doc = FusedDocument.model_validate(raw)
    assert doc.schema_version == "1.0.0"
    assert [b.index for b in doc.blocks] == list(range(len(doc.blocks)))
    page1 = [b for b in doc.blocks if b.page == 1]
    assert page1[0].kind == "title" and page1[0].text == "Two-Column Document with Lorem Ipsum"
    left = [b for b in page1 if b.bbox.x1 < 305 and b.bbox.y0 > 240]
    right = [b for b in page1 if b.bbox.x0 > 305 and b.bbox.y0 > 240]
    assert left and right and max(b.index for b in left) < min(b.index for b in right)  # column by column
    assert {s.stage for s in doc.provenance.stages} == {
        "source_pdf", "page_renders", "ocr_spine", "layout_tables", "grobid_alignment", "fused_document"
    }
    assert all(s.engine and s.engine_version and s.seconds is not None for s in doc.provenance.stages)
    assert any(b.kind == "table" and "Population" in b.text for b in doc.blocks)
