"""The corpus catalog measured: update rate, embedding rate, search latency, retrieval quality.

    python -m benchmarks.catalog --data DIR [--sizes 0,10000,100000] [--update 1000]

DIR holds converted documents (``PDFPIPE_DATA=DIR pdfpipe run ../shared/corpus``).  Large
catalogs are made from those documents under distinct keys (rows copied in SQL, one search
segment over the copies), then an incremental update of ``--update`` new documents is timed on
each.  Retrieval quality is a known-item test on the real documents: a title must find its
document first, a sentence of its abstract or first paragraph within the first five.
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

from pdfpipe_assets.catalog import segments
from pdfpipe_assets.catalog.corpus import Change, CorpusCatalog
from pdfpipe_assets.catalog.search import search
from pdfpipe_assets.catalog.tables import COLUMNS, CONTENT_TABLES
from pdfpipe_assets.contracts import FusedDocument
from pdfpipe_assets.contracts.chunks import DocumentChunks
from pdfpipe_assets.engines.registry import make_engine
from pdfpipe_assets.profiles import load_profile
from pdfpipe_assets.settings import Settings
from pdfpipe_assets.stages import EMBEDDINGS, FUSED, Workspace

MODES = ("bm25", "vector", "hybrid")


def converted(ws: Workspace) -> list[str]:
    return sorted(
        p.parent.parent.name
        for p in ws.settings.documents_dir.glob(f"*/{EMBEDDINGS}/chunks.json")
        if ws.path(p.parent.parent.name, FUSED).exists()
    )


def changes(ws: Workspace, keys: list[str], count: int, prefix: str) -> list[Change]:
    """``count`` documents under new keys, cycling through the converted ones."""
    return [
        Change(key=f"{prefix}{i:06d}-{k}", fused=ws.path(k, FUSED), chunks=ws.path(k, EMBEDDINGS))
        for i, k in ((i, keys[i % len(keys)]) for i in range(count))
    ]


def grow(catalog: CorpusCatalog, target: int) -> int:
    """Copy the catalog's rows under new keys until it holds at least ``target`` documents; the
    copies' chunks get one search segment on a level the timed update will not merge into."""
    with catalog.connect() as con:
        have = con.execute("SELECT count(*) FROM documents").fetchone()[0]
        copies = -(-(target - have) // have)
        con.execute("BEGIN")
        first = int(catalog.meta(con, "next_chunk_id") or 1)
        for table in ["documents", *CONTENT_TABLES]:
            exprs = [
                "t.key || '~' || r.i" if c == "key" else f"t.chunk_id + r.i * {first}" if c == "chunk_id" else f"t.{c}"
                for c, _ in COLUMNS[table]
            ]
            con.execute(f"INSERT INTO {table} SELECT {', '.join(exprs)} FROM {table} t, range(1, {copies + 1}) r(i)")
        last = con.execute("SELECT max(chunk_id) FROM chunks").fetchone()[0]
        segments._index(
            con,
            segments._next_name(con),
            8,
            "SELECT chunk_id, concat_ws(' ', array_to_string(section, ' '), text) AS text FROM chunks "
            "WHERE chunk_id >= ?",
            [first],
        )
        con.execute("INSERT OR REPLACE INTO meta VALUES ('next_chunk_id', ?)", [str(last + 1)])
        con.execute("COMMIT")
        return con.execute("SELECT count(*) FROM documents").fetchone()[0]


def known_items(ws: Workspace, keys: list[str]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(title, key) and (sentence, key) queries from the real documents."""
    titles, sentences = [], []
    for key in keys:
        doc = FusedDocument.model_validate_json(ws.path(key, FUSED).read_bytes())
        if doc.scholarly.title and len(doc.scholarly.title.text.split()) >= 3:
            titles.append((doc.scholarly.title.text, key))
        source = doc.scholarly.abstract.text if doc.scholarly.abstract else ""
        if not source:
            source = next((b.text for b in doc.blocks if b.kind == "text" and not b.furniture and len(b.text) > 80), "")
        sentence = next((s for s in re.split(r"(?<=[.!?])\s+", source) if len(s.split()) >= 8), "")
        if sentence:
            sentences.append((sentence, key))
    shared = Counter(" ".join(t.lower().split()) for t, _ in titles)  # not a known item: two documents
    return [(t, k) for t, k in titles if shared[" ".join(t.lower().split())] == 1], sentences


def ranked_documents(hits) -> list[str]:
    return list(dict.fromkeys(h.key for h in hits))


def recall(con, queries, at: int, mode: str, embed) -> float:
    found = sum(key in ranked_documents(search(con, q, k=50, mode=mode, embed=embed))[:at] for q, key in queries)
    return found / max(1, len(queries))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="a data dir with converted documents")
    parser.add_argument("--sizes", default="0,10000,100000")
    parser.add_argument("--update", type=int, default=1000, help="documents per timed update")
    parser.add_argument("--queries", type=int, default=100)
    args = parser.parse_args()
    profile = load_profile()
    ws = Workspace(Settings(Path(args.data).resolve()), profile)
    keys = converted(ws)
    engine = make_engine("embeddings", profile.engine("embeddings"))

    def embed(text):
        return engine.embed([text])[0]

    print(f"{len(keys)} converted documents in {args.data}; model {engine.model_name()}")
    texts = [
        c.text for k in keys for c in DocumentChunks.model_validate_json(ws.path(k, EMBEDDINGS).read_bytes()).chunks
    ]
    engine.embed(texts[:10])
    t = time.perf_counter()
    engine.embed(texts)
    print(f"\nembedding rate: {len(texts) / (time.perf_counter() - t):,.0f} chunks/s ({len(texts)} chunks, CPU)")

    with tempfile.TemporaryDirectory(prefix="catalog-bench-") as tmp:
        real = CorpusCatalog(Path(tmp) / "real" / "catalog.duckdb")
        real.update([Change(key=k, fused=ws.path(k, FUSED), chunks=ws.path(k, EMBEDDINGS)) for k in keys])
        titles, sentences = known_items(ws, keys)
        print(f"\nretrieval, known items on {len(keys)} documents ({len(titles)} titles, {len(sentences)} sentences)")
        print("| mode | title recall@1 | sentence recall@5 |\n| --- | --- | --- |")
        with real.connect(read_only=True) as con:
            for mode in MODES:
                r1, r5 = recall(con, titles, 1, mode, embed), recall(con, sentences, 5, mode, embed)
                print(f"| {mode} | {r1:.3f} | {r5:.3f} |")
        queries = [q for q, _ in titles + sentences] * (1 + args.queries // max(1, len(titles) + len(sentences)))
        queries = queries[: args.queries]

        print(f"\nincremental update of {args.update} documents, and search latency over {len(queries)} queries")
        print(
            "| catalog documents | update s | documents/s | chunks added | replace 100 s "
            "| hybrid p50 ms | hybrid p95 ms | bm25 p50 ms | vector p50 ms |"
        )
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for size in [int(s) for s in args.sizes.split(",")]:
            catalog = CorpusCatalog(Path(tmp) / f"c{size}" / "catalog.duckdb")
            if size:
                t = time.perf_counter()
                catalog.update(changes(ws, keys, len(keys), "base-"))
                size = grow(catalog, size)
                print(f"  (made a catalog of {size:,} documents in {time.perf_counter() - t:.0f} s)", flush=True)
            report = catalog.update(changes(ws, keys, args.update, "new-"))
            replaced = catalog.update(changes(ws, keys, 100, "new-"))  # the same keys again: replace
            rate = args.update / report.seconds
            cells = [
                f"{size:,}",
                f"{report.seconds:.2f}",
                f"{rate:,.0f}",
                f"{report.chunks:,}",
                f"{replaced.seconds:.2f}",
            ]
            with catalog.connect(read_only=True) as con:
                for mode in ("hybrid", "bm25", "vector"):
                    times = []
                    for q in queries if mode == "hybrid" else queries[:30]:
                        t = time.perf_counter()
                        search(con, q, k=10, mode=mode, embed=embed)
                        times.append((time.perf_counter() - t) * 1000)
                    times.sort()
                    p50 = statistics.median(times)
                    if mode == "hybrid":
                        cells += [f"{p50:.0f}", f"{times[int(0.95 * (len(times) - 1))]:.0f}"]
                    else:
                        cells.append(f"{p50:.0f}")
            print("| " + " | ".join(cells) + " |", flush=True)
            catalog.path.unlink()


if __name__ == "__main__":
    main()
