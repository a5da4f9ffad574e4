"""SIGKILL a run mid-document, resume from the instance's history: nothing lost, nothing redone."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import dagster as dg
import pytest

from pdfpipe_assets.settings import PROJECT_ROOT

from .conftest import cli, corpus

pytestmark = pytest.mark.corpus  # reads PDFs from the test corpus

DOCS = ["submission_363.pdf", "ocr_test.pdf", "multicolumn.pdf", "2305.03393v1-pg9.pdf"]


def _env(data, profile):
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    return {**env, "PDFPIPE_DATA": str(data), "PDFPIPE_PROFILE": str(profile), "PYTHONPATH": str(PROJECT_ROOT)}


def _fused(data):
    out = {}
    for path in sorted(data.glob("documents/*/fused_document/document.json")):
        doc = json.loads(path.read_text())
        doc["provenance"] = {"stages": [s["stage"] for s in doc["provenance"]["stages"]]}  # timings differ
        out[path.parts[-3]] = doc
    return out


def test_kill_mid_document_then_resume(tmp_path):
    pdfs = tmp_path / "pdfs"
    pdfs.mkdir()
    for name in DOCS:
        shutil.copyfile(corpus(name), pdfs / name)
    profile = tmp_path / "one-per-run.yaml"  # one document per run: the kill lands inside one
    profile.write_text((PROJECT_ROOT / "resources" / "cpu.yaml").read_text().replace("batch_size: 16", "batch_size: 1"))

    reference = tmp_path / "reference"
    assert cli(_env(reference, profile), "run", str(pdfs)).returncode == 0

    data = tmp_path / "data"
    env = _env(data, profile)
    victim = subprocess.Popen(
        [sys.executable, "-m", "pdfpipe_assets.cli", "run", str(pdfs)],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # the second document has started: kill it there
        if len(list(data.glob("documents/*/source_pdf"))) >= 2:
            break
        time.sleep(0.01)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    done_before = set(_fused(data))
    assert len(done_before) < len(DOCS)

    resumed = cli(env, "resume")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "marked failed" in resumed.stdout
    assert f"{len(DOCS) - len(done_before)} of {len(DOCS)} documents have missing or failed stages" in resumed.stdout

    assert _fused(data) == _fused(reference)  # same JSON as an uninterrupted run, timings aside
    leftovers = [p for p in data.rglob("*") if p.name.startswith(".") and (".tmp" in p.name or ".old-" in p.name)]
    assert leftovers == []
    status = json.loads(cli(env, "status", "--json").stdout)
    assert status["stages"]["fused_document"]["materialized"] == len(DOCS)
    assert status["stuck_runs"] == [] and status["runs"]["active"] == 0
    # nothing was done twice to completion: one fused materialization per document
    with dg.DagsterInstance.from_config(str(data / "dagster_home")) as instance:
        records = instance.fetch_materializations(dg.AssetKey("fused_document"), limit=100).records
    assert sorted(r.partition_key for r in records) == sorted(_fused(reference))
