"""The ``vlm`` engine's parts without the corpus: the answer parser, the alignment, the HTTP
client against a real local server (retries, page failures, pages in flight), the profile."""

from __future__ import annotations

import json

import pymupdf
import pytest

from benchmarks.vlm_replay import ReplayServer, image_digest
from pdfpipe_assets.contracts import BBox, Line, Word
from pdfpipe_assets.engines.base import PageInput
from pdfpipe_assets.engines.vlm import VlmOptions, VlmPages
from pdfpipe_assets.engines.vlm_alignment import align_blocks
from pdfpipe_assets.engines.vlm_client import ChatClient, PageError
from pdfpipe_assets.engines.vlm_markdown import parse_answer
from pdfpipe_assets.errors import DocumentError
from pdfpipe_assets.profiles import load_profile

from .conftest import REPO as PROJECT_ROOT


def test_olmocr_answer_front_matter_headings_items_tables_math():
    answer = (
        "---\nprimary_language: en\nrotation_correction: 0\nis_table: False\n---\n"
        "# 3.4 Exercises\n\nFor the following **exercises**, the functions\nare positions.\n\n"
        "150. \\( s(t) = 2t^3 \\)\n151. A rocket is fired\n   vertically upward.\n\n"
        "- a bullet\n\n$$\nE = mc^2\n$$\n\n"
        "| Earthy matter | 40 |\n| Fatty matter | 20 |\n\n"
        '<table><tr><th>Year</th><th colspan="2">Revenue</th></tr>'
        '<tr><td rowspan="2">2024</td><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>\n'
    )
    parsed = parse_answer(answer)
    assert parsed.front_matter["rotation_correction"] == "0"
    got = [(b.label, b.text[:30]) for b in parsed.blocks]
    assert got[:6] == [
        ("section-header", "3.4 Exercises"),
        ("text", "For the following exercises, t"),
        ("list-item", "150. \\( s(t) = 2t^3 \\)"),
        ("list-item", "151. A rocket is fired vertica"),
        ("list-item", "a bullet"),
        ("formula", "$$\nE = mc^2\n$$"),
    ]
    pipes, html = parsed.blocks[6].grid, parsed.blocks[7].grid
    assert (pipes.rows, pipes.cols, pipes.header_rows) == (2, 2, 0)  # no separator row: no header
    assert (html.rows, html.cols, html.header_rows) == (3, 3, 1)
    spans = {(c.row, c.col): (c.row_span, c.col_span, c.text) for c in html.cells}
    assert spans[(0, 1)] == (1, 2, "Revenue") and spans[(1, 0)] == (2, 1, "2024")
    assert spans[(2, 1)] == (1, 1, "c")  # placed after the rowspan, not under it


def test_html_answer_blocks():
    answer = "<h1>Title</h1><p>First <b>para</b>.</p><ul><li>one</li><li>two</li></ul><math>x^2</math>"
    assert [(b.label, b.text) for b in parse_answer(answer).blocks] == [
        ("section-header", "Title"),
        ("text", "First para."),
        ("list-item", "one"),
        ("list-item", "two"),
        ("formula", "x^2"),
    ]


def _line(text: str, x0: float, y0: float) -> Line:
    words, x = [], x0
    for w in text.split():
        words.append(Word(text=w, bbox=BBox(x0=x, y0=y0, x1=x + 6 * len(w), y1=y0 + 10), confidence=1))
        x += 6 * len(w) + 4
    box = BBox(x0=x0, y0=y0, x1=x - 4, y1=y0 + 10)
    return Line(text=text, bbox=box, confidence=1, source="text_layer", block=0, words=words)


def test_alignment_finds_each_block_where_its_words_are_in_any_order():
    lines = [
        _line("Results of the study", 300, 50),  # right column, first in the spine
        _line("we measured the effect twice", 300, 62),
        _line("Introduction to the problem", 50, 50),
        _line("the problem is hard to solve", 50, 62),
    ]
    blocks = parse_answer(
        "# Introduction to the problem\n\nthe problem is hard to solve\n\n"
        "Results of the study we measured the effect twice\n\n$$\\frac{a}{b}$$"
    ).blocks
    boxes = align_blocks(blocks, lines)
    assert boxes[0] == lines[2].bbox and boxes[1] == lines[3].bbox
    assert boxes[2] == BBox(x0=300, y0=50, x1=lines[1].bbox.x1, y1=72)
    assert boxes[3] is None  # a formula whose words are not on the page stays unaligned


