"""The pdfpipe command: ingest, run through Dagster, export; its data dir is $PDFPIPE_DATA."""

import json
import shutil

import pytest

from pdfpipe_assets.cli import main

from .conftest import corpus

pytestmark = pytest.mark.corpus  # reads PDFs from the test corpus


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("PDFPIPE_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    return tmp_path / "data"


def test_ingest_run_export(data_dir, tmp_path, capsys):
    pdfs = tmp_path / "pdfs"
    pdfs.mkdir()
    shutil.copyfile(corpus("submission_363.pdf"), pdfs / "paper.pdf")
    shutil.copyfile(corpus("empty.pdf"), pdfs / "empty.pdf")

    assert main(["ingest", str(pdfs)]) == 0
    first = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[1] for line in first] == ["new", "new"]
    assert main(["ingest", str(pdfs)]) == 0
    assert [line.split("\t")[1] for line in capsys.readouterr().out.splitlines()] == ["known", "known"]

    assert main(["run", str(pdfs)]) == 1  # one bad document: non-zero exit, the other still done
    out = capsys.readouterr().out
    assert "FAIL  empty-" in out and "empty file: 0 bytes" in out
    assert "OK    paper-" in out and "4 references" in out
    assert "1 documents materialized, 1 failed" in out
    assert (data_dir / "dagster_home" / "dagster.yaml").exists()
    assert (data_dir / "inbox").is_dir()  # "drop PDFs here" works from the start

    assert main(["run", str(pdfs)]) == 1  # again: the good document is skipped, the bad one retried
    out = capsys.readouterr().out
    assert "skipped 1 of 2 documents: already materialized with the current code versions" in out
    assert "SKIP  paper-" in out and "OK    paper-" not in out and "FAIL  empty-" in out
    assert main(["run", "--force", str(pdfs)]) == 1
    assert "OK    paper-" in capsys.readouterr().out

    paper = next(line.split()[1] for line in out.splitlines() if line.startswith("SKIP  paper-"))
    assert main(["show", paper]) == 0
    shown = capsys.readouterr().out
    assert "COHERENCE PROPERTIES" in shown and "fused_document" in shown and "materialized" in shown
    assert main(["show", paper, "--md"]) == 0
    assert capsys.readouterr().out.startswith("# COHERENCE PROPERTIES")
    empty = next(line.split()[1] for line in out.splitlines() if line.startswith("FAIL  empty-"))
    assert main(["show", empty]) == 0
    assert "FAILED in source_pdf: [empty]" in capsys.readouterr().out

    out_dir = tmp_path / "export"
    assert main(["export", "--out", str(out_dir)]) == 0
    exported = list(out_dir.glob("*.json"))
    assert [p.name.split("-")[0] for p in exported] == ["paper"]
    assert json.loads(exported[0].read_text())["document"]["file_name"] == "paper.pdf"


def test_run_redoes_what_a_changed_engine_made_stale(data_dir, tmp_path, monkeypatch):
    from pdfpipe_assets.defs.operations import get_instance
    from pdfpipe_assets.defs.plan import plan_work
    from pdfpipe_assets.profiles import load_profile
    from pdfpipe_assets.settings import CONFIG_DIR, Settings
    from pdfpipe_assets.stages import Workspace

    pdfs = tmp_path / "pdfs"
    pdfs.mkdir()
    shutil.copyfile(corpus("submission_363.pdf"), pdfs / "paper.pdf")
    assert main(["run", str(pdfs)]) == 0
    settings = Settings(data_dir)
    fast = load_profile(CONFIG_DIR / "profiles" / "cpu-fast.yaml")  # the layout model's options differ
    with get_instance(settings) as instance:
        keys = instance.get_dynamic_partitions("documents")
        same, skipped = plan_work(instance, Workspace(settings, load_profile()), keys)
        stale, _ = plan_work(instance, Workspace(settings, fast), keys)
    assert same == {} and list(skipped) == keys
    assert stale == {keys[0]: ("layout_tables", "fused_document", "embeddings")}


def test_schema_check_passes_on_the_committed_schema(capsys):
    assert main(["schema", "--check"]) == 0


def test_postgres_url_puts_the_instance_on_postgres(monkeypatch):
    import yaml

    from pdfpipe_assets.defs.operations import instance_config
    from pdfpipe_assets.profiles import load_profile

    monkeypatch.delenv("PDFPIPE_POSTGRES_URL", raising=False)
    assert "storage" not in yaml.safe_load(instance_config(load_profile()))  # SQLite by default
    url = "postgresql+psycopg2://postgres@127.0.0.1:5432/pdfpipe"
    monkeypatch.setenv("PDFPIPE_POSTGRES_URL", url)
    config = yaml.safe_load(instance_config(load_profile()))
    assert config["storage"] == {"postgres": {"postgres_url": url}}
    assert config["concurrency"]["runs"]["max_concurrent_runs"] == load_profile().max_concurrent_runs
