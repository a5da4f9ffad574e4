"""The corpus catalog: `pdfpipe run` loads it, updates are incremental and atomic, a bad output
is refused alone, search finds documents by title and by sentence, exports are readable.

Runs the real engines on ``samples/`` (no corpus needed) plus two bad inputs."""

import json
import shutil
import time
import uuid

import dagster as dg
import duckdb
import pytest

from pdfpipe_assets.catalog import segments
from pdfpipe_assets.catalog.corpus import Change, CorpusCatalog
from pdfpipe_assets.catalog.search import Filters, search
from pdfpipe_assets.cli import main
from pdfpipe_assets.defs.catalog import CATALOG_LAG_S, catalog_sensor, changes_since
from pdfpipe_assets.defs.operations import get_instance, materialize_catalog
from pdfpipe_assets.engines.registry import make_engine
from pdfpipe_assets.profiles import load_profile
from pdfpipe_assets.settings import PROJECT_ROOT, Settings
from pdfpipe_assets.stages import EMBEDDINGS, FUSED, Workspace

PAPER_TITLE = "COHERENCE PROPERTIES OF QUANTUM DOT RESONANCE FLUORESCENCE"


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """``pdfpipe run`` on the samples, an empty file and a text file named .pdf."""
    root = tmp_path_factory.mktemp("catalog")
    pdfs = root / "pdfs"
    shutil.copytree(PROJECT_ROOT / "samples", pdfs, ignore=shutil.ignore_patterns("*.md"))
    (pdfs / "empty.pdf").write_bytes(b"")
    (pdfs / "notes.pdf").write_text("not a PDF at all\n")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PDFPIPE_DATA", str(root / "data"))
        mp.delenv("DAGSTER_HOME", raising=False)
        assert main(["run", str(pdfs)]) == 1  # two bad inputs
        yield Workspace(Settings(root / "data"), load_profile())


def catalog_of(ws):
    return CorpusCatalog(ws.settings.data_dir / "catalog.duckdb")


