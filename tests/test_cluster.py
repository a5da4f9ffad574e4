"""Per-node slots on Celery, with the real broker: two workers on this machine as two nodes
(node-a: the CPU queue, 2 slots; node-b: the OCR queue, 1 slot), 200 documents through
``dagster-celery``'s executor on PostgreSQL, node-a killed with SIGKILL mid-step and started
again.  Nothing is lost, nothing is materialized twice, no queue ever runs more steps than its
slots, both nodes work, and the fused documents equal a single-node run's, timings aside."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections import Counter

import dagster as dg
import pytest

from benchmarks import cluster as c
from pdfpipe_assets.defs.pools import max_overlap
from pdfpipe_assets.profiles import load_profile
from pdfpipe_assets.settings import PROJECT_ROOT, Settings
from pdfpipe_assets.stages import FUSED, STAGES, Workspace, run_document

DOCS = 200


def _reachable(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


pytestmark = [
    pytest.mark.skipif(not _reachable(5672), reason="no RabbitMQ on 127.0.0.1:5672"),
    pytest.mark.skipif(not _reachable(5432), reason="no PostgreSQL on 127.0.0.1:5432"),
    pytest.mark.timeout(1800),
]


def _fused(path) -> dict:
    """A fused document less its timings: when it was made, how long each stage took."""
    doc = json.loads(path.read_text())
    doc["provenance"].pop("created_at")
    for stage in doc["provenance"]["stages"]:
        stage.pop("seconds")
    return doc


def _busy(log) -> bool:
    """The worker holds a step it has not finished (a 'received' with no 'succeeded' yet)."""
    text = log.read_text()
    return text.count("] received") > text.count("] succeeded") + text.count("] failed")


def test_two_nodes_200_documents_one_killed_mid_step(tmp_path, monkeypatch):
    pytest.importorskip("dagster_celery")
    env = c.cluster_env(tmp_path, c.TWO_NODES)
    logs = tmp_path / "logs"
    logs.mkdir()
    node_a = c.start_worker(env, "node-a", None, logs / "node-a.log")
    node_b = c.start_worker(env, "node-b", None, logs / "node-b.log")
    killed_at = None
    try:
        c.make_pdfs(tmp_path / "pdfs", DOCS)
        keys = c.register(env, tmp_path / "pdfs")
        assert len(keys) == DOCS
        subprocess.run([*c.PDFPIPE, "profile", "apply"], env=env, check=True, capture_output=True)  # pools once
        runs = c.start_runs(env, keys, 4, logs / "runs.log")
        # kill node-a with SIGKILL while it is inside a step, once some work is done
        deadline = time.monotonic() + 600
        while killed_at is None and time.monotonic() < deadline:
            text = (logs / "node-a.log").read_text()
            if text.count("] succeeded") >= 4 and _busy(logs / "node-a.log"):
                c.kill_group(node_a)
                killed_at = time.time()
                node_a = c.start_worker(env, "node-a", None, logs / "node-a.log")
            time.sleep(0.2)
        assert killed_at is not None, "node-a was never caught inside a step"
        c._wait(runs, timeout=1500)
        assert all(p.returncode == 0 for p in runs), (logs / "runs.log").read_text()[-3000:]
    finally:
        c.stop_group(node_a)
        c.stop_group(node_b)
        c.delete_queues(env)

    monkeypatch.delenv("DAGSTER_HOME", raising=False)  # the cluster's instance, from its PDFPIPE_DATA
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    from pdfpipe_assets.defs.operations import get_instance

    settings = Settings.from_env()
    with get_instance(settings, load_profile()) as instance:
        # nothing lost, nothing materialized twice
        for stage in STAGES:
            records = instance.fetch_materializations(dg.AssetKey(stage), limit=10 * DOCS).records
            per_key = Counter(r.partition_key for r in records)
            assert set(per_key) == set(keys), stage
            assert max(per_key.values()) == 1, (stage, per_key.most_common(3))
        # each queue's slots were never exceeded; both nodes worked
        spans = c.worker_steps(instance)
    nodes: dict[str, list] = {}
    for worker, intervals in spans.items():  # node-a.1@pdfpipe, node-a.2@pdfpipe: node-a's slots
        nodes.setdefault(c.node_of(worker), []).extend(intervals)
    assert set(nodes) == {"node-a", "node-b"} and all(nodes.values())  # both nodes worked
    assert max_overlap(nodes["node-a"]) <= 2 and max_overlap(nodes["node-b"]) <= 1

    # the same documents on one node, in-process: the same fused documents, timings aside
    single = Workspace(Settings(tmp_path / "single"), load_profile(PROJECT_ROOT / "resources" / "cpu.yaml"))
    single_keys = [e.key for e, _ in single.registry.register(sorted((tmp_path / "pdfs").glob("*.pdf")))]
    assert sorted(single_keys) == sorted(keys)
    for key in single_keys:
        run_document(single, key)
        assert _fused(single.path(key, FUSED)) == _fused(Workspace(settings, load_profile()).path(key, FUSED)), key


def test_a_worker_of_two_classes_serves_both_queues(tmp_path):
    """One node serving the CPU and the OCR class: each of its slots listens on both queues
    (Celery keeps only the last of repeated ``--queues`` options)."""
    pytest.importorskip("dagster_celery")
    from pdfpipe_assets.defs.cluster import workers

    env = c.cluster_env(tmp_path, c.ONE_NODE)
    profile = load_profile(env["PDFPIPE_PROFILE"])
    worker = c.start_worker(env, "node-a", None, tmp_path / "node-a.log")
    try:
        listed = workers(profile, timeout=2.0)
    finally:
        c.stop_group(worker)
        c.delete_queues(env)
    assert [w["name"].split("@")[0] for w in listed] == ["node-a.1", "node-a.2"]
    assert all(w["queues"] == sorted(profile.cluster.nodes["node-a"]) for w in listed)  # type: ignore[union-attr]
    assert sorted(profile.cluster.nodes["node-a"].values()) == [2, 2]  # type: ignore[union-attr]
