"""Running headers and page numbers found from the text (fusion/furniture.py); table structure
clean-up (fusion/table_structure.py).  The corpus pages they were seen on are scored by
``pdfpipe eval`` (olmOCR-bench absent and table tests, ICDAR 2013 shapes)."""

from pdfpipe_assets.contracts import BBox, Cell, Line, SpinePage, Table
from pdfpipe_assets.fusion.furniture import running_furniture
from pdfpipe_assets.fusion.table_structure import normalize_table


def _line(text: str, x0: float, y0: float, size: float = 10, bold: bool = False) -> Line:
    box = BBox.of((x0, y0, x0 + 6 * len(text), y0 + size))
    return Line(text=text, bbox=box, confidence=1, source="text_layer", block=0, font_size=size, bold=bold, words=[])


def _page(number: int, lines: list[Line]) -> SpinePage:
    return SpinePage(number=number, width=600, height=800, rotation=0, source="text_layer", reason="test", lines=lines)


def _body(y0: float = 100) -> list[Line]:
    return [_line("Body text of the page, set in the body size.", 50, y0 + 14 * i) for i in range(10)]


def test_page_number_rows_are_furniture():
    header = [_line("400", 50, 30, size=9), _line("BRITISH HUSBANDRY.", 150, 30, size=9)]
    footer = _line("- 12 -", 290, 760, size=9)
    found = running_furniture([_page(1, header + _body() + [footer])])
    assert found == {id(header[0]): "page_header", id(header[1]): "page_header", id(footer): "page_footer"}


def test_numbered_heading_at_the_top_is_not_a_header():
    heading = _line("3 Methods", 50, 40, size=14, bold=True)
    assert running_furniture([_page(1, [heading, *_body()])]) == {}


def test_a_row_repeated_on_three_pages_is_a_running_header():
    pages = [_page(n, [_line(f"Journal of Tests, vol. {n}, Fiction", 50, 30), *_body()]) for n in (1, 2, 3)]
    assert sorted(running_furniture(pages).values()) == ["page_header"] * 3
    assert running_furniture(pages[:2]) == {}  # twice is not yet a pattern


def _table(grid: list[list[str]], header_rows: int = 1) -> Table:
    cells = [
        Cell(row=r, col=c, bbox=BBox.of((c * 10, r * 10, c * 10 + 10, r * 10 + 10)), text=text)
        for r, row in enumerate(grid)
        for c, text in enumerate(row)
    ]
    return Table(
        page=1, bbox=BBox.of((0, 0, 100, 100)), rows=len(grid), cols=len(grid[0]), header_rows=header_rows, cells=cells
    )


def test_empty_columns_and_rows_go_and_currency_joins_its_number():
    table = normalize_table(
        _table(
            [
                ["", "", "", "Year Ended", "", ""],
                ["", "", "2025", "", "", "2024"],
                ["", "", "", "", "", ""],
                ["Revenue", "$", "178", "", "$", "141"],
                ["Costs", "", "3,423", "", "", "2,532"],
            ]
        )
    )
    assert (table.rows, table.cols, table.header_rows) == (4, 3, 2)
    texts = {(c.row, c.col): c.text for c in table.cells if c.text}
    assert texts[(2, 1)] == "$178" and texts[(2, 2)] == "$141" and texts[(3, 2)] == "2,532"
    label = next(c for c in table.cells if c.text == "Year Ended")
    assert (label.col, label.col_span) == (1, 2)  # spans both year columns
    assert '<th colspan="2">Year Ended</th>' in table.html


def test_a_clean_table_is_left_as_it_is():
    grid = [["Name", "Value"], ["a", "1"], ["b", "2"]]
    table = normalize_table(_table(grid))
    assert (table.rows, table.cols, table.header_rows) == (3, 2, 1)
    assert {(c.row, c.col): c.text for c in table.cells} == {
        (r, c): t for r, row in enumerate(grid) for c, t in enumerate(row)
    }


def _cell(row, col, box, lines, col_span=1):
    from pdfpipe_assets.engines.table_rows import RawCell, TextLine

    text_lines = [TextLine(y, y + 8, [(x, x + 4 * len(w), w) for x, w in words]) for y, words in lines]
    return RawCell(row, col, 1, col_span, box, text_lines)


