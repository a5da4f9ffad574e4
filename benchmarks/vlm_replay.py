"""A local OpenAI-compatible chat server that replays recorded VLM answers, for the ``vlm``
engine's tests and for trying a VLM profile without a GPU.

It is a real HTTP server on 127.0.0.1.  It finds the page in each request by the SHA-256 of
the page image and answers with the answer recorded for that page (``*.olmocr-pipeline.md``:
the olmOCR pipeline's own output, made by a 7B VLM on a GPU).  An image it has no answer for
gets a 404.  ``script`` makes it answer a page with given HTTP statuses first (503, 429, ...).

    python -m benchmarks.vlm_replay ../shared/corpus      # then PDFPIPE_PROFILE=resources/gpu-vlm.yaml
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from pdfpipe_assets.hosting import EngineHost
from pdfpipe_assets.profiles import Profile, load_profile

RECORDED = ".olmocr-pipeline.md"


def image_digest(png: bytes) -> str:
    return hashlib.sha256(png).hexdigest()


def recorded_answers(folder: Path, profile: Profile) -> dict[str, str]:
    """Image digest of page 1 of each PDF with a recorded answer (rendered by the profile's own
    render engine, as the pipeline renders it) -> that answer."""
    renderer = EngineHost(profile).engine("render")
    answers = {}
    with tempfile.TemporaryDirectory() as tmp:
        for md in sorted(folder.glob(f"*{RECORDED}")):
            pdf = md.with_name(md.name[: -len(RECORDED)] + ".pdf")
            out = Path(tmp) / pdf.stem
            out.mkdir()
            manifest = renderer.render(pdf, out)  # type: ignore[attr-defined]
            answers[image_digest((out / manifest.pages[0].file).read_bytes())] = md.read_text()
    return answers


class ReplayServer:
    """``with ReplayServer(answers) as server:`` ... ``server.url`` is the API root."""

    def __init__(
        self,
        answers: dict[str, str],
        script: dict[str, list[int]] | None = None,
        port: int = 0,
        delay_s: float = 0.0,
        model: str = "allenai/olmOCR-2-7B-1025-FP8",  # the model whose answers were recorded
    ):
        self.answers = answers
        self.model = model
        self.script = {k: list(v) for k, v in (script or {}).items()}
        self.delay_s = delay_s  # per answer: a model's time, so that requests overlap
        self.log: list[tuple[str, int]] = []  # (image digest, status) of every request
        self.images: list[bytes] = []  # every page image received, in order
        self.in_flight = self.max_in_flight = 0
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> ReplayServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def answer(self, body: dict) -> tuple[int, dict]:
        parts = body["messages"][0]["content"]
        url = next(p["image_url"]["url"] for p in parts if p.get("type") == "image_url")
        image = base64.b64decode(url.split(",", 1)[1])
        digest = image_digest(image)
        with self.lock:
            self.images.append(image)
            queued = self.script.get(digest, [])
            status = queued.pop(0) if queued else (200 if digest in self.answers else 404)
            self.log.append((digest, status))
        if status != 200:
            return status, {"error": {"message": f"replay: status {status} for this page", "code": status}}
        text = self.answers[digest]
        return 200, {
            "object": "chat.completion",
            "model": body.get("model"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        }

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server API: the model list, for `pdfpipe doctor`
                status, reply = (200, {"object": "list", "data": [{"id": server.model}]})
                if self.path.rstrip("/") != "/v1/models":
                    status, reply = 404, {"error": {"message": f"replay: no {self.path}"}}
                self._reply(status, reply)

            def do_POST(self):  # noqa: N802 - the http.server API
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                with server.lock:
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                time.sleep(server.delay_s)
                with server.lock:
                    server.in_flight -= 1
                self._reply(*server.answer(body))

            def _reply(self, status: int, reply: dict) -> None:
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if status == 429:
                    self.send_header("Retry-After", "0")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="PDFs with *.olmocr-pipeline.md beside them")
    parser.add_argument("--port", type=int, default=8000, help="gpu-vlm.yaml points at 8000")
    parser.add_argument("--profile", default=None)
    args = parser.parse_args()
    answers = recorded_answers(args.folder, load_profile(args.profile))
    with ReplayServer(answers, port=args.port) as server:
        print(f"replaying {len(answers)} recorded pages at {server.url} (Ctrl-C stops)", flush=True)
        try:
            server.thread.join()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
