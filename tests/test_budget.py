"""A hung or runaway engine is killed by its budget and fails only its own document."""

import mmap
import os
import subprocess
import sys
import textwrap
import time

import pytest

from pdfpipe_assets.budget import run_with_budget, stop_workers
from pdfpipe_assets.errors import DocumentError
from pdfpipe_assets.settings import PROJECT_ROOT
from pdfpipe_assets.stages import LAYOUT, run_layout, run_renders, run_source, run_spine

from .conftest import register

pytestmark = pytest.mark.corpus  # reads PDFs from the test corpus


def _allocate_2_gib():
    return bytearray(2 * 2**30)


def _refuse():
    raise DocumentError("corrupt", "damaged beyond repair")


def test_a_hung_call_is_killed_at_its_budget():
    start = time.monotonic()
    with pytest.raises(DocumentError) as err:
        run_with_budget(time.sleep, 60, timeout_s=0.5, what="a hung parser")
    assert err.value.failure_class == "timeout"
    assert "a hung parser took longer than its 0.5 s budget: killed" in str(err.value)
    assert time.monotonic() - start < 10


def test_a_runaway_allocation_hits_the_memory_cap():
    with pytest.raises(DocumentError) as err:
        run_with_budget(_allocate_2_gib, timeout_s=30, memory_mb=512, what="a pixel bomb")
    assert err.value.failure_class == "out_of_memory"


def _allocate_64_mib() -> int:
    return len(bytearray(64 * 2**20))


def test_address_space_reserved_before_the_fork_does_not_count_against_the_cap():
    """DuckDB reserves address space in proportion to the machine's memory: 0.65 GiB here,
    4.3 GiB on a 128 GiB machine (seen on a lent 16-core one, where an address-space cap
    failed every document whose worker was forked after the catalog opened).  The cap
    counts memory that can be written, so such a reservation costs nothing."""
    stop_workers()  # the next call forks a worker from this process as it is now
    reserved = mmap.mmap(-1, 6 * 2**30, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ)
    try:
        assert run_with_budget(_allocate_64_mib, timeout_s=30, memory_mb=2048) == 64 * 2**20
    finally:
        reserved.close()
        stop_workers()


def test_writable_memory_the_parent_holds_before_the_fork_does_not_count_against_the_cap():
    """A long-lived Dagster or test process can hold gigabytes of writable mappings when it
    forks its worker; the cap bounds what a call adds, not what the worker inherited."""
    stop_workers()
    inherited = mmap.mmap(-1, 3 * 2**30, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ | mmap.PROT_WRITE)
    try:
        assert run_with_budget(_allocate_64_mib, timeout_s=30, memory_mb=2048) == 64 * 2**20
        with pytest.raises(DocumentError) as err:  # and a call still cannot add more than its cap
            run_with_budget(_allocate_2_gib, timeout_s=30, memory_mb=512)
        assert err.value.failure_class == "out_of_memory"
    finally:
        inherited.close()
        stop_workers()


def test_results_and_document_errors_cross_the_process_boundary():
    assert run_with_budget(sum, [1, 2, 3], timeout_s=10) == 6
    with pytest.raises(DocumentError, match=r"\[corrupt\] damaged beyond repair"):
        run_with_budget(_refuse, timeout_s=10)


def test_the_worker_is_reused_and_replaced_when_killed():
    first = run_with_budget(os.getpid, timeout_s=10)
    assert first != os.getpid()  # the work runs in a child process...
    assert run_with_budget(os.getpid, timeout_s=10) == first  # ...forked once, not per call
    with pytest.raises(DocumentError):
        run_with_budget(time.sleep, 60, timeout_s=0.5)
    replacement = run_with_budget(os.getpid, timeout_s=10)
    assert replacement != first
    os.kill(replacement, 9)  # a worker that dies between calls is replaced too
    time.sleep(0.2)
    assert run_with_budget(os.getpid, timeout_s=10) not in (first, replacement)


def test_table_finding_past_the_document_budget_times_out(workspace):
    (key,) = register(workspace, "WARN-Report-truncated.pdf")  # 16 dense table pages: ~10 s
    for stage in (run_source, run_renders, run_spine):
        stage(workspace, key)
    workspace.profile.budget.base_s = 0.5
    workspace.profile.budget.per_page_s = 0.01
    with pytest.raises(DocumentError) as err:
        run_layout(workspace, key)
    assert err.value.failure_class == "timeout" and "table finding" in str(err.value)
    assert not workspace.settings.stage_dir(key, LAYOUT).exists()


def test_absurd_page_count_is_refused(workspace):
    (key,) = register(workspace, "WARN-Report-truncated.pdf")
    workspace.profile.budget.max_pages = 10
    with pytest.raises(DocumentError) as err:
        run_source(workspace, key)
    assert err.value.failure_class == "too_large" and "16 pages" in str(err.value)


def _crash():
    raise RuntimeError("MuPDF fell over")


def test_a_refused_document_keeps_the_worker_and_a_crash_replaces_it():
    worker = run_with_budget(os.getpid, timeout_s=10)
    with pytest.raises(DocumentError, match="corrupt"):
        run_with_budget(_refuse, timeout_s=10)
    assert run_with_budget(os.getpid, timeout_s=10) == worker  # its engines are fine
    with pytest.raises(DocumentError, match=r"\[engine_error\] work failed: RuntimeError: MuPDF fell over"):
        run_with_budget(_crash, timeout_s=10)
    assert run_with_budget(os.getpid, timeout_s=10) != worker  # they may not be


EXIT_WITH_SIGNALS_IGNORED = textwrap.dedent("""
    import signal
    from pdfpipe_assets.budget import run_with_budget, stop_workers
    # as after a Dagster run in a background job: SIGTERM mapped to SIGINT's handler, ignored
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    print(run_with_budget(sum, [1, 2, 3], timeout_s=30))
""")


def test_a_process_with_a_worker_exits_even_when_it_ignores_sigterm():
    done = subprocess.run(
        [sys.executable, "-c", EXIT_WITH_SIGNALS_IGNORED],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=PROJECT_ROOT,
    )
    assert done.returncode == 0 and done.stdout.strip() == "6", done.stderr


def _pid_after(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def test_callers_at_once_get_a_worker_each_and_one_caller_reuses_its_own():
    # a Celery worker runs its slots' steps in threads of one process
    from concurrent.futures import ThreadPoolExecutor

    stop_workers()
    with ThreadPoolExecutor(2) as pool:
        pids = list(pool.map(lambda _: run_with_budget(_pid_after, 0.5, timeout_s=10), range(2)))
    assert len(set(pids)) == 2 and os.getpid() not in pids
    assert run_with_budget(_pid_after, 0, timeout_s=10) in pids  # warm, not forked again
    stop_workers()
