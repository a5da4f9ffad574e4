"""``WarmRunLauncher``: Dagster's run launcher for one node, with runs forked from a warm process.

Dagster's ``DefaultRunLauncher`` asks the code server to spawn a fresh interpreter per run,
which imports Dagster, the code location and the engines again: about 3 s of CPU and 1-2 s
of latency per run here.  This launcher keeps one warm process (``zygote.py``) per launcher
and forks each run from it, so a run costs a fork and its own events.  Cheap runs are what
let the sensor cut a drop into many small runs that the run queue balances across slots.

It is a node-local launcher: the run processes are on the daemon's machine, so the health
check (run monitoring) and ``terminate`` work from the pid recorded in the run's
``pdfpipe/pid`` tag, the tag ``pdfpipe resume`` already uses to find dead runs.  The warm
process is restarted when pdfpipe's code or the hardware profile file changes, so a run
never executes stale code.  A cluster deployment keeps Dagster's Docker or Kubernetes
launcher instead.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from dagster import _check as check
from dagster._core.errors import DagsterLaunchFailedError
from dagster._core.launcher.base import CheckRunHealthResult, LaunchRunContext, RunLauncher, WorkerStatus
from dagster._serdes import ConfigurableClass, ConfigurableClassData, serialize_value

from pdfpipe_assets.run_tags import LAUNCHER_TAG, PID_TAG
from pdfpipe_assets.settings import DEFAULT_PROFILE

PACKAGES = [Path(__file__).resolve().parent, Path(__file__).resolve().parent.parent / "pdfpipe_assets"]
ZYGOTE_MODULE = "pdfpipe_launcher.zygote"
START_TIMEOUT_S = 300  # loading the code location and the engines, on a busy machine
INTERRUPT_EVERY_S, INTERRUPT_REPEATS = 2.0, 30  # terminate: SIGINT again until the run ends


def code_fingerprint() -> tuple:
    """What the warm process loaded: pdfpipe's sources and the hardware profile file."""
    newest = max((p.stat().st_mtime_ns for pkg in PACKAGES for p in pkg.rglob("*.py")), default=0)
    profile = Path(os.environ.get("PDFPIPE_PROFILE") or DEFAULT_PROFILE)
    return newest, str(profile), profile.stat().st_mtime_ns if profile.exists() else 0


def run_process_alive(pid: int) -> bool:
    """The pid is a live process forked by a warm process (not a reused pid)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return ZYGOTE_MODULE.encode() in cmdline and state not in ("Z", "X")


class WarmProcess:
    """The zygote subprocess and its request/reply pipes."""

    def __init__(self) -> None:
        self.fingerprint = code_fingerprint()
        self.process = subprocess.Popen(
            [sys.executable, "-m", ZYGOTE_MODULE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,  # stderr is inherited: its tracebacks show in the daemon's output
        )
        self.ready = self._reply(START_TIMEOUT_S, "start")

    def _reply(self, timeout_s: float, what: str) -> dict:
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self.process.stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout_s)
        if not line or not line[0]:
            self.stop()
            raise DagsterLaunchFailedError(
                f"pdfpipe's warm run process did not {what} (exit code {self.process.poll()}); "
                "its traceback is in the daemon's output"
            )
        return json.loads(line[0])

    def fork(self, run_id: str, instance_ref: str) -> int:
        self.process.stdin.write(json.dumps({"run_id": run_id, "instance_ref": instance_ref}) + "\n")
        self.process.stdin.flush()
        return int(self._reply(60, "fork a run")["pid"])

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        """Close its stdin: it exits; runs it forked go on."""
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class WarmRunLauncher(RunLauncher, ConfigurableClass):
    """Forks each run from a warm process on this machine (see the module docstring)."""

    def __init__(self, inst_data: ConfigurableClassData | None = None):
        self._inst_data = inst_data
        self._lock = threading.Lock()
        self._warm: WarmProcess | None = None
        super().__init__()

    @property
    def inst_data(self) -> ConfigurableClassData | None:
        return self._inst_data

    @classmethod
    def config_type(cls) -> dict:
        return {}

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData, config_value: dict[str, Any]) -> WarmRunLauncher:
        return cls(inst_data=inst_data)

    def _warm_process(self, fresh: bool = False) -> WarmProcess:
        if self._warm and (fresh or not self._warm.alive() or self._warm.fingerprint != code_fingerprint()):
            self._warm.stop()  # gone, or the code or profile changed since it loaded them
            self._warm = None
        if self._warm is None:
            self._warm = WarmProcess()
        return self._warm

    def launch_run(self, context: LaunchRunContext) -> None:
        run = context.dagster_run
        ref = serialize_value(self._instance.get_ref())
        with self._lock:
            before = self._warm
            warm = self._warm_process()
            try:
                pid = warm.fork(run.run_id, ref)
            except OSError:  # it died since the check (a broken pipe): once more, from a new one
                warm = self._warm_process(fresh=True)
                pid = warm.fork(run.run_id, ref)
        self._instance.add_run_tags(run.run_id, {PID_TAG: str(pid), LAUNCHER_TAG: "warm"})
        started = warm is not before
        note = f" (warm process {warm.process.pid} started, {warm.ready.get('threads')} threads)" if started else ""
        self._instance.report_engine_event(
            f"Forked run process {pid} from pdfpipe's warm process{note}.", run, cls=self.__class__
        )

    def terminate(self, run_id: str) -> bool:
        check.str_param(run_id, "run_id")
        run = self._instance.get_run_by_id(run_id)
        if not run or run.is_finished:
            return False
        self._instance.report_run_canceling(run)
        pid = int(run.tags.get(PID_TAG, 0))
        if LAUNCHER_TAG not in run.tags or not run_process_alive(pid):
            return False
        os.kill(pid, signal.SIGINT)  # the run stops at its next checkpoint and ends CANCELED
        threading.Thread(target=self._interrupt_until_ended, args=(run_id, pid), daemon=True).start()
        return True

    def _interrupt_until_ended(self, run_id: str, pid: int) -> None:
        """A SIGINT can land where Python drops the exception it raises (seen: inside an at-fork
        hook while the run forked its budget worker), so repeat it until the run has ended."""
        for _ in range(INTERRUPT_REPEATS):
            time.sleep(INTERRUPT_EVERY_S)
            run = self._instance.get_run_by_id(run_id)
            if run is None or run.is_finished or not run_process_alive(pid):
                return
            os.kill(pid, signal.SIGINT)  # outside user code Dagster only notes it: repeats are safe

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run) -> CheckRunHealthResult:
        if LAUNCHER_TAG not in run.tags:  # an in-process run (CLI, tests): its own process reports it
            return CheckRunHealthResult(WorkerStatus.RUNNING, "not launched by this launcher: not checked")
        pid = int(run.tags.get(PID_TAG, 0))
        if run_process_alive(pid):
            return CheckRunHealthResult(WorkerStatus.RUNNING)
        return CheckRunHealthResult(WorkerStatus.FAILED, f"run process {pid} is gone (killed, or out of memory)")

    def dispose(self) -> None:
        with self._lock:
            if self._warm:
                self._warm.stop()
                self._warm = None
