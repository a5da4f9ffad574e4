"""The process tree of a local deployment, by role, and a daemon supervisor (for the chaos run).

dagster-daemon -> code server (``grpc``) and pdfpipe's warm process (``pdfpipe_launcher.zygote``)
warm process   -> run processes (forks, same command line)
run process    -> budget workers (forks, same command line)
A run whose warm process is gone (after a daemon kill) is orphaned but still a run process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from pdfpipe_assets.settings import PROJECT_ROOT

ZYGOTE = b"pdfpipe_launcher.zygote"


def _table() -> dict[int, tuple[int, bytes]]:
    """pid -> (parent pid, command line) of every live process."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            if stat[0] in ("Z", "X"):
                continue
            out[int(entry)] = (int(stat[1]), Path(f"/proc/{entry}/cmdline").read_bytes())
        except (OSError, IndexError):
            continue
    return out


def victims(daemon_pid: int) -> dict[str, list[int]]:
    """Live processes of each role a chaos run may kill."""
    table = _table()
    roles: dict[str, list[int]] = {"daemon": [], "code server": [], "run process": [], "budget worker": []}
    if daemon_pid in table:
        roles["daemon"].append(daemon_pid)
    for pid, (ppid, cmd) in table.items():
        parent_cmd = table.get(ppid, (0, b""))[1]
        if ppid == daemon_pid and b"grpc" in cmd:
            roles["code server"].append(pid)
        elif ZYGOTE in cmd and ZYGOTE in parent_cmd:
            grandparent_cmd = table.get(table[ppid][0], (0, b""))[1]
            roles["budget worker" if ZYGOTE in grandparent_cmd else "run process"].append(pid)
        elif ZYGOTE in cmd and ppid != daemon_pid and ppid not in table:
            roles["run process"].append(pid)  # orphaned by a killed daemon
    return roles


class Supervisor:
    """``dagster-daemon run``, restarted whenever it is found dead, stopped at the end."""

    def __init__(self, env: dict):
        self.env = env
        self.process: subprocess.Popen | None = None
        self.restarts = 0

    @property
    def pid(self) -> int:
        return self.process.pid if self.process else 0

    def _start(self) -> None:
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "dagster-daemon"), "run", "-w", str(PROJECT_ROOT / "workspace.yaml")],
            env=self.env,
            cwd=PROJECT_ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def restart_if_dead(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            self.restarts += 1
            self._start()

    def __enter__(self) -> Supervisor:
        self._start()
        return self

    def __exit__(self, *exc) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=60)