def test_a_stacked_body_row_is_cut_at_its_baselines():
    from pdfpipe_assets.engines.table_rows import split_stacked_rows

    header = [_cell(0, 0, (0, 0, 50, 10), [(1, [(1, "State")])]), _cell(0, 1, (50, 0, 99, 10), [(1, [(51, "Count")])])]
    stub = _cell(1, 0, (0, 10, 50, 60), [(12, [(1, "Maine")]), (24, [(1, "Ohio")]), (36, [(1, "Utah")])])
    values = _cell(1, 1, (50, 10, 99, 60), [(12, [(51, "13,278")]), (24, [(51, "58,326")]), (36, [(51, "9")])])
    cells, rows = split_stacked_rows([*header, stub, values], rows=2, header_rows=1)
    assert rows == 4
    assert sorted((c.row, c.col, c.text) for c in cells if c.row > 0) == [
        (1, 0, "Maine"),
        (1, 1, "13,278"),
        (2, 0, "Ohio"),
        (2, 1, "58,326"),
        (3, 0, "Utah"),
        (3, 1, "9"),
    ]


def test_wrapped_prose_in_a_row_stays_one_cell():
    from pdfpipe_assets.engines.table_rows import split_stacked_rows

    a = _cell(0, 0, (0, 0, 50, 40), [(1, [(1, "A policy that")]), (12, [(1, "wraps over lines")])])
    b = _cell(0, 1, (50, 0, 99, 40), [(1, [(51, "Another long")]), (12, [(51, "description")])])
    cells, rows = split_stacked_rows([a, b], rows=1, header_rows=0)
    assert rows == 1 and [c.text for c in cells] == ["A policy that\nwraps over lines", "Another long\ndescription"]


def test_a_body_cell_spanning_ruled_columns_is_cut_per_column():
    from pdfpipe_assets.engines.table_rows import split_spanning_cells

    header = [_cell(0, c, (c * 40, 0, c * 40 + 40, 10), [(1, [(c * 40 + 2, name)])]) for c, name in enumerate("ABC")]
    row = _cell(1, 0, (0, 10, 120, 20), [(11, [(2, "Austria")]), (11, [(42, "86.2")]), (11, [(82, "13.8")])], 3)
    section = _cell(2, 0, (0, 20, 120, 30), [(21, [(2, "Race/Ethnicity")])], 3)
    cells = split_spanning_cells([*header, row, section], cols=3, header_rows=1)
    assert sorted((c.row, c.col, c.col_span, c.text) for c in cells if c.row > 0) == [
        (1, 0, 1, "Austria"),
        (1, 1, 1, "86.2"),
        (1, 2, 1, "13.8"),
        (2, 0, 3, "Race/Ethnicity"),
    ]


def test_a_drop_cap_joins_the_first_line_of_its_paragraph():
    from pdfpipe_assets.fusion.drop_caps import attach_drop_caps

    cap = Line(text="T", bbox=BBox.of((50, 100, 70, 130)), confidence=1, source="text_layer", block=0, words=[])
    first = _line("he first line of the paragraph.", 72, 101)
    rest = [_line("Its second line.", 72, 113), _line("Its third line, under the cap.", 50, 137)]
    lines, joined = attach_drop_caps([*rest, cap, first])
    assert [ln.text for ln in lines] == [
        "Its second line.",
        "Its third line, under the cap.",
        "The first line of the paragraph.",
    ]
    assert joined[0][1] is first and joined[0][0].bbox.x0 == 50
    assert attach_drop_caps(rest) == (rest, [])  # no cap: nothing changes


def test_the_title_is_never_furniture_even_in_a_header_band():
    from pdfpipe_assets.contracts import Region
    from pdfpipe_assets.fusion.fuse import _furniture

    header = Region(page=1, bbox=BBox.of((0, 0, 600, 60)), label="page-header")
    assert _furniture("page_header", header) and _furniture("text", header)
    assert not _furniture("title", header) and not _furniture("author", header)


