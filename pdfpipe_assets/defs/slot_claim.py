"""A pool slot goes to one step at a time, on PostgreSQL too.

Dagster 1.13's ``SqlEventLogStorage._claim_concurrency_slot`` selects a free slot row ``FOR
UPDATE SKIP LOCKED`` and then updates it by id alone.  dagster-postgres runs each statement in
autocommit, so the row lock ends with the select: two runs that select the same free row both
write their step into it and both get ``CLAIMED``.  A limit-1 pool then ran two steps at once
(seen in CI: two ``cpu`` steps of two runs started 5 ms apart).  Dagster's pending-step
assignment has the same gap, so two steps can be assigned one slot; the slot row is the
semaphore that should catch it.

``install()`` replaces that one method with a compare-and-set: the update also requires the row
to be still free, so the second writer changes no row and its step stays ``BLOCKED`` and is
retried on Dagster's own schedule.  ``tests/test_slot_claim.py`` runs the interleaving that
broke it, so a Dagster upgrade that bypasses this fails there.
"""

import sqlalchemy as db
from dagster._core.storage.event_log.schema import ConcurrencySlotsTable
from dagster._core.storage.event_log.sql_event_log import SqlEventLogStorage
from dagster._core.storage.sqlalchemy_compat import db_select
from dagster._utils.concurrency import ConcurrencySlotStatus

_MARK = "_pdfpipe_slot_cas"
TRIES = 3


def _free(concurrency_key: str):
    """The rows of the pool's slots that no step holds."""
    return db.and_(
        ConcurrencySlotsTable.c.concurrency_key == concurrency_key,
        ConcurrencySlotsTable.c.step_key == None,  # noqa: E711 - SQL IS NULL
        ConcurrencySlotsTable.c.deleted == False,  # noqa: E712 - SQL = false
    )


def _claim_concurrency_slot(self, concurrency_key: str, run_id: str, step_key: str):
    """Take a free slot row only while it is still free; a row another run took between our
    select and our update sends us to look again, up to ``TRIES`` times."""
    free = _free(concurrency_key)
    with self.index_connection() as conn:
        for _ in range(TRIES):
            row = conn.execute(
                db_select([ConcurrencySlotsTable.c.id])
                .select_from(ConcurrencySlotsTable)
                .where(free)
                .with_for_update(skip_locked=True)
                .limit(1)
            ).fetchone()
            if not row:
                break
            taken = conn.execute(
                ConcurrencySlotsTable.update()
                .values(run_id=run_id, step_key=step_key)
                .where(db.and_(ConcurrencySlotsTable.c.id == row[0], free))
            ).rowcount
            if taken:
                return ConcurrencySlotStatus.CLAIMED
    return ConcurrencySlotStatus.BLOCKED


def install() -> None:
    """Idempotent: patch the method once per process."""
    if getattr(SqlEventLogStorage, _MARK, False):
        return
    SqlEventLogStorage._claim_concurrency_slot = _claim_concurrency_slot
    setattr(SqlEventLogStorage, _MARK, True)
