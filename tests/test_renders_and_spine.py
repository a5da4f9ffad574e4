"""page_renders and ocr_spine on born-digital, scanned and rotated pages."""

import json

import pytest

from benchmarks.small_pages import scan_without_layer
from pdfpipe_assets.contracts import FusedDocument, OcrSpine, RenderManifest
from pdfpipe_assets.engines.base import PageInput
from pdfpipe_assets.engines.ocr_rapid import RapidOcr, RapidOcrOptions
from pdfpipe_assets.engines.pymupdf_render import PyMuPDFRenderOptions, page_dpi
from pdfpipe_assets.stages import (
    FUSED,
    RENDERS,
    SPINE,
    geometry_problems,
    run_fuse,
    run_layout,
    run_renders,
    run_scholarly,
    run_source,
    run_spine,
)

from .conftest import corpus, recall, register

pytestmark = pytest.mark.corpus  # reads PDFs from the test corpus

GROUND_TRUTH = corpus("ocr_test.docling-tesseract.md").read_text()


def _process(ws, name):
    (key,) = register(ws, name)
    run_source(ws, key)
    run_renders(ws, key)
    meta = run_spine(ws, key).metadata
    return key, meta, ws.read(key, RENDERS, RenderManifest), ws.read(key, SPINE, OcrSpine)


def _text(spine: OcrSpine) -> str:
    return "\n".join(line.text for _, line in spine.all_lines())


def _inside_page(spine: OcrSpine) -> bool:
    return all(
        -1 <= ln.bbox.x0 < ln.bbox.x1 <= p.width + 1 and -1 <= ln.bbox.y0 < ln.bbox.y1 <= p.height + 1
        for p in spine.pages
        for ln in p.lines
    )


def test_born_digital_two_column_paper_uses_the_text_layer(workspace):
    key, meta, renders, spine = _process(workspace, "grobid_sample.pdf")
    assert meta["text_layer_pages"] == 8 and meta["ocr_pages"] == 0
    assert {p.source for p in spine.pages} == {"text_layer"}
    assert all("text layer:" in p.reason for p in spine.pages)
    assert len(renders.pages) == 8 and all(r.dpi == 150 for r in renders.pages)
    png = workspace.settings.stage_dir(key, RENDERS) / renders.pages[0].file
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert meta["words"] > 3000
    assert _inside_page(spine)
    assert geometry_problems(workspace, key) == []


def test_scanned_page_is_ocred_with_tesseract(workspace):
    key, meta, _, spine = _process(workspace, "ocr_test.pdf")
    (page,) = spine.pages
    assert page.source == "ocr" and "text layer has 0 characters" in page.reason
    assert {ln.source for ln in page.lines} == {"ocr:tesseract"}
    assert recall(GROUND_TRUTH, _text(spine)) >= 0.9
    assert all(0 < w.confidence <= 1 for ln in page.lines for w in ln.words)
    assert _inside_page(spine)


@pytest.mark.parametrize("name, rotation", [("ocr_test_rotated_90.pdf", 270), ("ocr_test_rotated_270.pdf", 90)])
def test_rotated_scan_is_turned_upright_before_ocr(workspace, name, rotation):
    key, meta, renders, spine = _process(workspace, name)
    (page,) = spine.pages
    (render,) = renders.pages
    assert render.rotation == page.rotation == rotation
    assert (render.width_px > render.height_px) and (page.width > page.height)  # landscape everywhere
    assert page.ocr_orientation in (90, 270)
    assert recall(GROUND_TRUTH, _text(spine)) >= 0.9
    assert _inside_page(spine)
    assert all(ln.bbox.height > ln.bbox.width for ln in page.lines if len(ln.text) > 10)  # vertical text
    assert geometry_problems(workspace, key) == []


def test_rotated_born_digital_page_has_boxes_in_displayed_space(workspace):
    key, meta, renders, spine = _process(workspace, "senate-expenditures.pdf")
    (page,) = spine.pages
    assert page.rotation == 90 and page.width == 792 and page.height == 612
    assert renders.pages[0].width_px > renders.pages[0].height_px
    assert _inside_page(spine)
    header = next(ln for ln in page.lines if ln.text.startswith("DOCUMENT"))
    assert header.bbox.width > header.bbox.height  # horizontal, as the reader sees it


def test_geometry_check_catches_a_portrait_landscape_mix_up(workspace):
    key, _, renders, _ = _process(workspace, "senate-expenditures.pdf")
    path = workspace.path(key, RENDERS)
    data = json.loads(path.read_text())
    page = data["pages"][0]
    page["width_px"], page["height_px"] = page["height_px"], page["width_px"]
    page["width_pt"], page["height_pt"] = page["height_pt"], page["width_pt"]
    path.write_text(json.dumps(data))
    problems = geometry_problems(workspace, key)
    assert any("render 612.0x792.0pt" in p for p in problems), problems
    spine_path = workspace.path(key, SPINE)  # the check reads the spine's geometry only
    spine = json.loads(spine_path.read_text())
    spine["pages"][0]["rotation"] = (spine["pages"][0]["rotation"] + 90) % 360
    spine_path.write_text(json.dumps(spine))
    assert any("rotations differ" in p for p in geometry_problems(workspace, key))


