"""A step waiting for a pool slot must sleep, not spin.

Dagster 1.13's ``InstanceConcurrencyContext.interval_to_next_pending_claim_check`` returns
``min([0, *intervals])``, which is never positive, so ``ActiveExecution.sleep_til_ready`` never
sleeps and a run waiting for a slot polls in a tight loop: 93% of a core, seen while a
``pdfpipe resume`` waited on a leaked ``grobid`` slot.  (Dagster PR #20367 proposed the fix and
was closed unmerged.)  And the in-process executor only looks at a captured SIGINT/SIGTERM when
a step runs user code, so a run waiting for a slot could not be stopped at all.

``install()`` replaces that one method: it raises Dagster's own interrupt error when an
interrupt was captured (the run then ends CANCELED and frees its claims), and otherwise returns
the seconds until the earliest pending claim is due again, never negative and at most
``NAP_S``, so that an interrupt acts within a second.  It is installed where a run starts (the
CLI and a run worker); ``tests/test_crash_slots.py`` measures the CPU of a waiting run and
stops one with SIGTERM, so a Dagster upgrade that bypasses it fails there.
"""

import time

from dagster._core.errors import DagsterExecutionInterruptedError
from dagster._core.execution.plan.instance_concurrency_context import InstanceConcurrencyContext
from dagster._utils.interrupts import pop_captured_interrupt

_MARK = "_pdfpipe_sleeps"
NAP_S = 1.0  # the claim itself is retried on Dagster's own back-off schedule, not every nap


def _interval_to_next_pending_claim_check(self) -> float:
    if pop_captured_interrupt():
        raise DagsterExecutionInterruptedError("interrupted while waiting for a pool slot")
    if not self._pending_claims:
        return 0.0
    due = [ready_at for step, ready_at in self._pending_timeouts.items() if step in self._pending_claims]
    if not due:
        return 0.0
    return min(NAP_S, max(0.0, min(due) - time.time()))


def install() -> None:
    """Idempotent: patch the method once per process."""
    if getattr(InstanceConcurrencyContext, _MARK, False):
        return
    InstanceConcurrencyContext.interval_to_next_pending_claim_check = _interval_to_next_pending_claim_check
    setattr(InstanceConcurrencyContext, _MARK, True)
