"""Chunks and embedding engines: section-aware chunking, the offline wordllama model, an
OpenAI-compatible endpoint (a local server answering with wordllama's real vectors), and the
code version that marks embeddings stale when the model changes."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import numpy as np
import pytest

from pdfpipe_assets.contracts import BBox, Block, FusedDocument, Scholarly, Table
from pdfpipe_assets.contracts.fused import DocumentInfo, FusedPage, Provenance
from pdfpipe_assets.engines.embed_openai import OpenAIEmbeddings, OpenAIEmbeddingsOptions
from pdfpipe_assets.engines.embed_wordllama import WordLlamaEmbeddings, WordLlamaOptions
from pdfpipe_assets.engines.registry import make_engine
from pdfpipe_assets.errors import DocumentError, EngineUnavailable
from pdfpipe_assets.fusion.chunks import build_chunks
from pdfpipe_assets.profiles import Profile, load_profile
from pdfpipe_assets.settings import Settings
from pdfpipe_assets.stages import EMBEDDINGS, Workspace

BOX = BBox(x0=72, y0=100, x1=500, y1=120)


def block(i, kind, text, page=1, furniture=False):
    return Block(index=i, page=page, bbox=BOX, kind=kind, text=text, furniture=furniture, source_stage="t", engine="t")


def document(blocks, tables=()):
    return FusedDocument(
        document=DocumentInfo(key="k", file_name="k.pdf", sha256="0", size_bytes=1, page_count=2),
        pages=[FusedPage(number=n, width=612, height=792, rotation=0, text_source="text_layer") for n in (1, 2)],
        blocks=blocks,
        tables=list(tables),
        scholarly=Scholarly(producer="embedded"),
        provenance=Provenance(pdfpipe_version="0", created_at="now", stages=[]),
    )


def test_chunks_keep_sections_and_tables_apart_and_respect_the_size():
    long = " ".join(f"Sentence number {i} says something about quantum dots." for i in range(40))
    table = Table(page=2, bbox=BOX, rows=1, cols=1, cells=[], markdown="|a|\n|---|")
    doc = document(
        [
            block(0, "title", "A Title"),
            block(1, "author", "Ann Author"),
            block(2, "page_header", "Journal of Things 12", furniture=True),
            block(3, "section_header", "1 Introduction"),
            block(4, "text", long),
            block(5, "section_header", "2 Method", page=2),
            block(6, "text", "Short method text."),
            block(7, "table", "a", page=2),
            block(8, "text", "After the table."),
        ],
        [table],
    )
    chunks = build_chunks(doc, size=500)
    assert chunks[0].kind == "front" and chunks[0].text == "A Title\nAnn Author"
    assert all("Journal of Things" not in c.text for c in chunks)  # running header left out
    assert all(len(c.text) <= 500 for c in chunks)
    intro = [c for c in chunks if c.section == ["1 Introduction"]]
    assert len(intro) > 2 and all("Method" not in c.text for c in intro)  # never across a heading
    (tab,) = [c for c in chunks if c.kind == "table"]
    assert tab.text == "|a|\n|---|" and tab.pages == [2] and tab.section == ["2 Method"]
    method = [c.text for c in chunks if c.section == ["2 Method"] and c.kind == "text"]
    assert method == ["2 Method\nShort method text.", "After the table."]  # the table splits them
    assert [c.index for c in chunks] == list(range(len(chunks)))
    assert all(c.anchors and all(a.page in c.pages for a in c.anchors) for c in chunks)


def test_wordllama_loads_offline_and_ranks_meaning():
    engine = WordLlamaEmbeddings(WordLlamaOptions())
    v = engine.embed(["the cat sat on the mat", "a kitten rests on a rug", "quarterly revenue of the bank"])
    assert v.shape == (3, 256) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2]
    assert engine.embed([]).shape == (0, 256)
    order = ["short", "a much longer text than the first one", "mid length text"]
    assert np.allclose(engine.embed(order)[1], engine.embed([order[1]])[0], atol=1e-6)  # sorting undone


class _Server(BaseHTTPRequestHandler):
    """An OpenAI-compatible /v1/embeddings answering with wordllama's vectors; 503 once first."""

    model = WordLlamaEmbeddings(WordLlamaOptions())
    busy = 1
    requests: list = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append((self.path, body["model"], len(body["input"])))
        if type(self).busy:
            type(self).busy -= 1
            self.send_response(503)
            self.end_headers()
            return
        vectors = self.model.embed(body["input"]) * 3.0  # not unit length: the client normalizes
        data = [{"index": i, "embedding": v.tolist(), "object": "embedding"} for i, v in enumerate(vectors)]
        payload = json.dumps({"data": data[::-1], "model": body["model"]}).encode()  # any order
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


def test_openai_compatible_endpoint_batches_retries_and_normalizes():
    server = HTTPServer(("127.0.0.1", 0), _Server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/v1"
        engine = OpenAIEmbeddings(OpenAIEmbeddingsOptions(url=url, model="m", batch_size=2, backoff_s=0.01))
        texts = ["one text", "another text", "a third"]
        got = engine.embed(texts)
        assert np.allclose(got, _Server.model.embed(texts), atol=1e-5)
        assert [n for _, _, n in _Server.requests] == [2, 2, 1]  # a 503, then two batches
        assert {p for p, _, _ in _Server.requests} == {"/v1/embeddings"}
    finally:
        server.shutdown()
        server.server_close()
    down = OpenAIEmbeddings(OpenAIEmbeddingsOptions(url=url, model="m", tries=2, backoff_s=0.01, timeout_s=2))
    with pytest.raises(DocumentError) as err:
        down.embed(["x"])
    assert err.value.failure_class == "transient"


def test_changing_the_embedding_model_changes_the_code_version(tmp_path):
    base = load_profile()
    other = Profile.model_validate(
        {**base.model_dump(exclude={"engines"}), "engines": {"embeddings": {"kind": "wordllama", "dim": 128}}}
    )
    settings = Settings(tmp_path)
    assert Workspace(settings, base).code_version(EMBEDDINGS) != Workspace(settings, other).code_version(EMBEDDINGS)
    bigger = base.model_copy(update={"chunk_chars": 3000})
    assert Workspace(settings, base).code_version(EMBEDDINGS) != Workspace(settings, bigger).code_version(EMBEDDINGS)


def test_sentence_transformers_needs_its_extra_and_a_local_model():
    options = load_profile().engines.model_validate(
        {"embeddings": {"kind": "sentence-transformers", "model_path": "/nowhere"}}
    )
    try:
        import sentence_transformers  # noqa: F401
    except ImportError:
        with pytest.raises(EngineUnavailable, match=r"pdfpipe\[sentence-transformers\]"):
            make_engine("embeddings", options.embeddings)
    else:
        with pytest.raises(EngineUnavailable, match="does not exist"):
            make_engine("embeddings", options.embeddings).embed(["x"])
