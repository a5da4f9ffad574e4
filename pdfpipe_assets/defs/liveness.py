"""Which runs are alive, and the pool slots that dead runs still hold.

A run whose process died (SIGKILL, OOM kill, reboot) keeps its concurrency slots: Dagster frees
a step's slot when the step ends, and a killed step never ends.  In a limit-1 pool that wedges
every later run.  Dagster's own remedy is ``free_concurrency_slots_for_run`` (what the UI's
"free concurrency slots" action calls, and what run monitoring's
``free_slots_after_run_end_seconds`` calls for finished runs); this module decides when to
call it: as soon as a holder is known dead.
"""

import os
from dataclasses import dataclass

import dagster as dg

from ..run_tags import PID_TAG

ACTIVE = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]
RUNNING = (dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING)


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    try:  # a zombie has exited: only its parent has not reaped it yet
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return True


def process_gone(run: dg.DagsterRun) -> bool:
    """A running run that recorded its pid, whose process is gone."""
    return run.status in RUNNING and PID_TAG in run.tags and not pid_alive(int(run.tags[PID_TAG]))


def why_dead(run: dg.DagsterRun | None) -> str | None:
    """Why a run can hold no slot any more, or None while it may still be working."""
    if run is None:
        return "the run no longer exists"
    if run.is_finished:
        return f"the run ended ({run.status.value})"
    if process_gone(run):
        return f"its process (pid {run.tags[PID_TAG]}) is gone"
    return None


def fail_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark running runs whose process is gone as failed, so that nothing looks in flight."""
    dead = [r for r in instance.get_runs(dg.RunsFilter(statuses=list(RUNNING))) if process_gone(r)]
    for run in dead:
        instance.report_run_failed(run, f"the process running it (pid {run.tags[PID_TAG]}) is gone")
    return [r.run_id for r in dead]


def live_runs(instance: dg.DagsterInstance) -> list[dg.DagsterRun]:
    """Runs that may still write: queued, starting, or running with a live process."""
    return [r for r in instance.get_runs(dg.RunsFilter(statuses=ACTIVE)) if not process_gone(r)]


@dataclass(frozen=True)
class DeadHolder:
    """A run that holds (or waits for) pool slots although it can no longer use them."""

    run_id: str
    pools: tuple[str, ...]  # pools where it holds a slot
    why: str
    process_gone: bool  # it was running; it is marked failed when freed


def dead_holders(instance: dg.DagsterInstance) -> list[DeadHolder]:
    """Runs that hold slots or pending claims while dead, with the pools they hold."""
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return []
    run_ids = storage.get_concurrency_run_ids()
    if not run_ids:
        return []
    runs = {r.run_id: r for r in instance.get_runs(dg.RunsFilter(run_ids=list(run_ids)))}
    dead = {rid: why for rid in run_ids if (why := why_dead(runs.get(rid)))}
    gone = {rid for rid in dead if rid in runs and process_gone(runs[rid])}
    if not dead:
        return []
    held: dict[str, set[str]] = {rid: set() for rid in dead}
    for pool in storage.get_concurrency_keys():
        for slot in storage.get_concurrency_info(pool).claimed_slots:
            if slot.run_id in held:
                held[slot.run_id].add(pool)
    return [DeadHolder(rid, tuple(sorted(held[rid])), why, rid in gone) for rid, why in sorted(dead.items())]


def free_dead_slots(instance: dg.DagsterInstance) -> list[DeadHolder]:
    """Free every slot and claim of every dead run, and fail the runs whose process is gone."""
    holders = dead_holders(instance)
    fail_dead_runs(instance)
    for holder in holders:
        instance.event_log_storage.free_concurrency_slots_for_run(holder.run_id)
    return holders


def wedged_pools(instance: dg.DagsterInstance, holders: list[DeadHolder]) -> dict[str, list[str]]:
    """Pools whose every slot is held by a dead run: pool -> those runs.  Nothing queued for
    such a pool can ever start until the slots are freed."""
    storage = instance.event_log_storage
    dead = {h.run_id for h in holders}
    wedged = {}
    for pool in sorted({p for h in holders for p in h.pools}):
        info = storage.get_concurrency_info(pool)
        holders_here = {s.run_id for s in info.claimed_slots}
        if info.slot_count and len(info.claimed_slots) >= info.slot_count and holders_here <= dead:
            wedged[pool] = sorted(holders_here)
    return wedged
