"""A scan's OCR layer, checked word by word by two OCR engines (fusion/ocr_layer.py)."""

import pytest

from pdfpipe_assets.contracts import BBox, Line, OcrSpine, SourceInfo, SpinePage, Word
from pdfpipe_assets.fusion.ocr_layer import checked_layer, checked_line, core, is_ocr_layer
from pdfpipe_assets.fusion.spine import covered
from pdfpipe_assets.profiles import load_profile
from pdfpipe_assets.settings import Settings
from pdfpipe_assets.stages import SOURCE, SPINE, Workspace, run_renders, run_source, run_spine
from tests.conftest import register


def _line(*texts: str, y: float = 0, source: str = "text_layer") -> Line:
    words = [Word(text=t, bbox=BBox.of((40 * i, y, 40 * i + 35, y + 10)), confidence=0.9) for i, t in enumerate(texts)]
    return Line(
        text=" ".join(texts),
        bbox=BBox.of((0, y, 40 * len(texts), y + 10)),
        confidence=1.0,
        source=source,
        block=0,
        words=words,
    )


def _vote(layer: Line, *readings: Line, elsewhere: tuple[str, ...] = ()) -> str:
    words = [r.words for r in readings]
    read = {core(w.text).lower() for r in readings for w in r.words} | set(elsewhere)
    return checked_line(layer, words, read)[0].text


def test_two_engines_that_agree_outvote_the_layer_and_its_punctuation_stays():
    layer = _line("four", "or", "live-fold", "its", "bulk.")
    engines = [
        _line("four", "or", "five-fold", "its", "bulk,", source="ocr:a"),
        _line("four", "or", "five-fold", "its", "bulk"),
    ]
    assert _vote(layer, *engines) == "four or five-fold its bulk."
    assert _vote(_line("(Karthv)"), _line("Earthy"), _line("Earthy,")) == "(Earthy)"


def test_the_layer_stays_where_the_engines_disagree_or_one_has_no_word_there():
    layer = _line("four", "or", "live-fold")
    assert _vote(layer, _line("four", "or", "five-fold"), _line("four", "or", "fivc-fold")) == layer.text
    assert _vote(layer, _line("four", "or", "five-fold"), _line("four", "or")) == layer.text


def test_one_upright_reading_is_no_vote():
    page = SpinePage(number=1, width=200, height=20, rotation=0, source="text_layer", reason="", lines=[_line("live")])
    kept = checked_layer(page, [[_line("five")]])
    assert kept.lines == page.lines and "kept as it is" in kept.reason


def test_a_misreading_both_engines_share_does_not_win():
    # old type's e reads as c to both engines: the layer's word is the commoner word
    assert _vote(
        _line("may", "embrace", "every"), _line("may", "embrace", "cvery"), _line("may", "embrace", "cvery")
    ) == ("may embrace every")
    # the engines read the layer's word elsewhere on the page: it is a word they know here
    layer = _line("the", "Wolds")
    assert _vote(layer, _line("the", "Woids"), _line("the", "Woids"), elsewhere=("wolds",)) == layer.text


def test_quotes_are_not_put_to_the_vote():
    layer = _line("pigeons\u2019-dung.")
    assert _vote(layer, _line("pigeons'-dung."), _line("pigeons'-dung")) == layer.text


def test_an_ocr_layer_is_invisible_text_over_a_scan():
    assert is_ocr_layer(text_chars=2860, hidden_chars=2860, image_share=1.0)
    assert not is_ocr_layer(text_chars=2860, hidden_chars=0, image_share=1.0)  # a poster's visible text
    assert not is_ocr_layer(text_chars=2860, hidden_chars=2860, image_share=0.1)  # hidden text, no scan
    assert not is_ocr_layer(text_chars=0, hidden_chars=0, image_share=1.0)


def test_an_ocr_line_over_a_row_of_layer_words_is_covered_by_them_together():
    row = _line("Pick", "Arch", "like", "OLMo")
    over = Line(text="P:ck Arch like OLMo-1B", bbox=row.bbox, confidence=0.9, source="ocr:x", block=0, words=[])
    assert all(over.bbox.overlap_of(w.bbox) < 0.3 for w in row.words)  # no single word covers it
    assert covered(over, [_line(w.text, y=0) for w in row.words]) > 0.8


@pytest.mark.corpus
def test_small_page_size_ocr_layer_misreadings_are_outvoted(workspace):
    # small_page_size.pdf (olmOCR-bench): a Google Books scan with its invisible OCR layer
    (key,) = register(workspace, "small_page_size.pdf")
    run_source(workspace, key)
    (page,) = workspace.read(key, SOURCE, SourceInfo).pages
    assert page.hidden_chars == page.text_chars > 2000
    run_renders(workspace, key)
    run_spine(workspace, key)
    (spine_page,) = workspace.read(key, SPINE, OcrSpine).pages
    text = " ".join(ln.text for ln in spine_page.lines)
    assert spine_page.source == "text_layer" and "OCR layer checked by 2 engines" in spine_page.reason
    assert "four or five-fold its former bulk" in text and "Earthy and saline matter" in text
    assert "live-fold" not in text and "Karthv" not in text
    assert "may embrace every variety" in text and "sooner or later" in text  # the layer's right words stay


@pytest.mark.corpus
def test_a_profile_that_trusts_ocr_layers_keeps_them_as_they_are(tmp_path):
    ws = Workspace(Settings(tmp_path / "data"), load_profile().model_copy(update={"ocr_layers": "trust"}))
    (key,) = register(ws, "small_page_size.pdf")
    for stage in (run_source, run_renders, run_spine):
        stage(ws, key)
    (spine_page,) = ws.read(key, SPINE, OcrSpine).pages
    assert "live-fold" in " ".join(ln.text for ln in spine_page.lines) and "OCR layer" not in spine_page.reason


@pytest.mark.corpus
def test_handwriting_under_an_ocr_layer_is_not_read_twice(workspace):
    # mattsnotes.pdf (olmOCR-bench): handwritten notes with a recogniser's invisible text layer
    (key,) = register(workspace, "mattsnotes.pdf")
    for stage in (run_source, run_renders, run_spine):
        stage(workspace, key)
    spine = workspace.read(key, SPINE, OcrSpine)
    for page in spine.pages:
        layer = [ln for ln in page.lines if ln.source == "text_layer"]
        added = [ln for ln in page.lines if ln.source != "text_layer"]
        assert all(covered(ln, layer) < 0.3 for ln in added), page.reason
    assert sum(ln.source != "text_layer" for p in spine.pages for ln in p.lines) <= 3  # ten before


def test_overlapping_line_crops_are_read_once():
    from pdfpipe_assets.spine_reads import _merged

    def boxes(*tuples):
        return [BBox.of(t) for t in tuples]

    # two padded line boxes that overlap, and one apart from both
    assert _merged(boxes((0, 0, 100, 30), (0, 20, 80, 50), (0, 200, 50, 230))) == boxes(
        (0, 0, 100, 50), (0, 200, 50, 230)
    )
    # a third box that joins two merged ones only once they are merged
    assert _merged(boxes((0, 0, 10, 10), (20, 0, 30, 10), (5, 5, 25, 8))) == boxes((0, 0, 30, 10))
