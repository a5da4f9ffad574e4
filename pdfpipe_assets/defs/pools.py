"""Pool limits from a hardware profile, set on a live instance (no restart)."""

from dataclasses import dataclass

import dagster as dg

from ..profiles import POOLS, Profile


@dataclass
class PoolState:
    pool: str
    limit: int | None
    active: int
    pending: int


def apply_profile(instance: dg.DagsterInstance, profile: Profile) -> dict[str, int]:
    """Set every pool explicitly: a pool never set is not limited on its first dequeue pass."""
    limits = {pool: int(profile.pools.get(pool, 0)) for pool in (*POOLS, *profile.pools)}
    for pool, limit in limits.items():
        instance.event_log_storage.set_concurrency_slots(pool, limit)
    return limits


def pool_states(instance: dg.DagsterInstance) -> list[PoolState]:
    storage = instance.event_log_storage
    states = []
    for pool in sorted(storage.get_concurrency_keys() | set(POOLS)):
        info = storage.get_concurrency_info(pool)
        states.append(
            PoolState(
                pool=pool, limit=info.slot_count if pool in storage.get_concurrency_keys() else None,
                active=info.active_slot_count, pending=info.pending_step_count,
            )
        )
    return states
