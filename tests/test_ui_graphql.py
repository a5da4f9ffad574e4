"""What the Dagster UI shows for each document, read back through the webserver's GraphQL API
(the same batch and queries as `python -m benchmarks.ui`, which also takes the screenshots)."""

import pytest

from benchmarks.ui import facts, materialize_batch, webserver

from .conftest import CORPUS

pytestmark = pytest.mark.corpus  # reads PDFs from the test corpus


def test_each_document_partition_shows_its_own_facts(tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    batch = materialize_batch(tmp_path / "data", CORPUS)
    with webserver(tmp_path / "data", batch["dagster_home"]) as url:
        seen = facts(url, batch)
    submission, multicolumn = batch["good"]
    fused = seen["fused"]
    assert fused[submission]["title"] == "COHERENCE PROPERTIES OF QUANTUM DOT RESONANCE FLUORESCENCE"
    assert fused[submission]["pages"] == 1 and fused[multicolumn]["pages"] == 3  # each its own, not the batch's
    assert fused[submission]["references"] == 4 and fused[multicolumn]["tables"] == 1
    assert fused[multicolumn]["preview"].startswith("# Two-Column Document with Lorem Ipsum")
    assert fused[submission]["path"].endswith("/fused_document/document.json")
    (bad,) = batch["bad"]
    assert seen["failed"][bad]["failure_class"] == "empty"
    assert "empty file" in seen["failed"][bad]["failure_message"]
    assert seen["checks"][submission] == seen["checks"][multicolumn] == "SUCCEEDED"
