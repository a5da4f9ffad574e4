"""grobid_alignment: GROBID TEI from the corpus parsed and aligned; the embedded extractor."""

import pytest

from pdfpipe_assets.contracts import OcrSpine, Scholarly
from pdfpipe_assets.engines.tei import parse_coords, parse_tei
from pdfpipe_assets.engines.tei_alignment import align_tei
from pdfpipe_assets.stages import SCHOLARLY, SPINE, run_renders, run_scholarly, run_source, run_spine
from pdfpipe_assets.text import norm

from .conftest import corpus, register

pytestmark = pytest.mark.corpus  # reads PDFs from the test corpus


def _spine(ws, name):
    (key,) = register(ws, name)
    for stage in (run_source, run_renders, run_spine):
        stage(ws, key)
    return key, ws.read(key, SPINE, OcrSpine)


@pytest.mark.parametrize(
    "tei, title, authors",
    [
        (
            "0807.3577.grobid-header.tei.xml",
            "Apparent and average accelerations of the Universe",
            ["Krzysztof Bolejko", "Lars Andersson"],
        ),
        (
            "submission_363.grobid-header.tei.xml",
            "COHERENCE PROPERTIES OF QUANTUM DOT RESONANCE FLUORESCENCE",
            ["Clemens Matthiesen", "Peter Humphreys", "Nick Vamivakas", "M. Atatüre"],
        ),
        (
            "MullenJSSv18i03.grobid-header.tei.xml",
            "TIMP: An R Package for Modeling Multi-way Spectroscopic Measurements",
            ["Katharine M. Mullen", "Ivo H. M. van Stokkum"],
        ),
    ],
)
def test_grobid_training_tei_headers_parse(tei, title, authors):
    doc = parse_tei(corpus(tei).read_bytes())
    assert doc.title.text == title
    assert [a.text for a in doc.authors] == authors


def test_grobid_tei_references_and_headings_parse():
    refs = parse_tei(corpus("submission_363.grobid-refseg.tei.xml").read_bytes()).references
    assert [r.extra["label"] for r in refs] == ["[1]", "[2]", "[3]", "[4]"]
    assert refs[2].text.startswith("A. N. Vamivakas et al., Nature, 467 (2010)")
    heads = parse_tei(corpus("0807.3577.grobid-fulltext.tei.xml").read_bytes()).headings
    assert heads[0].text == "1. Introduction" and len(heads) == 6


def test_server_tei_coordinates_parse():
    anchors = parse_coords("1,72.5,100.0,200.0,12.0;2,300,50,10,10")
    assert [(a.page, a.bbox.x0, a.bbox.y1) for a in anchors] == [(1, 72.5, 112.0), (2, 300.0, 60.0)]


def test_tei_aligns_to_spine_lines_by_text(workspace):
    _, spine = _spine(workspace, "submission_363.pdf")
    header = parse_tei(corpus("submission_363.grobid-header.tei.xml").read_bytes())
    header.references = parse_tei(corpus("submission_363.grobid-refseg.tei.xml").read_bytes()).references
    aligned = align_tei(header, spine)
    assert aligned.producer == "grobid"
    assert len(aligned.title.anchors) == 2  # the title is set on two lines
    assert all(a.page == 1 and a.bbox.y1 < 130 for a in aligned.title.anchors)
    assert len(aligned.references) == 4 and all(len(r.anchors) == 1 for r in aligned.references)
    ys = [r.anchors[0].bbox.y0 for r in aligned.references]
    assert ys == sorted(ys) and ys[0] > 600


def test_tei_coords_snap_to_spine_lines(workspace):
    _, spine = _spine(workspace, "submission_363.pdf")
    first = spine.pages[0].lines[0]
    b = first.bbox
    xml = (
        '<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader><fileDesc><titleStmt>'
        f'<title level="a" type="main" coords="1,{b.x0 - 2},{b.y0 - 1},{b.width + 4},{b.height + 2}">'
        f"{first.text}</title></titleStmt></fileDesc></teiHeader></TEI>"
    )
    aligned = align_tei(parse_tei(xml), spine)
    assert aligned.title.anchors[0].bbox == first.bbox