def rows(ws, sql, params=None):
    with catalog_of(ws).connect(read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def embedder():
    engine = make_engine("embeddings", load_profile().engine("embeddings"))
    return lambda text: engine.embed([text])[0]


def test_run_loads_every_document_and_failures_without_content(converted):
    docs = dict(rows(converted, "SELECT file_name, status FROM documents"))
    assert len(docs) == 8 and docs["empty.pdf"] == docs["notes.pdf"] == "failed"
    assert sum(status == "ok" for status in docs.values()) == 6
    failed = rows(converted, "SELECT key, failure_class FROM documents WHERE status = 'failed' ORDER BY file_name")
    assert [c for _, c in failed] == ["empty", "not_pdf"]
    for table in ("pages", "blocks", "chunks"):
        assert rows(
            converted, f"SELECT count(*) FROM {table} WHERE key IN (SELECT key FROM documents WHERE status='failed')"
        ) == [(0,)]
    # every page of every document is there, and every chunk's boxes lie on its pages
    assert rows(converted, "SELECT sum(pages) FROM documents") == rows(converted, "SELECT count(*) FROM pages")
    outside = rows(
        converted,
        "SELECT count(*) FROM (SELECT c.key AS k, unnest(c.anchors) AS a FROM chunks c) x "
        "JOIN pages p ON p.key = x.k AND p.number = x.a.page WHERE x.a.x1 > p.width + 1 OR x.a.y1 > p.height + 1",
    )
    assert outside == [(0,)]
    paper = rows(converted, "SELECT title, pages, chunks FROM documents WHERE file_name = 'submission_363.pdf'")
    assert paper[0][0].startswith(PAPER_TITLE) and paper[0][2] > 0
    assert rows(converted, "SELECT count(*) FROM refs WHERE key LIKE 'submission%'") == [(4,)]
    assert rows(converted, "SELECT count(*) FROM cells")[0][0] > 100  # the senate table's cells


def test_update_is_incremental_and_replaces_a_reprocessed_document(converted):
    with get_instance(converted.settings) as instance:
        assert materialize_catalog(instance)["loaded"] == 0  # nothing changed: nothing read
        paper = rows(converted, "SELECT key FROM documents WHERE file_name = 'submission_363.pdf'")[0][0]
        before = rows(converted, "SELECT min(chunk_id), count(*) FROM chunks WHERE key = ?", [paper])[0]
        total = rows(converted, "SELECT count(*) FROM blocks")
        cursor = catalog_of(converted).cursor()
        assert main(["run", "--force", str(converted.registry.get(paper).source_path)]) == 0
        assert changes_since(instance, converted, catalog_of(converted).cursor())[0] == []  # run updated it
    after = rows(converted, "SELECT min(chunk_id), count(*) FROM chunks WHERE key = ?", [paper])[0]
    assert after[1] == before[1] and after[0] > before[0]  # the same chunks, as new rows
    assert rows(converted, "SELECT count(*) FROM blocks") == total  # replaced, not added
    assert catalog_of(converted).cursor() > cursor


def test_schema_invalid_output_is_refused_alone(converted, tmp_path):
    keys = [k for (k,) in rows(converted, "SELECT key FROM documents WHERE status = 'ok' ORDER BY key")]
    bad, good = keys[0], keys[1]
    broken = tmp_path / "document.json"
    data = json.loads(converted.path(bad, FUSED).read_text())
    del data["pages"]
    broken.write_text(json.dumps(data))
    blocks_before = rows(converted, "SELECT count(*) FROM blocks WHERE key = ?", [bad])
    report = catalog_of(converted).update(
        [
            Change(key=bad, fused=broken, chunks=converted.path(bad, EMBEDDINGS)),
            Change(key=good, fused=converted.path(good, FUSED), chunks=converted.path(good, EMBEDDINGS)),
        ]
    )
    assert list(report.refused) == [bad] and "pages" in report.refused[bad] and report.loaded == 1
    assert rows(converted, "SELECT count(*) FROM blocks WHERE key = ?", [bad]) == blocks_before  # old rows kept


def test_a_failed_update_leaves_the_old_catalog(converted, monkeypatch):
    key = rows(converted, "SELECT key FROM documents WHERE status = 'ok' LIMIT 1")[0][0]
    counts = "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM chunks), (SELECT count(*) FROM blocks)"
    before, cursor = rows(converted, counts), catalog_of(converted).cursor()

    def crash(*args):
        raise RuntimeError("killed while indexing")

    monkeypatch.setattr(segments, "add_segment", crash)
    with pytest.raises(RuntimeError):
        catalog_of(converted).update(
            [Change(key=key, fused=converted.path(key, FUSED), chunks=converted.path(key, EMBEDDINGS))], cursor=10**9
        )
    assert rows(converted, counts) == before and catalog_of(converted).cursor() == cursor


def test_search_finds_a_document_by_title_and_by_sentence(converted):
    embed = embedder()
    sentence = "a useful technique for studying self-assembled quantum dot spin dynamics"
    with catalog_of(converted).connect(read_only=True) as con:
        for mode in ("bm25", "vector", "hybrid"):
            assert search(con, PAPER_TITLE.title(), k=3, mode=mode, embed=embed)[0].file_name == "submission_363.pdf"
            hits = search(con, sentence, k=5, mode=mode, embed=embed)
            assert "submission_363.pdf" in {h.file_name for h in hits}
        hit = search(con, PAPER_TITLE, k=1, embed=embed)[0]
        assert hit.ranks.keys() >= {"bm25", "title"} and hit.anchors and hit.page == 1
        only = search(con, PAPER_TITLE, k=3, filters=Filters(title="document no"), embed=embed)
        assert only and {h.file_name for h in only} == {"senate-expenditures.pdf"}  # its title: "DOCUMENT NO."
        assert search(con, PAPER_TITLE, filters=Filters(author="Nobody Atall"), embed=embed) == []


def test_search_command_prints_hits_and_json(converted, capsys, monkeypatch):
    monkeypatch.setenv("PDFPIPE_DATA", str(converted.settings.data_dir))
    assert main(["search", "quantum dot resonance fluorescence", "-k", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(" 1. COHERENCE PROPERTIES") and "page 1" in out
    assert main(["search", "quantum dot", "--json", "-k", "1"]) == 0
    (hit,) = json.loads(capsys.readouterr().out)
    assert hit["anchors"][0].keys() == {"page", "x0", "y0", "x1", "y1"}
    assert main(["search", "quantum dot", "--year", "recent"]) == 2
    assert "give a year (2009) or a range" in capsys.readouterr().err


def test_exports_are_readable_and_versioned(converted, tmp_path, monkeypatch):
    monkeypatch.setenv("PDFPIPE_DATA", str(converted.settings.data_dir))
    for fmt in ("parquet", "jsonl", "markdown"):
        assert main(["export", "--format", fmt, "--out", str(tmp_path / fmt)]) == 0
    manifest = json.loads((tmp_path / "parquet" / "manifest.json").read_text())
    assert manifest["catalog_version"] and manifest["fused_schema_version"]
    for name, count in manifest["files"].items():
        assert duckdb.sql(f"SELECT count(*) FROM '{tmp_path / 'parquet' / name}'").fetchone()[0] == count
    lines = (tmp_path / "jsonl" / "chunks.jsonl").read_text().splitlines()
    first = json.loads(lines[0])
    assert len(lines) == manifest["files"]["chunks.parquet"] and len(first["embedding"]) == 256
    assert {"key", "title", "section", "pages", "anchors", "text"} <= first.keys()
    assert len(list((tmp_path / "markdown").glob("*.md"))) == 6


def test_the_sensor_asks_for_an_update_only_after_a_change(converted):
    with get_instance(converted.settings) as instance:
        first = catalog_sensor(dg.build_sensor_context(instance=instance))
        assert len(first.run_requests) == 1
        again = catalog_sensor(dg.build_sensor_context(instance=instance, cursor=first.cursor))
        assert isinstance(again, dg.SkipReason)


def test_while_documents_convert_the_sensor_waits_for_its_lag(converted):
    """A change loads at once when nothing converts, else at most CATALOG_LAG_S after the last
    update, so that catalog runs do not take CPU from the conversions every 30 s."""
    just_now, long_ago = f"0:{time.time():.0f}", f"0:{time.time() - CATALOG_LAG_S - 1:.0f}"
    with get_instance(converted.settings) as instance:
        assert catalog_sensor(dg.build_sensor_context(instance=instance, cursor=just_now)).run_requests
        run = dg.DagsterRun(job_name="process_documents", run_id=str(uuid.uuid4()), status=dg.DagsterRunStatus.STARTED)
        instance.add_run(run)
        try:
            waiting = catalog_sensor(dg.build_sensor_context(instance=instance, cursor=just_now))
            assert isinstance(waiting, dg.SkipReason) and "still converting" in str(waiting.skip_message)
            assert catalog_sensor(dg.build_sensor_context(instance=instance, cursor=long_ago)).run_requests
        finally:
            instance.delete_run(run.run_id)


def test_status_shows_the_catalog(converted, capsys, monkeypatch):
    monkeypatch.setenv("PDFPIPE_DATA", str(converted.settings.data_dir))
    main(["status", "--json"])
    catalog = json.loads(capsys.readouterr().out)["catalog"]
    assert catalog["documents"] == 8 and catalog["failed"] == 2 and catalog["pending"] is False


def test_extensions_come_from_the_wheels(converted):
    found = {p.name for p in (converted.settings.data_dir / "duckdb_extensions").rglob("*.duckdb_extension")}
    assert found == {"fts.duckdb_extension", "vss.duckdb_extension"}


def test_a_catalog_of_another_layout_asks_for_a_rebuild(converted, capsys, monkeypatch):
    monkeypatch.setenv("PDFPIPE_DATA", str(converted.settings.data_dir))
    with catalog_of(converted).connect() as con:
        con.execute("UPDATE meta SET value = '0.9.0' WHERE name = 'catalog_version'")
    assert main(["catalog"]) == 1
    out = capsys.readouterr().out
    assert "catalog update failed" in out and "has layout 0.9.0" in out and "--rebuild" in out
    assert main(["catalog", "--rebuild"]) == 0
    assert "8 in" in capsys.readouterr().out
    assert rows(converted, "SELECT value FROM meta WHERE name = 'catalog_version'") == [("1.0.0",)]
