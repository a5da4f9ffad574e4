"""Pools cap busy slots across concurrent runs; profiles change the limits on a live instance."""

import os
import subprocess
import sys
import textwrap

import dagster as dg
import pytest

from pdfpipe_assets.defs.pools import apply_profile, max_overlap, pool_states, step_intervals
from pdfpipe_assets.profiles import load_profile
from pdfpipe_assets.settings import PROJECT_ROOT

from .conftest import register

pytestmark = pytest.mark.corpus  # reads PDFs from the test corpus

STAGE_POOL = {
    "source_pdf": "cpu",
    "page_renders": "cpu",
    "layout_tables": "cpu",
    "fused_document": "cpu",
    "ocr_spine": "ocr",
    "grobid_alignment": "cpu",
}
DOCS = [
    "ocr_test.pdf",
    "ocr_test_rotated_90.pdf",
    "ocr_test_rotated_270.pdf",
    "submission_363.pdf",
    "multicolumn.pdf",
    "2305.03393v1-pg9.pdf",
]
WORKER = textwrap.dedent("""
    import sys
    import dagster as dg
    from pdfpipe_assets.defs.batching import Batch
    from pdfpipe_assets.defs.operations import execute_batch
    from pdfpipe_assets.stages import STAGES
    with dg.DagsterInstance.get() as instance:
        for key in sys.argv[1:]:
            assert execute_batch(instance, Batch((key,), tuple(STAGES))).success, key
""")


def test_pool_limits_hold_across_concurrent_runs(workspace, pool_home, monkeypatch):
    monkeypatch.setenv("PDFPIPE_DATA", str(workspace.settings.data_dir))
    keys = register(workspace, *DOCS)
    limits = {"cpu": 1, "ocr": 1, "grobid": 1}
    with dg.DagsterInstance.get() as instance:
        instance.add_dynamic_partitions("documents", keys)
        for pool, limit in limits.items():
            instance.event_log_storage.set_concurrency_slots(pool, limit)
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    workers = [
        subprocess.Popen([sys.executable, "-c", WORKER, *keys[i::3]], env=env, cwd=PROJECT_ROOT) for i in range(3)
    ]
    assert [w.wait(timeout=300) for w in workers] == [0, 0, 0]

    with dg.DagsterInstance.get() as instance:
        runs = instance.get_runs()
        run_spans = []
        for run in runs:
            records = instance.all_logs(run.run_id)
            run_spans.append((records[0].timestamp, records[-1].timestamp))
        steps = step_intervals(instance, STAGE_POOL)
    assert len(runs) == len(DOCS)
    assert max_overlap(run_spans) >= 2  # the runs really did go at the same time
    for pool, intervals in steps.items():
        assert max_overlap(intervals) <= limits[pool], (pool, sorted(intervals))
    assert sum(len(v) for v in steps.values()) == 6 * len(DOCS)


def test_profile_apply_changes_limits_on_a_live_instance(pool_home):
    with dg.DagsterInstance.get() as instance:
        apply_profile(instance, load_profile(PROJECT_ROOT / "resources" / "cpu.yaml"))
        before = {s.pool: s.limit for s in pool_states(instance)}
        apply_profile(instance, load_profile(PROJECT_ROOT / "resources" / "b200-8x.yaml"))
    with dg.DagsterInstance.get() as other:  # another process's view of the same instance
        after = {s.pool: s.limit for s in pool_states(other)}
    assert before == {"cpu": 2, "ocr": 2, "grobid": 1, "catalog": 1}
    assert after == {"cpu": 192, "ocr": 32, "grobid": 24, "catalog": 1}


@pytest.mark.parametrize("name", ["cpu.yaml", "cpu-fast.yaml", "gpu-1x.yaml", "b200-8x.yaml"])
def test_profiles_never_overcommit(name):
    profile = load_profile(PROJECT_ROOT / "resources" / name)
    busy_threads = profile.max_concurrent_runs * profile.threads_per_worker
    cores = {"cpu.yaml": 2, "cpu-fast.yaml": 2, "gpu-1x.yaml": 16, "b200-8x.yaml": 208}[name]
    assert busy_threads <= cores
    assert set(profile.pools) == {"cpu", "ocr", "grobid", "catalog"} and profile.pools["catalog"] == 1  # one writer
    assert all(limit <= profile.max_concurrent_runs for limit in profile.pools.values())