def test_embedded_extractor_without_grobid(workspace):
    key, spine = _spine(workspace, "submission_363.pdf")
    meta = run_scholarly(workspace, key).metadata
    result = workspace.read(key, SCHOLARLY, Scholarly)
    assert result.producer == "embedded" and meta["producer"] == "embedded"
    truth = parse_tei(corpus("submission_363.grobid-header.tei.xml").read_bytes())
    assert norm(result.title.text) == norm(truth.title.text)
    assert [a.name for a in result.authors] == [a.text for a in truth.authors]
    assert [r.label for r in result.references] == ["[1]", "[2]", "[3]", "[4]"]
    assert result.references[0].year == "2010"
    assert all(r.anchors and r.anchors[0].page == 1 for r in result.references)


def test_reference_fields_citations_and_captions(workspace):
    key, _ = _spine(workspace, "submission_363.pdf")
    run_scholarly(workspace, key)
    result = workspace.read(key, SCHOLARLY, Scholarly)
    first = result.references[0]
    assert first.authors and first.year == "2010"  # refextract split the reference into fields
    assert {a.affiliation for a in result.authors} == {
        "1 Cavendish Laboratory, University of Cambridge, JJ Thomson Ave, Cambridge CB30HE, UK"
    }
    assert result.citations, "the extended abstract cites [1]..[4] in its text"
    for citation in result.citations:
        assert citation.references and all(0 <= i < len(result.references) for i in citation.references)
        assert citation.page == 1 and citation.bbox.width > 0
    cited = {i for c in result.citations for i in c.references}
    assert cited == {0, 1, 2, 3}
    assert any(c.kind == "figure" and c.label.lower().startswith("fig") for c in result.captions)


def test_affiliations_under_each_author_column(workspace):
    key, _ = _spine(workspace, "test_Grobid_1_05452615.pdf")
    run_scholarly(workspace, key)
    result = workspace.read(key, SCHOLARLY, Scholarly)
    assert [a.name for a in result.authors] == ["Muhammad Atif Iqbal", "Athar Mohsin Zaidi", "Dr. Saeed Murtaza"]
    assert all(a.affiliation == "Department of computer Sciences, NUST, Pakistan" for a in result.authors)
    labels = [(c.kind, c.label) for c in result.captions]
    assert ("table", "Table 2") in labels and ("figure", "Figure 6") in labels
    assert all(c.text.startswith(c.label) for c in result.captions)


def test_section_hierarchy_from_heading_numbers():
    from pdfpipe_assets.contracts import Heading
    from pdfpipe_assets.fusion.scholarly import nest_headings

    heads = nest_headings(
        [
            Heading(text="1 Intro", level=1),
            Heading(text="2 Method", level=1),
            Heading(text="2.1 Data", level=2),
            Heading(text="2.1.1 Scans", level=3),
            Heading(text="2.2 Model", level=2),
            Heading(text="3 Results", level=1),
        ]
    )
    assert [h.parent for h in heads] == [None, None, 1, 2, 1, None]


def test_author_year_citations_link_to_their_reference(workspace):
    key, _ = _spine(workspace, "MullenJSSv18i03.pdf")
    run_scholarly(workspace, key)
    result = workspace.read(key, SCHOLARLY, Scholarly)
    # 17 entries set with a hanging indent, and nothing of the appendix that follows them
    assert len(result.references) == 17 and all(r.label is None for r in result.references)
    assert (
        result.references[0].text.startswith("Bates DM, DebRoy S (2003)") and "In K Hornik" in result.references[0].text
    )
    assert not any("appendix" in r.text.lower() for r in result.references)
    linked = {c.marker: [result.references[i].text for i in c.references] for c in result.citations}
    assert any(
        m.endswith("Lozier (2002)") and t[0].startswith("van Stokkum IHM, Lozier RH (2002)") for m, t in linked.items()
    )
    assert not any(m.startswith("[") for m in linked)  # '[1]' in R output is not a citation here


def test_numbered_references_heading_is_found(workspace):
    key, _ = _spine(workspace, "test_Grobid_1_05452615.pdf")  # its list is headed 'VII. REFERENCES'
    run_scholarly(workspace, key)
    result = workspace.read(key, SCHOLARLY, Scholarly)
    assert len(result.references) >= 20 and result.references[0].label == "[1]"
    assert result.references[0].text.startswith("Karlsson L, Dahlstedt G")
    assert any(c.marker == "[1]" and c.references == [0] for c in result.citations)
