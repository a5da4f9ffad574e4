"""Table structure rules, each on a small grid of the kind it was seen on, and the ICDAR 2013
pages that showed them, scored against their ground truth (``engines/pymupdf_tables.py``,
``engines/table_rows.py``, ``engines/table_columns.py``, ``fusion/table_structure.py``)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from pdfpipe_assets.contracts import BBox, Cell, Table
from pdfpipe_assets.engines.pymupdf_tables import spans
from pdfpipe_assets.engines.table_columns import split_packed_columns
from pdfpipe_assets.engines.table_rows import RawCell, TextLine, split_spanning_cells, split_stacked_rows
from pdfpipe_assets.fusion.table_structure import normalize_table

from .conftest import CORPUS


def _table(cells: list[tuple[int, int, str]], spans_: dict | None = None, header_rows: int = 1) -> Table:
    """Cells as (row, col, text); ``spans_`` maps (row, col) to (row_span, col_span)."""
    spans_ = spans_ or {}
    out = []
    for r, c, text in cells:
        rs, cs = spans_.get((r, c), (1, 1))
        out.append(Cell(row=r, col=c, row_span=rs, col_span=cs, bbox=BBox.of((c, r, c + cs, r + rs)), text=text))
    rows = max(c.row + c.row_span for c in out)
    cols = max(c.col + c.col_span for c in out)
    return Table(page=1, bbox=BBox.of((0, 0, cols, rows)), rows=rows, cols=cols, header_rows=header_rows, cells=out)


def _texts(table: Table) -> dict[tuple[int, int], str]:
    return {(c.row, c.col): c.text for c in table.cells if c.text}


def test_a_slot_covered_from_above_is_not_part_of_a_column_span():
    # 'Country' spans two rows at col 0 and an empty frame slot spans two rows at col 2; the
    # '(EURm)' under 'Signed TA' must not also claim col 2
    rows = [
        SimpleNamespace(bbox=(0, 0, 30, 10), cells=[(0, 0, 10, 20), (10, 0, 20, 10), (20, 0, 30, 20)]),
        SimpleNamespace(bbox=(0, 10, 30, 20), cells=[None, (10, 10, 20, 20), None]),
    ]
    assert [(r, c, rs, cs) for r, c, rs, cs, _ in spans(SimpleNamespace(rows=rows))] == [
        (0, 0, 2, 1),
        (0, 1, 1, 1),
        (0, 2, 2, 1),
        (1, 1, 1, 1),
    ]


def test_a_wrapped_header_label_joins_its_first_line_under_a_stub_spanning_both():
    cells = [(0, 0, "FEMIP Country"), (0, 1, "Signed TA"), (1, 1, "(EURm)"), (2, 0, "Algeria"), (2, 1, "6.19")]
    cells += [(3, 0, "Egypt"), (3, 1, "6.60")]
    table = normalize_table(_table(cells, {(0, 0): (2, 1)}))
    assert (table.rows, table.cols, table.header_rows) == (3, 2, 1)
    assert _texts(table)[(0, 1)] == "Signed TA\n(EURm)"


def test_a_group_header_over_its_column_titles_stays_two_rows():
    cells = [(0, 0, "Substance"), (0, 1, "Frequency"), (1, 1, "Last month"), (1, 2, "Last year")]
    cells += [(2, 0, "Cannabis"), (2, 1, "9.6%"), (2, 2, "4.0%")]
    table = normalize_table(_table(cells, {(0, 0): (2, 1), (0, 1): (1, 2)}))
    assert (table.rows, table.header_rows) == (3, 2)


def test_a_wrapped_row_label_joins_its_row_when_the_values_span_both_lines():
    cells = [(0, 0, "Substance"), (0, 1, "to air"), (1, 0, "Chlorine and inorganic"), (1, 1, "10 000")]
    cells += [(2, 0, "(as HCl)"), (3, 0, "Halons"), (3, 1, "1")]
    table = normalize_table(_table(cells, {(1, 1): (2, 1)}))
    assert table.rows == 3 and _texts(table)[(1, 0)] == "Chlorine and inorganic\n(as HCl)"


def test_a_label_spanning_rows_groups_them_and_joins_nothing():
    cells = [(0, 0, "Property"), (0, 1, "Type"), (1, 0, "Reliability"), (1, 1, "Test-retest"), (2, 1, "Internal")]
    table = normalize_table(_table(cells, {(1, 0): (2, 1)}))
    assert table.rows == 3 and _texts(table)[(2, 1)] == "Internal"


def test_frame_padding_columns_join_the_column_they_frame():
    # header labels and a total row sit in narrow slots; the body cells span three slots each
    cells = [(0, 1, "Age"), (0, 4, "Enrollment"), (1, 0, "14-17"), (1, 3, "231,000"), (2, 0, "18-19")]
    cells += [(2, 3, "3,769,000"), (3, 1, "Total"), (3, 4, "17,758,000")]
    table = normalize_table(_table(cells, {(1, 0): (1, 3), (1, 3): (1, 3), (2, 0): (1, 3), (2, 3): (1, 3)}))
    assert table.cols == 2
    assert _texts(table) == {
        (0, 0): "Age",
        (0, 1): "Enrollment",
        (1, 0): "14-17",
        (1, 1): "231,000",
        (2, 0): "18-19",
        (2, 1): "3,769,000",
        (3, 0): "Total",
        (3, 1): "17,758,000",
    }


def test_sparse_columns_under_their_own_titles_stay_apart():
    cells = [(0, 0, "Measure"), (0, 1, "Age 4"), (0, 2, "K"), (1, 0, "Color"), (1, 1, "0.16"), (2, 0, "Naming")]
    cells += [(2, 2, "NA")]
    assert normalize_table(_table(cells)).cols == 3


def _raw(row, col, x0, x1, words, col_span=1, y=0.0) -> RawCell:
    """A one-line cell; ``words`` as (x0, x1, text)."""
    return RawCell(row, col, 1, col_span, (x0, y, x1, y + 10), [TextLine(y + 1, y + 9, list(words))] if words else [])


def test_figures_in_a_cell_spanning_columns_are_cut_at_column_wide_gaps():
    header = [_raw(0, c, 100 + 20 * c, 120 + 20 * c, [(102 + 20 * c, 118 + 20 * c, "h")]) for c in range(6)]
    row = _raw(1, 0, 100, 220, [(101, 123, "61,206"), (137, 159, "14,037"), (173, 192, "(22.9)")], 6, y=10)
    cells = split_spanning_cells([*header, row], cols=6, header_rows=1)
    assert sorted((c.col, c.text) for c in cells if c.row == 1 and c.text) == [
        (0, "61,206"),
        (2, "14,037"),
        (4, "(22.9)"),
    ]


def test_a_section_label_set_with_wide_spaces_is_not_cut():
    header = [_raw(0, c, 100 + 40 * c, 140 + 40 * c, [(102 + 40 * c, 130 + 40 * c, "h")]) for c in range(3)]
    label = _raw(1, 0, 100, 220, [(110, 150, "Projected"), (160, 200, "enrollment")], 3, y=10)
    cells = split_spanning_cells([*header, label], cols=3, header_rows=1)
    assert [(c.col, c.col_span, c.text) for c in cells if c.row == 1] == [(0, 3, "Projected enrollment")]


def test_a_two_line_value_beside_a_centred_label_is_not_a_stack_of_rows():
    header = [_raw(0, 0, 0, 50, [(1, 20, "Name")]), _raw(0, 1, 50, 99, [(51, 70, "Value")])]
    label = RawCell(1, 0, 1, 1, (0, 10, 50, 40), [TextLine(20, 28, [(1, 30, "Benzene")])])
    lines = [TextLine(11, 19, [(51, 80, "200 (as")]), TextLine(29, 37, [(51, 75, "BTEX)")])]
    value = RawCell(1, 1, 1, 1, (50, 10, 99, 40), lines)
    other = RawCell(1, 2, 1, 1, (99, 10, 140, 40), [TextLine(li.y0, li.y1, li.words) for li in lines])
    _, rows = split_stacked_rows([*header, label, value, other], rows=2, header_rows=1)
    assert rows == 2


def test_a_column_packing_figures_behind_dot_leaders_is_cut_at_its_gaps():
    def line(r, words):
        return _raw(r, 0, 0, 300, words, y=10 * r)

    title = line(0, [(5, 60, "Proportion"), (100, 112, "1.0"), (150, 162, "1.1")])
    body = [
        line(r, [(5, 25, p), (30, 90, "............"), (100, 120, a), (150, 170, b)])
        for r, (p, a, b) in enumerate([("0.99", "800", "880"), ("0.95", "160", "176"), ("0.90", "80", "88")], 1)
    ]
    note = _raw(0, 1, 300, 400, [(310, 390, "Design effect")])
    cells, cols = split_packed_columns([title, note, *body], cols=2, header_rows=1)
    assert cols == 4
    grid = {(c.row, c.col): c.text for c in cells if c.text}
    assert [grid[(1, c)] for c in range(3)] == ["0.99", "800", "880"]
    assert [grid[(0, c)] for c in range(3)] == ["Proportion", "1.0", "1.1"] and grid[(0, 3)] == "Design effect"


def test_prose_in_a_column_is_never_cut():
    body = [
        _raw(r, 0, 0, 300, [(5, 60, "Tuition"), (66, 120, "costs"), (126, 170, "vary")], y=10 * r) for r in range(4)
    ]
    cells, cols = split_packed_columns(body, cols=1, header_rows=0)
    assert cols == 1 and len(cells) == 4


ICDAR_PAGES = [("eu-001", 1), ("eu-010", 1), ("eu-026", 4), ("us-027", 2), ("us-034", 2)]


@pytest.mark.corpus
@pytest.mark.parametrize(("stem", "page"), ICDAR_PAGES)
def test_icdar_2013_pages_get_the_true_rows_and_columns(stem, page):
    import pymupdf

    from pdfpipe_assets.engines.base import PageInput
    from pdfpipe_assets.engines.registry import make_engine
    from pdfpipe_assets.evaluation import icdar2013, metrics
    from pdfpipe_assets.profiles import load_profile

    pdf = CORPUS / f"{stem}.pdf"
    engine = make_engine("layout", load_profile().engine("layout"))
    tables = [normalize_table(t) for _, found in engine.detect_with_tables([PageInput(pdf, page)]) for t in found]
    heights = {page: pymupdf.open(pdf)[page - 1].rect.height}
    truth = [s for s in icdar2013.load_shapes(CORPUS / f"{stem}.icdar2013-str.xml", heights) if s[0] == page]
    assert truth
    for _, box, rows, cols in truth:
        pairs = metrics.match_boxes([box], [t.bbox for t in tables])
        assert pairs, f"{stem} p{page}: no table over the true one"
        found = tables[pairs[0][1]]
        assert (found.rows, found.cols) == (rows, cols)


def test_a_caption_row_and_note_rows_leave_the_table_and_its_box():
    cells = [(0, 0, "Exhibit 9\nCharacteristics of Types of Assessments"), (1, 0, "Standard"), (1, 1, "General")]
    cells += [(2, 0, "Content"), (2, 1, "Grade level"), (3, 0, "Source: Adapted from NAAC")]
    cells += [(4, 0, "Exhibit reads: Sixty-nine percent agree")]
    table = normalize_table(_table(cells, {(0, 0): (1, 2), (3, 0): (1, 2), (4, 0): (1, 2)}, header_rows=0))
    assert (table.rows, table.cols) == (2, 2)
    assert _texts(table) == {(0, 0): "Standard", (0, 1): "General", (1, 0): "Content", (1, 1): "Grade level"}
    assert (table.bbox.y0, table.bbox.y1) == (1, 3)  # the caption's and notes' lines are outside it now


def test_a_wide_first_row_that_is_no_caption_stays():
    cells = [(0, 0, "Year Ended December 31"), (1, 0, "Revenue"), (1, 1, "178"), (2, 0, "Costs"), (2, 1, "3,423")]
    table = normalize_table(_table(cells, {(0, 0): (1, 2)}))
    assert table.rows == 3


def test_text_in_a_table_region_outside_the_grid_is_its_caption_or_note():
    from pdfpipe_assets.contracts import Region
    from pdfpipe_assets.fusion.fuse import _kind

    region = Region(page=1, bbox=BBox.of((0, 0, 100, 100)), label="table")
    assert _kind("Exhibit 20 Perceived Benefits", region, "text") == "caption"
    assert _kind("Source: NLS-NCLB, Principal Surveys.", region, "text") == "footnote"
    assert _kind("12,345", region, "text") == "table"
