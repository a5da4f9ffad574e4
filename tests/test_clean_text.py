"""Clean text rules (fusion/clean_text.py), on strings and on corpus pages that show each fault."""

import re

import pytest

from pdfpipe_assets.engines.pymupdf_text import PyMuPDFTextLayer, PyMuPDFTextOptions
from pdfpipe_assets.evaluation.hygiene import hygiene_counts
from pdfpipe_assets.fusion.clean_text import (
    accent_side,
    clean_block_text,
    clean_line_text,
    compose_accents,
    join_lines,
    vocabulary,
)

from .conftest import corpus


def test_spacing_accents_compose_with_their_letter():
    assert compose_accents("J´an Min´aˇc, na¨ıve, Lemaˆıtre") == "Ján Mináč, naïve, Lemaître"
    assert compose_accents("Aviac¸a˜o Ageˆncia", side="after") == "Aviação Agência"
    assert compose_accents("the point ˆP") == "the point P\u0302"  # no precomposed form: combining mark
    assert compose_accents("a ´ alone") == "a ´ alone"


def test_accent_side_is_voted_by_the_unambiguous_accents():
    assert accent_side(["Aviac¸a˜o Civil", "Ageˆncia"]) == "after"
    assert accent_side(["M¨uller and R¨as¨anen"]) == "before"


def test_line_end_hyphenation():
    vocab = vocabulary(["results are irretrievably lost", "a state-of-the-art X-ray", "TraceMonkey runs"])
    joined = join_lines(
        ["were irretrie-", "vably lost in a state-of-", "the-art way; an X-", "ray, Table-", "1"], vocab
    )
    assert joined == "were irretrievably lost in a state-of-the-art way; an X-ray, Table-1"
    assert join_lines(["the Trace-", "Monkey engine"], vocab) == "the TraceMonkey engine"
    assert join_lines(["recog-", "nition"]) == "recognition"
    assert join_lines(["soft\u00ad", "hyphen"]) == "softhyphen"


def test_vocabulary_leaves_out_broken_halves():
    assert vocabulary(["the fea-", "tures are"]) == {"the", "are"}


def test_quotes_and_replacement_characters():
    assert clean_line_text("''quoted'' and ``this''") == '"quoted" and "this"'
    assert clean_line_text("x = '' or f('')") == "x = '' or f('')"  # code's empty strings stay
    assert clean_block_text("x \ufffd\ufffd y") == ("x y", 2)
    # an accent drawn on an unreadable glyph goes with it, not onto the next word
    assert clean_block_text("p(U) = \u02d9\ufffd Vj und") == ("p(U) = Vj und", 1)
    assert clean_block_text("ˆP and \ufffd\u00b4x") == ("ˆP and x", 1)


@pytest.mark.corpus
def test_an_accent_on_an_unmapped_math_glyph_is_dropped_with_it():
    """GeoTopo p. 56 draws a dotted big union (``˙`` on a CMEX glyph the font maps to no
    character): the block text must neither print U+FFFD nor leave the dot on ``Vj``."""
    page = _layer_text("GeoTopo-komprimiert.pdf", 56)[55]
    raw = " ".join(clean_line_text(ln, accent_side(page)) for ln in page)
    assert "\u02d9\ufffd" in raw  # the layer holds the dot on an unreadable glyph
    text, unreadable = clean_block_text(raw)
    assert unreadable >= 1 and "\ufffd" not in text
    assert hygiene_counts(text)["uncombined_accents"] == 0


def _layer_text(name: str, pages: int | None = None) -> list[list[str]]:
    return [[ln.text for ln in page] for page in PyMuPDFTextLayer(PyMuPDFTextOptions()).read(corpus(name))[:pages]]


@pytest.mark.corpus
@pytest.mark.parametrize(
    "name, words",
    [
        ("0807.3577.pdf", ["Mühlenberg", "Lemaître", "Räsänen"]),  # TeX: accent before the letter
        ("federal-register-2020-17221.pdf", ["Aviação", "Agência"]),  # accent after the letter
    ],
)
def test_accents_on_corpus_pages(name, words):
    text = " ".join(clean_line_text(ln, accent_side(page)) for page in _layer_text(name) for ln in page)
    assert all(w in text for w in words)
    assert hygiene_counts(text)["uncombined_accents"] == 0


@pytest.mark.corpus
@pytest.mark.parametrize("name", ["tracemonkey.pdf", "grobid_sample.pdf", "MullenJSSv18i03.pdf"])
def test_hyphen_breaks_on_corpus_papers(name):
    pages = _layer_text(name)
    vocab = vocabulary(ln for page in pages for ln in page)
    raw = " ".join(ln for page in pages for ln in page)
    joined = " ".join(join_lines(page, vocab) for page in pages)
    before, after = hygiene_counts(raw)["hyphen_breaks"], hygiene_counts(joined)["hyphen_breaks"]
    assert before >= 40 and after <= before // 10
    assert not re.search(r"\bstate-of- the-art\b", joined)
