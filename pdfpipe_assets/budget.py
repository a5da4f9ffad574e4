"""Run heavy native work (MuPDF parsing and rendering, OCR) in a child process with a time
budget and a memory cap: a hung or runaway parser is killed, and fails only its document."""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal

from .errors import DocumentError


def _child(conn, fn, args, memory_mb):
    if memory_mb:
        limit = memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        conn.send(("ok", fn(*args)))
    except DocumentError as err:
        conn.send(("document", (err.failure_class, err.message)))
    except MemoryError:
        conn.send(("document", ("out_of_memory", f"ran out of its {memory_mb} MiB memory cap")))
    except BaseException as err:  # noqa: BLE001 - reported to the parent, which re-raises
        conn.send(("error", f"{type(err).__name__}: {err}"))
    finally:
        conn.close()


def run_with_budget(fn, *args, timeout_s: float, memory_mb: int | None = None, what: str = "work"):
    """``fn(*args)`` in a forked child; ``timeout`` / ``out_of_memory`` DocumentErrors when over."""
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(send, fn, args, memory_mb), daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(timeout_s):
            child.kill()
            raise DocumentError("timeout", f"{what} took longer than its {timeout_s:g} s budget: killed")
        try:
            kind, value = receive.recv()
        except EOFError:  # the child died without a word: the kernel's OOM killer, a crash
            child.join()
            if child.exitcode == -signal.SIGKILL:
                raise DocumentError("out_of_memory", f"{what} was killed (SIGKILL), most likely out of memory")
            raise DocumentError("engine_error", f"{what} died with exit code {child.exitcode}")
    finally:
        receive.close()
        child.join(timeout=5)
        if child.is_alive():
            os.kill(child.pid, signal.SIGKILL)
            child.join()
    if kind == "ok":
        return value
    if kind == "document":
        raise DocumentError(*value)
    raise DocumentError("engine_error", f"{what} failed: {value}")