def test_reading_order_reads_one_column_top_down_and_two_columns_left_first():
    from pdfpipe_assets.fusion.reading_order import reading_order

    one_column = [
        BBox.of((50, 100, 250, 120)),  # a short left-aligned line
        BBox.of((260, 130, 340, 145)),  # a narrow heading, centred (its middle is the page's)
        BBox.of((50, 150, 250, 170)),
    ]
    assert reading_order(one_column, 600) == [0, 1, 2]
    two_columns = [BBox.of((320, 100, 550, 300)), BBox.of((50, 100, 280, 300)), BBox.of((50, 320, 280, 400))]
    assert reading_order(two_columns, 600) == [1, 2, 0]


def test_a_narrow_block_level_with_a_full_width_one_keeps_its_place():
    from pdfpipe_assets.fusion.reading_order import reading_order

    # small_page_size.pdf (a 180 pt wide book page with an OCR layer): the layout model boxed
    # a paragraph's first words as a heading; the paragraph's box starts a point above it.
    # The heading's middle lay below the paragraph's top and above its middle: no band held it,
    # and it was read after the page's footnote.
    page = [
        BBox.of((29, 29, 157, 129)),  # paragraph
        BBox.of((85, 134, 101, 137)),  # 'ANALYSIS.', centred
        BBox.of((33, 138, 94, 143)),  # 'An examination of the component'
        BBox.of((29, 139, 157, 152)),  # 'parts of soils, and of the power of bones ...'
        BBox.of((29, 151, 157, 256)),  # the rest
        BBox.of((73, 258, 109, 262)),  # '* Doncaster Report, p.8.'
    ]
    assert reading_order(page, 180) == [0, 1, 2, 3, 4, 5]
    # one lower down than the middle of a full-width block comes after it
    assert reading_order([BBox.of((29, 139, 157, 152)), BBox.of((33, 147, 94, 153))], 180) == [0, 1]


def test_numbered_sections_set_in_a_grid_read_in_number_order():
    from pdfpipe_assets.fusion.reading_order import follow_numbering, heading_number

    # column by column, a 2 x 2 grid of cards reads title, 1, its text, 3, its text, 2, 4
    texts = ["The 20 Equations", "1. Euler", "text", "3. Calculus", "text", "2. Pythagoras", "text", "4. Maxwell"]
    numbers = [heading_number(t) if t[0].isdigit() else None for t in texts]
    assert follow_numbering(numbers) == [0, 1, 2, 5, 6, 3, 4, 7]
    # in sequence already, too few, or not one run of numbers: left as it is
    assert follow_numbering([None, 1, None, 2, 3]) == [0, 1, 2, 3, 4]
    assert follow_numbering([2, None, 1]) == [0, 1, 2]
    assert follow_numbering([1, 5, 3]) == [0, 1, 2]
    assert heading_number("2 The RTE System") == 2 and heading_number("12) Scope") == 12
    assert heading_number("2024 in review") is None and heading_number("Results") is None


def test_a_block_on_a_footer_row_is_footer_too():
    from pdfpipe_assets.fusion.furniture import furniture_row_mates

    boxes = [
        BBox.of((72, 100, 560, 600)),  # body
        BBox.of((72, 703, 128, 717)),  # 'Revision: 2.4'
        BBox.of((276, 703, 330, 717)),  # 'P/N 119-036': a footer
        BBox.of((468, 703, 551, 717)),  # the date: a footer
    ]
    assert furniture_row_mates(boxes, [False, False, True, True], 792) == {1}
    # a body line on that row with more body below it is not furniture
    body_below = [*boxes, BBox.of((72, 730, 560, 745))]
    assert furniture_row_mates(body_below, [False, False, True, True, False], 792) == set()
    # a slide's footer line over its page number, far below the body (olmOCR-bench's
    # ff1fc6a2..._pg1: 'NETS 2015' 58 pt under the body, 31 pt over the page number)
    slide = [BBox.of((282, 321, 614, 419)), BBox.of((644, 477, 688, 486)), BBox.of((705, 517, 715, 530))]
    assert furniture_row_mates(slide, [False, False, True], 540) == {1}
    # the body's last line in the band, nearer the body than the page number, stays body
    last_line = [BBox.of((72, 100, 560, 690)), BBox.of((72, 700, 300, 712)), BBox.of((300, 740, 312, 752))]
    assert furniture_row_mates(last_line, [False, False, True], 792) == set()
    # nor is a block outside the bands
    assert (
        furniture_row_mates([BBox.of((72, 400, 128, 414)), BBox.of((276, 400, 330, 414))], [False, True], 792) == set()
    )
