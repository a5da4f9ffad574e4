"""`pdfpipe dev` started in the background (SIGINT ignored, as a shell does) stops on SIGTERM,
webserver, daemon and code server included."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

STARTUP_S = 120
STOP_S = 30


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting for its parent to reap it."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:200]
    except OSError:
        return "?"


def test_dev_in_the_background_stops_on_sigterm(tmp_path):
    port = _free_port()
    env = {**os.environ, "PDFPIPE_DATA": str(tmp_path / "data")}
    env.pop("DAGSTER_HOME", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "pdfpipe_assets.cli", "dev", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),  # a shell's background job
    )
    try:
        deadline = time.monotonic() + STARTUP_S
        while not _listening(port) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(1)
        assert _listening(port), "the webserver did not start"
        tree = _descendants(proc.pid)
        assert tree, "dagster dev runs the webserver and the daemon as child processes"
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=STOP_S)
        deadline = time.monotonic() + STOP_S  # a child may still be exiting on a loaded machine
        while any(_alive(pid) for pid in tree) and time.monotonic() < deadline:
            time.sleep(0.5)
        left = {pid: _cmdline(pid) for pid in tree if _alive(pid)}
        assert not left, f"child processes left behind: {left}"
    finally:
        if proc.poll() is None:
            for pid in _descendants(proc.pid):
                os.kill(pid, signal.SIGKILL)
            proc.kill()
