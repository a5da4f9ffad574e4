"""A hung or runaway engine is killed by its budget and fails only its own document."""

import time

import pytest

from pdfpipe_assets.budget import run_with_budget
from pdfpipe_assets.errors import DocumentError
from pdfpipe_assets.stages import LAYOUT, run_layout, run_renders, run_source, run_spine

from .conftest import register


def test_a_hung_call_is_killed_at_its_budget():
    start = time.monotonic()
    with pytest.raises(DocumentError) as err:
        run_with_budget(time.sleep, 60, timeout_s=0.5, what="a hung parser")
    assert err.value.failure_class == "timeout"
    assert "a hung parser took longer than its 0.5 s budget: killed" in str(err.value)
    assert time.monotonic() - start < 10


def test_a_runaway_allocation_hits_the_memory_cap():
    with pytest.raises(DocumentError) as err:
        run_with_budget(lambda: bytearray(2 * 2**30), timeout_s=30, memory_mb=512, what="a pixel bomb")
    assert err.value.failure_class == "out_of_memory"


def test_results_and_document_errors_cross_the_process_boundary():
    assert run_with_budget(sum, [1, 2, 3], timeout_s=10) == 6

    def refuse():
        raise DocumentError("corrupt", "damaged beyond repair")

    with pytest.raises(DocumentError, match=r"\[corrupt\] damaged beyond repair"):
        run_with_budget(refuse, timeout_s=10)


def test_table_finding_past_the_document_budget_times_out(workspace):
    key, = register(workspace, "WARN-Report-truncated.pdf")  # 16 dense table pages: ~10 s
    for stage in (run_source, run_renders, run_spine):
        stage(workspace, key)
    workspace.profile.budget.base_s = 0.5
    workspace.profile.budget.per_page_s = 0.01
    with pytest.raises(DocumentError) as err:
        run_layout(workspace, key)
    assert err.value.failure_class == "timeout" and "table finding" in str(err.value)
    assert not workspace.settings.stage_dir(key, LAYOUT).exists()


def test_absurd_page_count_is_refused(workspace):
    key, = register(workspace, "WARN-Report-truncated.pdf")
    workspace.profile.budget.max_pages = 10
    with pytest.raises(DocumentError) as err:
        run_source(workspace, key)
    assert err.value.failure_class == "too_large" and "16 pages" in str(err.value)
