"""layout_tables: labelled regions; PyMuPDF's finder, cell text taken from words (Table.extract() mangles numbers)."""

import pytest

from pdfpipe_assets.contracts import LayoutOutput
from pdfpipe_assets.profiles import Profile
from pdfpipe_assets.stages import LAYOUT, run_layout, run_renders, run_source, run_spine

from .conftest import register

pytestmark = pytest.mark.corpus  # reads PDFs from the test corpus


def _upstream(workspace, key):
    for stage in (run_source, run_renders, run_spine):
        stage(workspace, key)


def test_ruled_table_cells_keep_their_numbers(workspace):
    (key,) = register(workspace, "2305.03393v1-pg9.pdf")
    _upstream(workspace, key)
    meta = run_layout(workspace, key).metadata
    (table,) = workspace.read(key, LAYOUT, LayoutOutput).tables
    assert meta["tables"] == 1 and table.page == 1
    texts = [c.text for c in table.cells]
    assert "0.965\n0.969" in texts  # extract() gives "0965\n.\n0969\n."
    assert "OTSL\nHTML" in texts
    assert table.cols == 8 and table.rows >= 6
    assert "0.965" in table.markdown
    teds = next(c for c in table.cells if c.text == "TEDs")
    assert teds.col_span == 3  # the header spans simple / complex / all
    assert all(table.bbox.x0 - 1 <= c.bbox.x0 and c.bbox.x1 <= table.bbox.x1 + 1 for c in table.cells)


def test_table_on_rotated_page_is_in_displayed_space(workspace):
    (key,) = register(workspace, "senate-expenditures.pdf")
    _upstream(workspace, key)
    run_layout(workspace, key)
    tables = workspace.read(key, LAYOUT, LayoutOutput).tables
    assert tables
    assert all(t.bbox.x1 <= 792 and t.bbox.y1 <= 612 and t.bbox.width > t.bbox.height for t in tables)
    assert any("DESCRIPTION" in c.text for t in tables for c in t.cells)


def test_tables_export_html_with_spans(workspace):
    (key,) = register(workspace, "2305.03393v1-pg9.pdf")
    _upstream(workspace, key)
    run_layout(workspace, key)
    (table,) = workspace.read(key, LAYOUT, LayoutOutput).tables
    assert table.html.startswith("<table><tr><th") and table.html.endswith("</table>")
    assert '<th colspan="3">TEDs</th>' in table.html
    assert "<td>0.965<br>0.969</td>" in table.html


def test_borderless_table_found_from_its_layout_region(workspace):
    (key,) = register(workspace, "redp5110_sampled.pdf")
    _upstream(workspace, key)
    run_layout(workspace, key)
    layout = workspace.read(key, LAYOUT, LayoutOutput)
    # page 2 is a table without ruling lines: the line finder alone misses it
    assert any(r.page == 2 and r.label == "table" for r in layout.regions)
    assert any(t.page == 2 and t.rows > 30 for t in layout.tables)


def test_text_features_kind_finds_tables_and_keeps_scans_readable(workspace):
    workspace.profile.engines.layout.features = "text"
    born_digital, scanned = register(workspace, "2305.03393v1-pg9.pdf", "ocr_test.pdf")
    for key in (born_digital, scanned):
        _upstream(workspace, key)
        run_layout(workspace, key)
    digital = workspace.read(born_digital, LAYOUT, LayoutOutput)
    assert digital.engine.startswith("pymupdf-")
    assert len(digital.tables) == 1 and digital.tables[0].cols == 8
    # the text-only model calls a scan one picture; scanned pages get the full model instead
    labels = {r.label for r in workspace.read(scanned, LAYOUT, LayoutOutput).regions}
    assert "text" in labels or "section-header" in labels


def test_unknown_layout_kind_is_a_clear_error():
    known = "pymupdf, vlm, docling, mineru, surya"
    with pytest.raises(ValueError, match=f"unknown layout engine kind 'layoutlm'; known kinds: {known}"):
        Profile.model_validate(
            {"name": "x", "pools": {"cpu": 1, "ocr": 1}, "engines": {"layout": {"kind": "layoutlm"}}}
        )