def _png(tmp_path, n: int):
    """A page image of its own (its own digest) per number."""
    doc = pymupdf.open()
    page = doc.new_page(width=200, height=100)
    page.insert_text((20, 50), f"page {n}")
    path = tmp_path / f"p{n}.png"
    page.get_pixmap(dpi=36).save(path)
    return path


def test_client_retries_transient_answers_and_fails_the_rest_fast(tmp_path):
    ok, bad, empty = _png(tmp_path, 1), _png(tmp_path, 2), _png(tmp_path, 3)
    digest = {p: image_digest(p.read_bytes()) for p in (ok, bad, empty)}
    answers = {digest[ok]: "# Hello\n\nworld", digest[empty]: "  \n"}
    with ReplayServer(answers, script={digest[ok]: [503, 429], digest[bad]: [400]}) as server:
        client = ChatClient(server.url, "m", backoff_s=0.01)
        assert client.read_page("read", ok) == "# Hello\n\nworld"
        assert [s for d, s in server.log if d == digest[ok]] == [503, 429, 200]
        with pytest.raises(PageError) as err:
            client.read_page("read", bad)
        assert err.value.error == "engine_error" and [s for d, s in server.log if d == digest[bad]] == [400]
        with pytest.raises(PageError) as err:
            client.read_page("read", empty)
        assert err.value.error == "empty"
    down = ChatClient("http://127.0.0.1:9/v1", "m", tries=2, backoff_s=0.01)
    with pytest.raises(PageError) as err:
        down.read_page("read", ok)
    assert err.value.error == "transient"


def test_engine_keeps_pages_in_flight_and_a_bad_page_fails_alone(tmp_path):
    images = [_png(tmp_path, n) for n in range(1, 7)]
    answers = {image_digest(p.read_bytes()): f"Page text {i}" for i, p in enumerate(images[:5], start=1)}
    pages = [PageInput(tmp_path / "x.pdf", n, image=p, size=(200, 100)) for n, p in enumerate(images, start=1)]
    with ReplayServer(answers, delay_s=0.2) as server:
        engine = VlmPages(VlmOptions(base_url=server.url, concurrency=3, backoff_s=0.01))
        readings = engine.read_pages(pages)
        assert server.max_in_flight == 3
    assert [r.regions[0].text for r in readings[:5]] == [f"Page text {i}" for i in range(1, 6)]
    assert not any(r.regions[0].aligned for r in readings[:5])  # no spine lines given: nothing to align to
    assert readings[5].regions == [] and readings[5].failure.error == "engine_error"
    with ReplayServer({}, script={image_digest(p.read_bytes()): [503] * 9 for p in images}) as server:
        engine = VlmPages(VlmOptions(base_url=server.url, tries=2, backoff_s=0.01))
        with pytest.raises(DocumentError) as err:  # the server is down for every page: retry the document later
            engine.read_pages(pages)
    assert err.value.failure_class == "transient"


def test_gpu_vlm_profile_puts_the_layout_stage_in_the_gpu_pool():
    profile = load_profile(PROJECT_ROOT / "resources" / "gpu-vlm.yaml")
    assert profile.engine("layout").kind == profile.engine("tables").kind == "vlm"
    assert profile.hosting("layout") == ("gpu", "none")
    assert profile.asset_pool("layout_tables") == "gpu" and profile.pools["gpu"] == 4
    assert profile.hosting("ocr") == ("ocr", "spawn") and profile.pools["ocr"] == 4  # OCR as gpu-1x.yaml has it


