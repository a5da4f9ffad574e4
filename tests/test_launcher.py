"""The warm run launcher: runs forked from a warm process, through the daemon as a user's files
go, and the launcher's health check, terminate and restart when the code or profile changes."""

import json
import os
import shutil
import signal
import time

import dagster as dg
import pytest
from dagster._core.definitions.reconstruct import ReconstructableRepository
from dagster._core.launcher import LaunchRunContext, WorkerStatus

from benchmarks.harness import dagster_daemon, drop_and_wait
from pdfpipe_assets.defs.operations import code_location, get_instance, register
from pdfpipe_assets.defs.pools import apply_profile
from pdfpipe_assets.profiles import load_profile
from pdfpipe_assets.run_tags import LAUNCHER_TAG, PID_TAG
from pdfpipe_assets.settings import DEFAULT_PROFILE, PROJECT_ROOT, Settings
from pdfpipe_assets.stages import FUSED, STAGE_FILES
from pdfpipe_launcher.run_launcher import WarmRunLauncher, run_process_alive

from .conftest import corpus

pytestmark = pytest.mark.corpus  # reads PDFs from the test corpus


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    """A fresh data folder and instance (the repository's dagster.yaml: the warm launcher)."""
    data = tmp_path / "data"
    profile = tmp_path / "profile.yaml"
    shutil.copyfile(DEFAULT_PROFILE, profile)
    monkeypatch.setenv("PDFPIPE_DATA", str(data))
    monkeypatch.setenv("PDFPIPE_PROFILE", str(profile))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    settings = Settings(data)
    with get_instance(settings) as instance:
        apply_profile(instance, load_profile())
    return settings


def _wait(predicate, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_dropped_files_run_in_processes_forked_from_the_warm_process(settings):
    files = [corpus("ocr_test.pdf"), corpus("submission_363.pdf"), corpus("empty.pdf")]
    with dagster_daemon(dict(os.environ)):
        report = drop_and_wait(settings, files, timeout_s=300)
    assert report.finished and report.materialized == 2 and report.failed == 1, report
    with get_instance(settings) as instance:
        runs = instance.get_runs()
        assert runs and all(r.tags.get(LAUNCHER_TAG) == "warm" and int(r.tags[PID_TAG]) > 0 for r in runs)
        messages = [e.dagster_event.message or "" for r in runs for e in instance.all_logs(r.run_id) if e.dagster_event]
        assert sum("from pdfpipe's warm process" in m for m in messages) == len(runs)
        assert sum("warm process" in m and "started" in m for m in messages) == 1  # one warm process for all
        keys = sorted(instance.get_materialized_partitions(dg.AssetKey(FUSED)))
    texts = [json.loads((settings.stage_dir(k, FUSED) / STAGE_FILES[FUSED]).read_text()) for k in keys]
    assert all(any(b["text"].strip() for b in doc["blocks"]) for doc in texts)


def _run_for(instance: dg.DagsterInstance, key: str) -> dg.DagsterRun:
    origin = (
        ReconstructableRepository.for_module("pdfpipe_assets.defs", "defs", str(PROJECT_ROOT))
        .get_reconstructable_job("process_documents")
        .get_python_origin()
    )
    job = code_location().resolve_job_def("process_documents")
    return instance.create_run_for_job(job_def=job, job_code_origin=origin, tags={"dagster/partition": key})


def _status(instance, run_id):
    return instance.get_run_by_id(run_id).status


def test_health_check_terminate_and_a_fresh_warm_process_when_needed(settings):
    with get_instance(settings) as instance:
        launcher = instance.run_launcher
        assert isinstance(launcher, WarmRunLauncher)
        (long_doc, short_doc), _ = zip(
            *register(instance, settings, [corpus("tracemonkey.pdf"), corpus("ocr_test.pdf")])
        )
        try:
            # a run whose process is killed is reported FAILED by the health check
            killed = _run_for(instance, long_doc.key)
            launcher.launch_run(LaunchRunContext(dagster_run=killed, workspace=None))
            _wait(lambda: _status(instance, killed.run_id) == dg.DagsterRunStatus.STARTED, 120, "the run to start")
            killed = instance.get_run_by_id(killed.run_id)
            assert launcher.check_run_worker_health(killed).status == WorkerStatus.RUNNING
            pid = int(killed.tags[PID_TAG])
            os.kill(pid, signal.SIGKILL)
            _wait(lambda: not run_process_alive(pid), 30, "the killed process to go")
            assert launcher.check_run_worker_health(killed).status == WorkerStatus.FAILED

            # terminate: the run stops at its next step and ends CANCELED
            stopped = _run_for(instance, long_doc.key)
            launcher.launch_run(LaunchRunContext(dagster_run=stopped, workspace=None))
            _wait(lambda: _status(instance, stopped.run_id) == dg.DagsterRunStatus.STARTED, 120, "the run to start")
            assert launcher.terminate(stopped.run_id)
            _wait(lambda: _status(instance, stopped.run_id) == dg.DagsterRunStatus.CANCELED, 180, "cancellation")

            # an edited profile: the next run comes from a new warm process, and succeeds
            first = launcher._warm.process.pid
            later = time.time() + 5
            os.utime(os.environ["PDFPIPE_PROFILE"], (later, later))
            fresh = _run_for(instance, short_doc.key)
            launcher.launch_run(LaunchRunContext(dagster_run=fresh, workspace=None))
            assert launcher._warm.process.pid != first
            _wait(lambda: _status(instance, fresh.run_id) == dg.DagsterRunStatus.SUCCESS, 180, "the run to succeed")

            # a warm process that died after the liveness check: the launch goes to a new one
            dead = launcher._warm
            dead.process.kill()
            dead.process.wait()
            dead.alive = lambda: True  # as if it died just after being checked
            again = _run_for(instance, short_doc.key)
            launcher.launch_run(LaunchRunContext(dagster_run=again, workspace=None))
            assert launcher._warm is not dead
            _wait(lambda: _status(instance, again.run_id) == dg.DagsterRunStatus.SUCCESS, 180, "the run to succeed")

            # in-process runs (the CLI's) are not the launcher's to judge
            assert launcher.check_run_worker_health(dg.DagsterRun(job_name="x", run_id="cli")).status == (
                WorkerStatus.RUNNING
            )
        finally:
            launcher.dispose()


def test_dagster_default_run_launcher_stays_a_supported_choice(settings, monkeypatch):
    """``PDFPIPE_RUN_LAUNCHER=default``: Dagster's own launcher, a fresh process per run."""
    monkeypatch.setenv("PDFPIPE_RUN_LAUNCHER", "default")
    monkeypatch.delenv("DAGSTER_HOME", raising=False)  # so that pdfpipe writes the instance file anew
    with get_instance(settings) as instance:
        assert type(instance.run_launcher).__name__ == "DefaultRunLauncher"
    files = [corpus("ocr_test.pdf"), corpus("empty.pdf")]
    with dagster_daemon(dict(os.environ)):
        report = drop_and_wait(settings, files, timeout_s=300)
    assert report.finished and report.materialized == 1 and report.failed == 1, report
    with get_instance(settings) as instance:
        assert all(LAUNCHER_TAG not in r.tags for r in instance.get_runs())
