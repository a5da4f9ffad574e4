"""Run heavy native work (MuPDF parsing and rendering, layout models, OCR) in a child process
with a time budget and a memory cap: a hung or runaway parser is killed, and fails only its
document.

The child is a worker forked once per process and reused call after call, so a call costs a
pipe round trip, not a fork (about 35 ms here), and models stay loaded in it.  It is replaced
when it is killed (over time, out of memory, crashed), after an engine crash or a memory
error inside it (its engines may be in a bad state), and after ``MAX_CALLS`` calls, which
bounds slow leaks.  A document refused for what it is (empty, encrypted, corrupt) keeps it.
"""

from __future__ import annotations

import atexit
import multiprocessing
import multiprocessing.util  # registers its exit handler now, so that ours (below) runs first
import os
import resource
import signal
import threading
from typing import Any

from .errors import DocumentError, EngineUnavailable, as_gpu_out_of_memory

MAX_CALLS = 200
OUT_OF_MEMORY = ("out_of_memory", "gpu_out_of_memory")  # the worker's engines may be left broken: replace it


def _inherited_data_bytes() -> int:
    """This process's RLIMIT_DATA usage (VmData), or 0 where /proc does not say."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmData:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _serve(conn, parent_end, memory_mb):
    parent_end.close()  # else the worker would never see EOF when its parent dies
    if memory_mb:
        # RLIMIT_DATA (heap and writable private mappings), not RLIMIT_AS: allocators reserve
        # address space they never write, in proportion to the machine (DuckDB: 4.3 GiB on a
        # 128 GiB node; CUDA far more), so an address-space cap fails every call on big nodes.
        # The cap is on top of what the worker inherits from its parent: a long-lived Dagster
        # or test process can hold 2 GiB of writable mappings before the fork, copy-on-write.
        limit = _inherited_data_bytes() + memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):  # the parent is gone
            return
        except Exception as err:  # noqa: BLE001 - a call that cannot be unpickled here
            conn.send(("error", f"could not receive the call: {type(err).__name__}: {err}"))
            continue
        try:
            fn, args = message
            reply = ("ok", fn(*args))
        except DocumentError as err:
            reply = ("document", (err.failure_class, err.message))
        except EngineUnavailable as err:  # a missing optional engine is the deployment's problem
            reply = ("unavailable", str(err))
        except MemoryError:
            reply = ("document", ("out_of_memory", f"ran out of its {memory_mb} MiB memory cap"))
        except BaseException as err:  # noqa: BLE001 - reported to the parent, which re-raises
            gpu = as_gpu_out_of_memory(err)
            reply = ("document", (gpu.failure_class, gpu.message)) if gpu else ("error", f"{type(err).__name__}: {err}")
        try:
            conn.send(reply)
        except Exception as err:  # noqa: BLE001 - a result that cannot be pickled
            conn.send(("error", f"could not send the result: {type(err).__name__}: {err}"))


class BudgetWorker:
    """One worker process with a memory cap; ``call`` runs one function in it.  ``fork`` starts
    it warm from this process; ``spawn`` starts a fresh interpreter (what CUDA needs: a forked
    CUDA context is unusable), which imports the function's module itself."""

    def __init__(self, memory_mb: int | None, start: str = "fork"):
        self.memory_mb = memory_mb
        self.start_method = start
        self.process: Any = None  # a multiprocessing Process of the chosen start method
        self.conn: Any = None
        self.calls = 0

    def _start(self) -> None:
        ctx: Any = multiprocessing.get_context(self.start_method)
        self.conn, child_end = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child_end, self.conn, self.memory_mb), daemon=True)
        self.process.start()
        child_end.close()
        self.calls = 0

    def stop(self) -> None:
        if self.process is None:
            return
        self.conn.close()
        self.process.join(timeout=5)
        if self.process.is_alive():
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.join()
        self.process = self.conn = None

    def _kill(self) -> None:
        self.process.kill()
        self.stop()

    def call(self, fn, *args, timeout_s: float, what: str = "work"):
        if self.process is None or not self.process.is_alive():
            self._start()
        self.calls += 1
        try:
            self.conn.send((fn, args))
        except (BrokenPipeError, ConnectionResetError):  # it died since the check: start another
            self.stop()
            self._start()
            self.conn.send((fn, args))
        if not self.conn.poll(timeout_s):
            self._kill()
            raise DocumentError("timeout", f"{what} took longer than its {timeout_s:g} s budget: killed")
        try:
            kind, value = self.conn.recv()
        except EOFError:  # the worker died without a word: the kernel's OOM killer, a crash
            assert self.process is not None
            self.process.join(timeout=5)
            exitcode = self.process.exitcode
            self.stop()
            if exitcode == -signal.SIGKILL:
                raise DocumentError(
                    "out_of_memory", f"{what} was killed (SIGKILL), most likely out of memory"
                ) from None
            raise DocumentError("engine_error", f"{what} died with exit code {exitcode}") from None
        crashed = kind in ("error", "unavailable") or (kind == "document" and value[0] in OUT_OF_MEMORY)
        if crashed or self.calls >= MAX_CALLS:
            self.stop()  # the next call gets a fresh worker
        if kind == "ok":
            return value
        if kind == "document":
            raise DocumentError(*value)
        if kind == "unavailable":
            raise EngineUnavailable(value)
        raise DocumentError("engine_error", f"{what} failed: {value}")


_WORKERS: list[BudgetWorker] = []  # every worker of this process
_IDLE: dict[tuple[int | None, str], list[BudgetWorker]] = {}  # by memory cap and start method
_LOCK = threading.Lock()


def run_with_budget(fn, *args, timeout_s: float, memory_mb: int | None = None, what: str = "work", start: str = "fork"):
    """``fn(*args)`` (both picklable) in an idle worker of this process for ``memory_mb`` (the
    writable memory a worker may add to what it inherited) and start method; ``timeout`` /
    ``out_of_memory`` DocumentErrors when over.  One caller at a
    time reuses one warm worker; callers at once (a Celery worker's step threads) get one each."""
    key = (memory_mb, start)
    with _LOCK:
        idle = _IDLE.setdefault(key, [])
        worker = idle.pop() if idle else None
        if worker is None:
            worker = BudgetWorker(memory_mb, start)
            _WORKERS.append(worker)
    try:
        return worker.call(fn, *args, timeout_s=timeout_s, what=what)
    finally:
        with _LOCK:
            if worker in _WORKERS:  # not stopped meanwhile
                _IDLE[key].append(worker)


def kill_workers() -> None:
    """SIGKILL this process's workers at once (an interrupted command that exits without waiting)."""
    for worker in list(_WORKERS):
        if worker.process is not None and worker.process.pid:
            try:
                os.kill(worker.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def stop_workers() -> None:
    """End this process's workers; the next call forks a fresh one from the process as it is now."""
    with _LOCK:
        workers, _WORKERS[:] = list(_WORKERS), []
        _IDLE.clear()
    for worker in workers:
        worker.stop()


# At exit, close the workers' pipes (they stop on EOF) before multiprocessing's own exit handler
# joins them after a SIGTERM, which they may ignore: Dagster maps SIGTERM to SIGINT's handler,
# and SIGINT is ignored in a background job.  Seen: pytest hung at exit after every test passed.
atexit.register(stop_workers)
