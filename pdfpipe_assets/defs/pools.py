"""Pool limits from a hardware profile, set on a live instance (no restart)."""

from dataclasses import dataclass

import dagster as dg

from ..profiles import Profile


@dataclass
class PoolState:
    pool: str
    limit: int | None
    active: int
    pending: int


def apply_profile(instance: dg.DagsterInstance, profile: Profile) -> dict[str, int]:
    """Set every pool explicitly: a pool never set is not limited on its first dequeue pass.
    A pool already at its limit is left alone: several commands starting at once on PostgreSQL
    (a cluster's run commands) would otherwise rewrite the same rows together, and one of them
    saw its transaction aborted."""
    storage = instance.event_log_storage
    limits = {pool: int(limit) for pool, limit in profile.pools.items()}
    known = storage.get_concurrency_keys()
    for pool, limit in limits.items():
        if pool in known and storage.get_concurrency_info(pool).slot_count == limit:
            continue
        storage.set_concurrency_slots(pool, limit)
    return limits


def pool_states(instance: dg.DagsterInstance, profile: Profile | None = None) -> list[PoolState]:
    """Every pool the instance knows, and the profile's (limit None where never set)."""
    storage = instance.event_log_storage
    states = []
    keys = storage.get_concurrency_keys()
    pools = sorted(keys | set(profile.pools if profile else ()))
    infos = storage.get_concurrency_infos(pools)  # one query for all
    for pool in pools:
        info = infos[pool]
        states.append(
            PoolState(
                pool=pool,
                limit=info.slot_count if pool in keys else None,
                active=info.active_slot_count,
                pending=info.pending_step_count,
            )
        )
    return states


def max_overlap(intervals: list[tuple[float, float]]) -> int:
    """Most intervals open at one instant."""
    points = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals])
    busy = peak = 0
    for _, delta in points:
        busy += delta
        peak = max(peak, busy)
    return peak


def step_intervals(instance: dg.DagsterInstance, stage_pool: dict[str, str]) -> dict[str, list[tuple[float, float]]]:
    """pool -> (start, end) of every step attempt of every run, from the event log.

    An attempt that ends in STEP_UP_FOR_RETRY gives its slot back at that event (Dagster frees
    the slot while the retry waits), and its retry opens a new interval at STEP_RESTARTED.
    """
    opened = (dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_RESTARTED)
    closed = (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE, dg.DagsterEventType.STEP_UP_FOR_RETRY)
    steps: dict[str, list[tuple[float, float]]] = {}
    for run in instance.get_runs():
        starts = {}
        for record in instance.all_logs(run.run_id):
            event = record.dagster_event
            if event is None or event.step_key not in stage_pool:
                continue
            if event.event_type in opened:
                starts[event.step_key] = record.timestamp
            elif event.event_type in closed and event.step_key in starts:
                steps.setdefault(stage_pool[event.step_key], []).append((starts.pop(event.step_key), record.timestamp))
    return steps
