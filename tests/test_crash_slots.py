"""A run killed inside a limit-1 pool must not wedge the pipeline; waiting for a slot sleeps."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from pdfpipe_assets.run_tags import PID_TAG
from pdfpipe_assets.settings import PROJECT_ROOT

from .conftest import cli, corpus

pytestmark = pytest.mark.corpus  # reads PDFs from the test corpus


@pytest.fixture
def setup(tmp_path):
    """A data dir, a profile with one slot per pool and one document per run, and one PDF."""
    profile = tmp_path / "one-slot.yaml"
    text = (PROJECT_ROOT / "resources" / "cpu.yaml").read_text()
    text = text.replace("batch_size: 16", "batch_size: 1").replace("cpu: 2 ", "cpu: 1 ").replace("ocr: 2 ", "ocr: 1 ")
    # the scholarly engine in the limit-1 grobid pool, as a GROBID client would be
    profile.write_text(text.replace("scholarly: {kind: embedded}", "scholarly: {kind: embedded, pool: grobid}"))
    pdfs = tmp_path / "pdfs"
    pdfs.mkdir()
    shutil.copyfile(corpus("submission_363.pdf"), pdfs / "paper.pdf")
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env.update(PDFPIPE_DATA=str(data), PDFPIPE_PROFILE=str(profile), PYTHONPATH=str(PROJECT_ROOT))
    return env, data, pdfs


def _start(env, *args):
    return subprocess.Popen(
        [sys.executable, "-m", "pdfpipe_assets.cli", *args],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _instance(data: Path) -> dg.DagsterInstance:
    return dg.DagsterInstance.from_config(str(data / "dagster_home"))


def _wait_for(predicate, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _hold_grobid_slot(data: Path, pid: int) -> str:
    """A STARTED run owned by process ``pid`` that holds the only grobid slot."""
    with _instance(data) as instance:
        run = instance.add_run(
            dg.DagsterRun(job_name="holder", status=dg.DagsterRunStatus.STARTED, tags={PID_TAG: str(pid)})
        )
        assert instance.event_log_storage.claim_concurrency_slot("grobid", run.run_id, "holder_step").is_claimed
        return run.run_id


def _grobid(data: Path):
    with _instance(data) as instance:
        return instance.event_log_storage.get_concurrency_info("grobid")


def test_run_killed_in_limit_one_pool_then_resume_completes(setup):
    env, data, pdfs = setup
    assert cli(env, "profile", "apply", env["PDFPIPE_PROFILE"]).returncode == 0
    victim = _start(env, "run", str(pdfs))
    _wait_for(
        lambda: (data / "dagster_home").exists() and _grobid(data).active_slot_count == 1,
        240,
        "the run to take the grobid slot",
    )
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    assert _grobid(data).active_slot_count == 1  # the dead run still holds the only slot

    status = cli(env, "status", "--json")
    assert status.returncode == 1, status.stdout  # a wedged pool is reported, not endured
    report = json.loads(status.stdout)
    assert list(report["wedged_pools"]) == ["grobid"]
    assert report["dead_slot_holders"][0]["pools"] == ["grobid"]

    resumed = cli(env, "resume", timeout=240)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "held grobid slot(s)" in resumed.stdout and "freed" in resumed.stdout
    assert "1 documents completed, 0 failed" in resumed.stdout
    after = cli(env, "status", "--json")
    assert after.returncode == 0 and json.loads(after.stdout)["wedged_pools"] == {}
    assert _grobid(data).active_slot_count == 0


def test_waiting_for_a_slot_sleeps_and_a_holder_that_dies_is_freed(setup):
    env, data, pdfs = setup
    assert cli(env, "profile", "apply", env["PDFPIPE_PROFILE"]).returncode == 0
    holder = subprocess.Popen(["sleep", "600"])
    _hold_grobid_slot(data, holder.pid)
    waiting = _start(env, "run", str(pdfs))
    try:
        _wait_for(lambda: _grobid(data).pending_step_count == 1, 240, "the run to wait for the grobid slot")
        before, t0 = _cpu_seconds(waiting.pid), time.monotonic()
        time.sleep(5)
        busy = (_cpu_seconds(waiting.pid) - before) / (time.monotonic() - t0)
        assert busy < 0.25, f"waiting for a slot used {busy:.0%} of a core"
        holder.kill()  # the holder dies while the command waits
        holder.wait()
        out, _ = waiting.communicate(timeout=90)  # the watchdog checks every 15 s
    finally:
        holder.kill()
        waiting.kill()
    assert waiting.returncode == 0, out
    assert "held grobid slot(s) but its process" in out, out
    assert "1 documents materialized, 0 failed" in out


def test_sigterm_while_waiting_cancels_the_run_and_frees_its_claims(setup):
    env, data, pdfs = setup
    assert cli(env, "profile", "apply", env["PDFPIPE_PROFILE"]).returncode == 0
    holder_run = _hold_grobid_slot(data, os.getpid())  # alive for as long as this test runs
    waiting = _start(env, "run", str(pdfs))
    try:
        _wait_for(lambda: _grobid(data).pending_step_count == 1, 240, "the run to wait for the grobid slot")
        waiting.send_signal(signal.SIGTERM)
        waiting.communicate(timeout=30)
    finally:
        waiting.kill()
    assert waiting.returncode != 0
    with _instance(data) as instance:
        runs = [r for r in instance.get_runs() if r.run_id != holder_run]
        assert runs and all(r.status == dg.DagsterRunStatus.CANCELED for r in runs), [r.status for r in runs]
        storage = instance.event_log_storage
        assert storage.get_concurrency_run_ids() == {holder_run}  # no slot, no pending claim left
        for pool in ("cpu", "ocr"):
            assert storage.get_concurrency_info(pool).active_slot_count == 0
