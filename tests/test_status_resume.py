"""`pdfpipe status` reads where documents stand from the instance; `pdfpipe resume` finishes them."""

import json

import pytest

from pdfpipe_assets.cli import main
from pdfpipe_assets.defs.batching import Batch
from pdfpipe_assets.defs.operations import execute_batch, get_instance, register
from pdfpipe_assets.stages import STAGES

from .conftest import corpus

pytestmark = pytest.mark.corpus  # reads PDFs from the test corpus


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("PDFPIPE_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    return tmp_path / "data"


def test_status_after_a_failed_batch_then_resume(data_dir, capsys):
    from pdfpipe_assets.settings import Settings

    settings = Settings.from_env()
    names = ["submission_363.pdf", "empty.pdf", "ocr_test.pdf"]
    with get_instance(settings) as instance:
        keys = [e.key for e, _ in register(instance, settings, [corpus(n) for n in names])]
        order = instance.get_dynamic_partitions("documents")
        result = execute_batch(instance, Batch(tuple(order), tuple(STAGES)))  # no follow-up on purpose
        assert not result.success

    assert main(["status", "--json", "--failed"]) == 0
    st = json.loads(capsys.readouterr().out)
    assert st["documents"] == 3
    assert st["stages"]["source_pdf"] == {"materialized": 2, "failed": 1, "in_progress": 0, "missing": 0}
    assert st["stages"]["fused_document"]["materialized"] == 0
    by_key = {f["key"]: f for f in st["failed"]}
    assert by_key[keys[1]]["class"] == "empty" and by_key[keys[1]]["stage"] == "source_pdf"
    assert {by_key[keys[0]]["class"], by_key[keys[2]]["class"]} == {"skipped"}
    assert st["failure_classes"]["empty"] == 1
    assert {p["pool"] for p in st["pools"]} >= {"cpu", "ocr", "grobid"}
    assert st["stuck_runs"] == [] and st["runs"]["active"] == 0

    assert main(["resume"]) == 1  # the empty file fails again; the others complete
    out = capsys.readouterr().out
    assert "3 of 3 documents have missing or failed stages" in out
    assert "2 documents completed, 1 failed" in out and "[empty] empty file" in out

    assert main(["status", "--json"]) == 0
    st = json.loads(capsys.readouterr().out)
    assert st["stages"]["fused_document"]["materialized"] == 2

    assert main(["resume"]) == 1  # only the bad one is left to try
    assert "1 of 3 documents have missing or failed stages" in capsys.readouterr().out
