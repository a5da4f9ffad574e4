"""The warm process behind ``WarmRunLauncher``: it loads the code location and warms the
engines once, then forks one child per run, which executes it (``defs/run_worker.py``).

A run process started the usual way (Dagster's code server spawns a fresh interpreter) pays
about 3 s of CPU before its first document: Dagster and the code location, PyMuPDF and its
layout model, refextract's knowledge bases (8,500 regular expressions).  A forked child
inherits all of it, copy-on-write, and starts working at once.

Protocol, one JSON object a line: the launcher writes ``{"run_id": ..., "instance_ref": ...}``
to stdin; this process answers ``{"pid": ...}`` on stdout.  Its first line, once warm, is
``{"ready": true, "threads": n}``.  It exits when stdin closes (its launcher is gone); runs
already forked go on.  Run it as ``python -m pdfpipe_launcher.zygote``.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import traceback


def preload() -> None:
    """Everything a run process would load before its first document."""
    from pdfpipe_assets.engines.threads import cap_threads
    from pdfpipe_assets.profiles import load_profile

    profile = load_profile()
    cap_threads(profile.threads_per_worker)  # before any engine loads, as in a spawned run process

    from dagster._core.definitions.reconstruct import ReconstructableRepository

    from pdfpipe_assets.defs import run_worker  # noqa: F401  (the run entry point)
    from pdfpipe_assets.stages import warm_up

    # The code location is a lazy @dg.definitions: build it here, through the loader a run uses,
    # so that each forked run finds it cached (about 0.7 s of CPU a run otherwise).
    repository = ReconstructableRepository.for_module("pdfpipe_assets.defs", "defs", os.getcwd())
    repository.get_reconstructable_job("process_documents").get_definition()
    warm_up(profile)


def native_threads() -> int:
    """Threads of this process, native ones included, reported when it is ready: a fork copies
    only the forking thread, so the others must be idle (here: onnxruntime's housekeeping one)."""
    return len(os.listdir("/proc/self/task"))


def _fork_run(request: dict) -> int:
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the child waits for its own budget worker
        signal.signal(signal.SIGINT, signal.default_int_handler)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)  # the request pipe is the zygote's, not this run's
        os.dup2(2, 1)  # so is the reply pipe: the run's prints go to stderr
        from pdfpipe_assets.defs.run_worker import execute_run  # loaded by preload(): no import cost here

        code = execute_run(request["run_id"], request["instance_ref"])
    except BaseException:  # noqa: BLE001 - the run's own failures are in its event log already
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)  # never return into the zygote's loop


def serve(requests, replies) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the runs; this ends with its stdin
    preload()
    from pdfpipe_assets.defs import heap

    heap.settle("warm process")  # the runs forked from here never walk (nor copy) what it loaded
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # finished runs are reaped by the kernel
    replies.write(json.dumps({"ready": True, "threads": native_threads()}) + "\n")
    replies.flush()
    for line in requests:
        pid = _fork_run(json.loads(line))
        replies.write(json.dumps({"pid": pid}) + "\n")
        replies.flush()


if __name__ == "__main__":
    serve(sys.stdin, sys.stdout)