def test_doctor_says_which_engine_can_run_here(tmp_path, monkeypatch, capsys):
    from pdfpipe_assets.cli import main

    def doctor(profile_text: str) -> tuple[int, dict]:
        path = tmp_path / "profile.yaml"
        path.write_text(profile_text)
        monkeypatch.setenv("PDFPIPE_PROFILE", str(path))
        monkeypatch.setenv("PDFPIPE_DATA", str(tmp_path / "data"))
        code = main(["doctor", "--json"])
        return code, {r["stage"]: r for r in json.loads(capsys.readouterr().out)}

    base = PROJECT_ROOT / "resources"
    with ReplayServer({}) as server:
        code, stages = doctor(
            f'extends: {base}/gpu-vlm.yaml\nengines:\n  layout: {{kind: vlm, base_url: "{server.url}"}}\n'
        )
    assert stages["layout"]["ok"] and "serves 'allenai/olmOCR-2-7B-1025-FP8'" in stages["layout"]["checks"][1]["detail"]
    assert not stages["tables"]["ok"] and code == 1  # tables still point at localhost:8000, where nothing answers
    ocr = {c["what"]: c for c in stages["ocr"]["checks"]}  # RapidOCR on CUDA, with CPU onnxruntime here
    assert not ocr["cuda provider"]["ok"] and "pip install onnxruntime-gpu" in ocr["cuda provider"]["detail"]
    code, stages = doctor(f"extends: {base}/gpu-docling.yaml\n")
    assert code == 1 and "pip install 'pdfpipe[docling]'" in stages["layout"]["checks"][0]["detail"]
    code, stages = doctor(f"extends: {base}/cpu.yaml\n")
    assert code == 0 and all(r["ok"] for r in stages.values())
    assert stages["ocr"]["checks"][1]["what"] == "resolves to"


def test_a_reader_layout_keeps_another_engines_tables_in_place():
    from pdfpipe_assets.contracts import Cell, Region, SpinePage, Table
    from pdfpipe_assets.fusion.read_pages import read_page_blocks

    def box(y0, y1):
        return BBox(x0=50, y0=y0, x1=500, y1=y1)

    regions = [
        Region(page=1, bbox=box(50, 90), label="text", text="Above.", order=0),
        Region(page=1, bbox=box(300, 340), label="text", text="Below.", order=1),
    ]
    cell = Cell(row=0, col=0, bbox=box(120, 200), text="x")
    found = Table(page=1, bbox=box(120, 200), rows=1, cols=1, cells=[cell], markdown="|x|\n|---|")
    page = SpinePage(number=1, width=600, height=800, rotation=0, source="text_layer", reason="", lines=[])
    blocks = read_page_blocks(page, regions, [found], {}, "vlm-1")
    assert [(b.kind, b.text) for b in blocks] == [("text", "Above."), ("table", "|x|\n|---|"), ("text", "Below.")]
    read_table = Region(page=1, bbox=box(118, 202), label="table", text="<table>...</table>", order=2)
    again = read_page_blocks(page, [*regions, read_table], [found], {}, "vlm-1")
    assert [b.kind for b in again] == ["text", "text", "table"]  # the reader read it: not twice


def test_a_page_reader_sees_a_turned_scan_upright_as_the_ocr_did(tmp_path):
    from pdfpipe_assets.contracts import LayoutOutput, OcrSpine, RenderManifest
    from pdfpipe_assets.settings import Settings
    from pdfpipe_assets.stages import LAYOUT, RENDERS, SPINE, Workspace, run_document

    with ReplayServer({}) as server:  # no answer for the page: it fails and gets the fallback layout
        engine = f"{{kind: vlm, base_url: '{server.url}', tries: 1}}"
        yaml = tmp_path / "profile.yaml"
        yaml.write_text(
            f"extends: {PROJECT_ROOT / 'resources' / 'cpu-vlm.yaml'}\nengines: {{layout: {engine}, tables: {engine}}}\n"
        )
        ws = Workspace(Settings(tmp_path / "data"), load_profile(yaml))
        ((entry, _),) = ws.registry.register([PROJECT_ROOT / "samples" / "ocr_test_rotated_90.pdf"])
        run_document(ws, entry.key)
        (sent,) = server.images
    assert ws.read(entry.key, SPINE, OcrSpine).pages[0].ocr_orientation in (90, 270)  # the OCR turned the scan
    render = ws.read(entry.key, RENDERS, RenderManifest).pages[0]
    image = pymupdf.Pixmap(sent)
    assert (image.width, image.height) == (render.height_px, render.width_px)  # and so did the reader's image
    assert ws.read(entry.key, LAYOUT, LayoutOutput).page_failures[0].error == "engine_error"
