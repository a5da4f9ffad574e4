"""The GROBID engine against a real local HTTP server: transient 503s are retried in the client,
for the busy document alone; a 503 that persists fails that document as ``transient``.

The server replays a GROBID TEI from the corpus (``*.grobid-header.tei.xml``)."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import pytest
import yaml

from pdfpipe_assets.contracts import Scholarly
from pdfpipe_assets.defs.operations import materialize_documents
from pdfpipe_assets.profiles import Profile

from .conftest import corpus, register

pytestmark = pytest.mark.corpus  # reads PDFs from the test corpus

TEI = corpus("submission_363.grobid-header.tei.xml").read_bytes()


class FakeGrobid(BaseHTTPRequestHandler):
    """503 for the first ``busy`` requests naming ``busy_name``; the TEI otherwise."""

    calls: dict[str, int] = {}
    busy_name = ""
    busy = 0

    def log_message(self, *args) -> None:  # keep the test output quiet
        pass

    def do_GET(self) -> None:  # /api/version
        self._reply(200, b"0.8.2")

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        name = next((n for n in FakeGrobid.calls if n.encode() in body), "?")
        FakeGrobid.calls[name] = FakeGrobid.calls.get(name, 0) + 1
        if name == FakeGrobid.busy_name and FakeGrobid.calls[name] <= FakeGrobid.busy:
            self._reply(503, b"busy")
        else:
            self._reply(200, TEI)

    def _reply(self, code: int, data: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def grobid():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeGrobid)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _use_grobid(workspace, monkeypatch, url: str, keys: list[str], busy_key: str, busy: int) -> None:
    data = workspace.profile.model_dump()
    data["engines"]["scholarly"] = {"kind": "grobid", "url": url, "backoff_s": 0.01}
    profile = workspace.settings.data_dir / "grobid.yaml"
    profile.parent.mkdir(parents=True, exist_ok=True)
    profile.write_text(yaml.safe_dump(Profile.model_validate(data).model_dump(mode="json")))
    monkeypatch.setenv("PDFPIPE_PROFILE", str(profile))
    monkeypatch.setenv("PDFPIPE_DATA", str(workspace.settings.data_dir))
    FakeGrobid.calls = {f"{k}.pdf": 0 for k in keys}  # file names sent in the multipart body
    FakeGrobid.busy_name, FakeGrobid.busy = f"{busy_key}.pdf", busy


def test_transient_503_is_retried_for_its_document_only(workspace, monkeypatch, grobid):
    keys = register(workspace, "submission_363.pdf", "multicolumn.pdf", "2305.03393v1-pg9.pdf")
    names = [workspace.registry.get(k).source_path.stem for k in keys]
    _use_grobid(workspace, monkeypatch, grobid, names, names[1], busy=2)
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("documents", keys)
        outcomes = materialize_documents(instance, keys, batch_size=3)
        runs = instance.get_runs()
    assert all(o.ok for o in outcomes), [o.message for o in outcomes]
    assert FakeGrobid.calls == {f"{names[0]}.pdf": 1, f"{names[1]}.pdf": 3, f"{names[2]}.pdf": 1}
    assert len(runs) == 1  # nothing redone as a batch
    assert workspace.read(keys[0], "grobid_alignment", Scholarly).producer == "grobid"
    assert (workspace.settings.stage_dir(keys[0], "grobid_alignment") / "grobid.tei.xml").read_bytes() == TEI


def test_persistent_503_fails_its_document_as_transient(workspace, monkeypatch, grobid):
    keys = register(workspace, "submission_363.pdf", "multicolumn.pdf")
    names = [workspace.registry.get(k).source_path.stem for k in keys]
    _use_grobid(workspace, monkeypatch, grobid, names, names[0], busy=100)
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("documents", keys)
        outcomes = {o.key: o for o in materialize_documents(instance, keys, batch_size=2)}
    assert not outcomes[keys[0]].ok and "[transient] GROBID is busy (503)" in outcomes[keys[0]].message
    assert outcomes[keys[1]].ok
    assert FakeGrobid.calls[f"{names[0]}.pdf"] == 4  # the client's tries, then the document fails