def test_rapidocr_reads_the_scan_without_tesseract(workspace):
    (key,) = register(workspace, "ocr_test.pdf")
    run_source(workspace, key)
    renders = run_renders(workspace, key) and workspace.read(key, RENDERS, RenderManifest)
    png = workspace.settings.stage_dir(key, RENDERS) / renders.pages[0].file
    (page,) = RapidOcr(RapidOcrOptions()).recognize([PageInput(png.parent / "x.pdf", 1, png, renders.pages[0].dpi)])
    text = " ".join(ln.text for ln in page.lines)
    assert recall(GROUND_TRUTH, text) >= 0.9
    assert all(ln.source == "ocr:rapidocr" and ln.words for ln in page.lines)


def test_text_drawn_in_the_images_of_a_sparse_page_is_added_by_ocr(workspace):
    # test-graphical-text.pdf: a cover whose text layer holds its title only; the logo at the
    # top ('by FutureSkill') is a picture.  (olmOCR-bench page, see the corpus README.)
    key, meta, _, spine = _process(workspace, "test-graphical-text.pdf")
    (page,) = spine.pages
    assert page.source == "text_layer" and "sparse text over images" in page.reason
    layer = [ln.text for ln in page.lines if ln.source == "text_layer"]
    added = [ln for ln in page.lines if ln.source == "ocr:rapidocr"]
    assert "THE POWER OF STORYTELLING" in layer
    assert "by FutureSkill" in [ln.text for ln in added]
    assert meta["image_text_lines"] == len(added)
    # the title, in the layer and in the picture's pixels, is not read twice
    assert not any("STORYTELLING" in ln.text for ln in added)
    assert _inside_page(spine)
    assert spine.image_text_engine and spine.image_text_engine.startswith("rapidocr")
    for stage in (run_layout, run_scholarly, run_fuse):
        stage(workspace, key)
    blocks = workspace.read(key, FUSED, FusedDocument).blocks
    (logo,) = [b for b in blocks if "by FutureSkill" in b.text]
    assert logo.engine == spine.image_text_engine  # the block says which engine read it
    assert any(b.engine == spine.text_engine and "STORYTELLING" in b.text for b in blocks)


def test_a_full_text_page_is_not_ocred_for_its_images():
    from pdfpipe_assets.contracts import SourcePage
    from pdfpipe_assets.fusion.spine import text_in_images

    def page(chars, share):
        return SourcePage(
            number=1, width=612, height=792, rotation=0, has_text_layer=True, text_chars=chars, image_share=share
        )

    assert text_in_images(page(50, 1.0)) and text_in_images(page(199, 0.1))
    assert not text_in_images(page(2000, 1.0))  # a paper page with a figure
    assert not text_in_images(page(50, 0.0))  # a title page drawn with text and rules only


def test_render_dpi_rises_for_small_pages_and_falls_for_huge_ones():
    options = PyMuPDFRenderOptions()
    assert page_dpi(612, 792, options) == 150  # US Letter
    assert page_dpi(595, 842, options) == 150  # A4 is larger
    assert page_dpi(420, 595, options) == 208  # A5: the pixels of a Letter page
    assert page_dpi(180, 300, options) == 449  # a pocket book
    assert page_dpi(100, 50, options) == 600  # a stamp: at most 4 times
    assert page_dpi(14400, 14400, options) < 150  # a pixel bomb
    assert page_dpi(180, 300, PyMuPDFRenderOptions(min_page_area=0)) == 150
    assert page_dpi(180, 300, PyMuPDFRenderOptions(dpi=300)) == 898  # relative to the profile's dpi


def test_a_small_scan_is_ocred_at_the_pixels_of_a_letter_page(workspace, tmp_path):
    # small_page_size.pdf (olmOCR-bench): a 180 x 300 pt book page, scanned at about 600 dpi.
    # The same scan without its OCR layer (its pixels at 600 dpi): at 150 dpi its letters are
    # 4 pixels high.
    path = tmp_path / "small_scan.pdf"
    scan_without_layer(corpus("small_page_size.pdf")).save(path)
    (key,) = [entry.key for entry, _ in workspace.registry.register([path])]
    run_source(workspace, key)
    run_renders(workspace, key)
    run_spine(workspace, key)
    (render,) = workspace.read(key, RENDERS, RenderManifest).pages
    (spine_page,) = workspace.read(key, SPINE, OcrSpine).pages
    assert render.dpi == 449 and spine_page.source == "ocr"
    text = " ".join(ln.text for ln in spine_page.lines)
    # the page's opening sentence, as the olmOCR-bench test has it
    expected = "the turnip crop has been, in many instances, ten-fold, and in few less than four or five-fold"
    assert recall(expected, text) >= 0.9, text[:400]
    assert _inside_page(workspace.read(key, SPINE, OcrSpine))
