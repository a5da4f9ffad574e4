"""Scholarly structure rules of the embedded extractor and of fusion, on synthetic spines and
on the corpus pages that show each fault."""

import pytest

from pdfpipe_assets.contracts import BBox, FusedDocument, Line, OcrSpine, SpinePage
from pdfpipe_assets.engines.scholarly_embedded_rules import extract_embedded
from pdfpipe_assets.fusion.furniture import without_running_furniture
from pdfpipe_assets.stages import FUSED, run_document

from .conftest import register

PROSE = (
    "We study how documents are converted at scale and report what fails when they are, "
    "which engines recover from it, how long each stage takes on a small machine and on a large one, "
    "and which of the rules we propose a reviewer would accept as general."
)


def _line(text, y, block, size=10.0, bold=False, x=50.0):
    box = BBox.of((x, y, x + 5 * len(text), y + size))
    return Line(
        text=text, bbox=box, confidence=1, source="text_layer", block=block, font_size=size, bold=bold, words=[]
    )


def _spine(*pages: list[Line]) -> OcrSpine:
    return OcrSpine(
        text_engine="test",
        ocr_engine="test",
        pages=[
            SpinePage(number=n, width=600, height=800, rotation=0, source="text_layer", reason="t", lines=lines)
            for n, lines in enumerate(pages, start=1)
        ],
    )


def test_abstract_without_the_word_is_the_first_paragraph_after_the_authors():
    spine = _spine(
        [
            _line("A Study of Conversions at Scale", 80, 0, size=18, bold=True),
            _line("Ada Lovelace and Alan Turing", 110, 1),
            _line("Department of Computing, University of Somewhere", 122, 2),
            _line(PROSE[:90], 160, 3),
            _line(PROSE[90:], 172, 3),
            _line("1 Introduction", 220, 4, size=12, bold=True),
            _line("Body text follows here.", 240, 5),
        ]
    )
    found = extract_embedded(spine)
    assert found.abstract is not None and found.abstract.text.startswith("We study how documents")
    assert [h.text for h in found.headings] == ["1 Introduction"]


def test_numbered_list_at_the_end_without_a_heading_is_the_references():
    body = [_line(f"Paragraph line {i} of the body.", 100 + 12 * i, 0) for i in range(20)]
    refs = [
        _line(f"[{i}] A. Author. A title of paper {i}. Journal, 20{10 + i}.", 100 + 14 * i, 10 + i) for i in range(1, 6)
    ]
    found = extract_embedded(_spine(body, refs))
    assert [r.label for r in found.references] == ["[1]", "[2]", "[3]", "[4]", "[5]"]


def test_page_numbers_never_reach_the_scholarly_extractor():
    page = [*[_line(f"[{i}] A. Author. Paper {i}. Journal, 2010.", 100 + 14 * i, i) for i in range(1, 4)]]
    spine = _spine(page + [_line("17", 770, 9, x=295)])
    assert [ln.text for ln in without_running_furniture(spine).pages[0].lines] == [ln.text for ln in page]


@pytest.mark.corpus
def test_numbered_headings_in_body_font_and_no_table_cells_as_headings(workspace):
    (key,) = register(workspace, "test_Grobid_1_05452615.pdf")
    run_document(workspace, key)
    doc = workspace.read(key, FUSED, FusedDocument)
    headings = [(h.number, h.text) for h in doc.scholarly.headings]
    assert headings[:2] == [("I", "I. INTRODUCTION"), ("II", "II. RELATED AREA AND LITERATURE STUDY")]
    assert ("4.1", "4.1. Step 1 (Requirement Initialization)") in headings
    assert not {"Requirement related", "Description", "Total"} & {text for _, text in headings}  # table cells


def test_references_end_where_the_next_section_begins():
    body = [_line(f"Paragraph line {i} of the body.", 100 + 12 * i, 0) for i in range(10)]
    refs = [_line("References", 80, 1, size=12, bold=True)]
    refs += [
        _line(f"[{i}] A. Author. A title of paper {i}. Journal, 20{10 + i}.", 100 + 14 * i, 1 + i) for i in range(1, 4)
    ]
    refs += [_line("Appendix A Proofs", 200, 9, size=12, bold=True), _line("We prove the lemma here.", 220, 10)]
    found = extract_embedded(_spine(body, refs))
    assert [r.label for r in found.references] == ["[1]", "[2]", "[3]"]
    assert "lemma" not in found.references[-1].text and "Appendix" not in found.references[-1].text
    assert "Appendix A Proofs" in [h.text for h in found.headings]
