"""The olmOCR-bench test types the corpus's 14 pages do not use (baseline, format, footnote),
scored by the published rules: a held-out set may hold them."""

import pytest

from pdfpipe_assets.evaluation.olmocr_bench import run_test_on

PAGE = "# 2 Methods\n\nWe used **bold claims** and *careful words*.\n\nA result holds.[^3]\n\n[^3]: See the appendix."


def t(kind: str, **fields) -> dict:
    return {"pdf": "x.pdf", "page": 1, "id": "t", "type": kind, **fields}


def test_baseline_wants_text_and_no_runaway_repeats():
    assert run_test_on(t("baseline"), PAGE, [])
    assert not run_test_on(t("baseline"), "  \n\n ", [])  # nothing read
    assert not run_test_on(t("baseline"), "Page one. " + "ha" * 31, [])  # a 2-gram 31 times at the end
    assert run_test_on(t("baseline"), "Page one. " + "ha" * 30, [])
    assert run_test_on(t("baseline", max_repeats=40), "Page one. " + "ha" * 31, [])
    assert not run_test_on(t("baseline"), "Page one 漢字", [])  # CJK where none is expected
    assert run_test_on(t("baseline", check_disallowed_characters=False), "Page one 漢字", [])


def test_a_blank_page_baseline_counts_letters_and_digits():
    assert run_test_on(t("baseline", max_length=5), "", [])
    assert run_test_on(t("baseline", max_length=5), "- 12 -", [])
    assert not run_test_on(t("baseline", max_length=5), "Chapter One", [])
    picture = "![a photograph of the river at dusk](page.png)"
    assert not run_test_on(t("baseline", max_length=5), picture, [])
    assert run_test_on(t("baseline", max_length=5, max_length_skips_image_alt_tags=True), picture, [])


@pytest.mark.parametrize(
    "fmt, text, passes",
    [
        ("heading", "2 Methods", True),
        ("heading", "bold claims", False),
        ("bold", "bold claims", True),
        ("italic", "careful words", True),
        ("italic", "bold claims", False),
    ],
)
def test_format_finds_the_text_among_headings_bold_or_italic(fmt, text, passes):
    assert run_test_on(t("format", format=fmt, text=text), PAGE, []) is passes


def test_format_reads_html_too_and_respects_case():
    html = "<h2>Results</h2><p>The <strong>main</strong> and <em>minor</em> effects.</p>"
    assert run_test_on(t("format", format="heading", text="Results"), html, [])
    assert run_test_on(t("format", format="bold", text="main"), html, [])
    assert run_test_on(t("format", format="italic", text="minor"), html, [])
    assert not run_test_on(t("format", format="heading", text="results"), html, [])
    assert run_test_on(t("format", format="heading", text="results", case_sensitive=False), html, [])


def test_footnote_markers_and_their_neighbours():
    assert run_test_on(t("footnote", marker="3"), PAGE, [])
    assert not run_test_on(t("footnote", marker="4"), PAGE, [])
    # '[^3]:' is the footnote's definition, not a marker in the text
    assert not run_test_on(t("footnote", marker="3"), "[^3]: See the appendix.", [])
    assert run_test_on(t("footnote", marker="3", appears_before_marker="A result holds."), PAGE, [])
    assert not run_test_on(t("footnote", marker="3", appears_before_marker="We used"), PAGE, [])
    sup = "Water boils at 100 degrees<sup>2</sup> at sea level. And ice melts³ at zero."
    assert run_test_on(t("footnote", marker="2", appears_after_marker="at sea level"), sup, [])
    assert run_test_on(t("footnote", marker="3", appears_before_marker="ice melts"), sup, [])
    # the text after a marker is looked for in the next 2 x its length of letters and digits
    assert run_test_on(t("footnote", marker="2", appears_after_marker="And ice melts"), sup, [])
    assert not run_test_on(t("footnote", marker="2", appears_after_marker="at zero"), sup, [])
