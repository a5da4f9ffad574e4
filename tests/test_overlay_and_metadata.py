"""`pdfpipe show KEY --overlay PAGE` and the fused document's per-document metadata."""

import pymupdf
import pytest

from pdfpipe_assets.contracts import FusedDocument
from pdfpipe_assets.overlay import DPI, draw_overlay
from pdfpipe_assets.stages import FUSED, STAGES, run_document

from .conftest import corpus, register

pytestmark = pytest.mark.corpus  # reads PDFs from the test corpus


def test_overlay_draws_the_blocks_on_the_page(workspace, tmp_path):
    (key,) = register(workspace, "multicolumn.pdf")
    run_document(workspace, key)
    doc = workspace.read(key, FUSED, FusedDocument)
    out = draw_overlay(corpus("multicolumn.pdf"), doc, 1, tmp_path / "p1.png")
    drawn = pymupdf.Pixmap(str(out))
    plain = pymupdf.open(corpus("multicolumn.pdf"))[0].get_pixmap(dpi=DPI)
    assert (drawn.width, drawn.height) == (plain.width, plain.height)
    assert drawn.samples != plain.samples  # boxes, numbers and grids were drawn
    with pytest.raises(ValueError, match="page 9 is not in the document"):
        draw_overlay(corpus("multicolumn.pdf"), doc, 9, tmp_path / "p9.png")


def test_fused_metadata_has_title_references_and_a_markdown_preview(workspace):
    (key,) = register(workspace, "submission_363.pdf")
    run_document(workspace, key)
    meta = STAGES[FUSED](workspace, key).metadata
    assert meta["title"].startswith("COHERENCE PROPERTIES") and meta["references"] == 4
    assert meta["preview"].startswith("# COHERENCE PROPERTIES") and len(meta["preview"]) <= 1500
    assert meta["ocr_pages"] == 0 and meta["path"].endswith("document.json")
