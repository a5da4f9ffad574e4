"""Two runs that claim a limit-1 pool's one free slot row at the same moment: one gets it.

The interleaving is made, not waited for: run B's whole claim happens right after run A has
selected the free row and before A writes to it.  On Dagster's own claim both got CLAIMED."""

import os
from contextlib import contextmanager

import dagster as dg
import pytest

from pdfpipe_assets.defs import slot_claim

POOL = "cpu"


class _SelectThenOther:
    """A connection that runs ``other`` once, right after its first statement."""

    def __init__(self, conn, other):
        self._conn, self._other = conn, other

    def execute(self, statement, *args, **kwargs):
        result = self._conn.execute(statement, *args, **kwargs)
        if self._other is not None:
            other, self._other = self._other, None
            other()
        return result

    def __getattr__(self, name):
        return getattr(self._conn, name)


def _race(storage) -> tuple[bool, bool]:
    """Both runs are assigned (Dagster's assignment has the same gap); inside A's slot claim,
    B's whole claim runs right after A's first statement."""
    for run in ("run-a", "run-b"):
        storage.add_pending_step(POOL, run, "step", should_assign=True)
    real_connection, claim_slot = storage.index_connection, type(storage)._claim_concurrency_slot

    def claim_b() -> None:
        storage.index_connection = real_connection
        statuses["b"] = storage.claim_concurrency_slot(POOL, "run-b", "step")

    @contextmanager
    def cut_in():
        with real_connection() as conn:
            yield _SelectThenOther(conn, claim_b)

    def claim_slot_with_cut_in(**kwargs):
        del storage._claim_concurrency_slot  # A's claim only: B's is the storage's own
        storage.index_connection = cut_in
        try:
            return claim_slot(storage, **kwargs)
        finally:
            storage.index_connection = real_connection

    statuses = {}
    storage._claim_concurrency_slot = claim_slot_with_cut_in
    statuses["a"] = storage.claim_concurrency_slot(POOL, "run-a", "step")
    return statuses["a"].is_claimed, statuses["b"].is_claimed


@pytest.fixture
def instance(pool_home):
    """On PostgreSQL, where the claim raced.  (On SQLite the cut-in waits on A's lock, so
    the interleaving cannot happen there.)"""
    if not os.environ.get("PDFPIPE_POSTGRES_URL"):
        pytest.skip("no PostgreSQL server on this machine")
    with dg.DagsterInstance.get() as instance:
        instance.event_log_storage.set_concurrency_slots(POOL, 1)
        yield instance


def test_one_free_slot_goes_to_one_of_two_claims(instance):
    slot_claim.install()
    claimed = _race(instance.event_log_storage)
    assert sorted(claimed) == [False, True], claimed
    info = instance.event_log_storage.get_concurrency_info(POOL)
    assert (info.slot_count, info.active_slot_count) == (1, 1)


def test_the_blocked_claim_gets_the_slot_once_it_is_free(instance):
    slot_claim.install()
    storage = instance.event_log_storage
    a, b = _race(storage)
    winner, loser = ("run-a", "run-b") if a else ("run-b", "run-a")
    storage.free_concurrency_slot_for_step(winner, "step")
    assert storage.claim_concurrency_slot(POOL, loser, "step").is_claimed
    assert storage.get_concurrency_info(POOL).active_slot_count == 1
