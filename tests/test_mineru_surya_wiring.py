"""MinerU's and Surya's adapters: wiring only.  Neither engine can run here and no real output of
either is in the corpus, so these tests check the HTTP form, the retries, the unit conversions
and the settings order on inputs written for the test, in the formats read from their source;
they prove nothing about the engines' output."""

from __future__ import annotations

import json
import sys
import threading
import types
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pdfpipe_assets.engines.base import PageInput
from pdfpipe_assets.engines.mineru_client import MinerUOptions, MinerUPages, mineru_readings
from pdfpipe_assets.engines.registry import check_available
from pdfpipe_assets.engines.surya_pages import SuryaOptions, SuryaPages
from pdfpipe_assets.errors import DocumentError, EngineUnavailable

ITEMS = [  # written for this test, in MinerU 3.4's content-list format
    {"type": "text", "text": "1 Introduction", "text_level": 1, "bbox": [100, 50, 500, 70], "page_idx": 0},
    {"type": "text", "text": "Body text.", "bbox": [100, 80, 900, 200], "page_idx": 0},
    {
        "type": "list",
        "sub_type": "ref_text",
        "list_items": ["[1] A.", "[2] B."],
        "bbox": [100, 210, 900, 260],
        "page_idx": 0,
    },
    {
        "type": "table",
        "table_body": "<table><tr><td>a</td><td>b</td></tr></table>",
        "table_caption": ["Table 1. T."],
        "bbox": [100, 300, 900, 400],
        "page_idx": 1,
    },
    {"type": "page_number", "text": "2", "bbox": [480, 960, 520, 980], "page_idx": 1},
]


def test_mineru_content_list_to_regions_in_page_points():
    first, second = mineru_readings(ITEMS, {1: (600.0, 800.0), 2: (600.0, 800.0)})
    assert [(r.label, r.text, r.order) for r in first.regions] == [
        ("section-header", "1 Introduction", 0),
        ("text", "Body text.", 1),
        ("list-item", "[1] A.", 2),
        ("list-item", "[2] B.", 3),
    ]
    assert first.regions[1].bbox.model_dump() == {"x0": 60.0, "y0": 64.0, "x1": 540.0, "y1": 160.0}
    table, caption, number = second.regions
    assert table.label == "table" and second.tables[0].rows == 1 and second.tables[0].cols == 2
    assert caption.label == "caption" and not caption.aligned  # no box of its own in the content list
    assert number.label == "page-footer"


class _Server:
    """Answers /file_parse with the statuses in ``statuses``, then a content list."""

    def __init__(self, statuses: list[int]):
        self.statuses, self.forms = statuses, []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                server.forms.append(body)
                status = server.statuses.pop(0) if server.statuses else 200
                reply = {"results": {"doc": {"content_list": json.dumps(ITEMS)}}} if status == 200 else {}
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"


def test_mineru_client_posts_the_pdf_and_retries_what_is_transient(tmp_path):
    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(b"%PDF-1.7 test")
    pages = [PageInput(pdf, n, size=(600.0, 800.0)) for n in (1, 2)]
    server = _Server([503, 429])
    engine = MinerUPages(MinerUOptions(url=server.url, backoff_s=0.01))
    readings = engine.read_pages(pages)
    assert len(server.forms) == 3 and len(readings[0].regions) == 4
    form = server.forms[-1]
    assert b'name="return_content_list"\r\n\r\ntrue' in form and b'name="backend"\r\n\r\npipeline' in form
    assert b"%PDF-1.7 test" in form
    with pytest.raises(DocumentError) as err:
        MinerUPages(MinerUOptions(url=_Server([400]).url)).read_pages(pages)
    assert err.value.failure_class == "engine_error"
    server.httpd.shutdown()


def test_surya_settings_go_in_before_its_import(monkeypatch):
    options = SuryaOptions(inference_url="http://gpu-node:8001/v1", model_cache_dir="/models/surya")
    env = options.environment()
    assert env["SURYA_INFERENCE_URL"] == "http://gpu-node:8001/v1" and env["SURYA_INFERENCE_AUTOSTART"] == "false"
    assert env["HF_HUB_OFFLINE"] == "1" and env["MODEL_CACHE_DIR"] == "/models/surya"
    stale = types.ModuleType("surya.settings")
    stale.settings = types.SimpleNamespace(SURYA_INFERENCE_URL="http://elsewhere/v1")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "surya.settings", stale)
    with pytest.raises(EngineUnavailable, match="isolation: spawn"):
        SuryaPages(options).predictor()
    with pytest.raises(EngineUnavailable, match=r"pip install 'pdfpipe\[surya\]'"):
        check_available("layout", "surya")


def test_every_page_reader_is_a_layout_and_a_table_engine():
    from pdfpipe_assets.engines.base import PageReadingEngine
    from pdfpipe_assets.engines.registry import engine_class

    for kind in ("vlm", "docling", "mineru", "surya"):
        cls = engine_class("layout", kind)
        assert cls is engine_class("tables", kind) and issubclass(cls, PageReadingEngine), kind


def test_surya_boxes_on_a_turned_scan_come_back_to_the_page(tmp_path):
    from pdfpipe_assets.engines.surya_pages import surya_reading

    block = types.SimpleNamespace(bbox=[0, 0, 10, 20], label="Text", html="<p>Hi</p>", reading_order=0)
    result = types.SimpleNamespace(blocks=[block])
    # a 200 x 100 pt page rendered at 72 dpi, turned a quarter (np.rot90) before Surya read it:
    # the render's pixel (190, 5) sits at (5, 9) in the turned image, inside the block
    page = PageInput(tmp_path / "x.pdf", 1, dpi=72, size=(200.0, 100.0), turned=90)
    (region,) = surya_reading(page, result).regions
    assert region.bbox.model_dump() == {"x0": 180.0, "y0": 0.0, "x1": 200.0, "y1": 10.0} and region.text == "Hi"
