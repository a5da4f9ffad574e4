"""After a batch run fails for some documents, finish the stages the good ones still miss.

Dagster skips every step after a failed step, for the whole run.  The failed step names
its bad documents (``failed_documents`` metadata); the rest of the batch is re-planned
here as new runs over contiguous key ranges, each selecting only the stages still missing.
"""

import json

import dagster as dg

from ..stages import STAGES
from .batching import RANGE_END, RANGE_START, Batch, contiguous_batches
from .partitions import KeysOnceLoader, documents, done_and_running, keys_between, partitions_loader
from .runner import FAILED_DOCUMENTS


def failed_documents(events) -> dict[str, tuple[str, str]]:
    """key -> (failure class, message), from the step failures of one run."""
    failed: dict[str, tuple[str, str]] = {}
    for event in events:
        if not event.is_step_failure:
            continue
        data = event.step_failure_data.user_failure_data if event.step_failure_data else None
        if data is not None and FAILED_DOCUMENTS in data.metadata:
            for key, (cls, message) in json.loads(data.metadata[FAILED_DOCUMENTS].value).items():
                failed[key] = (cls, message)
    return failed


def run_partition_keys(
    run: dg.DagsterRun, instance: dg.DagsterInstance, loader: KeysOnceLoader | None = None
) -> list[str]:
    """The documents a run covered: one key, or a range in the instance's partition order (on
    PostgreSQL, read without reading every key; elsewhere from ``loader``'s keys)."""
    if run.tags.get("dagster/partition"):
        return [run.tags["dagster/partition"]]
    start, end = run.tags.get(RANGE_START), run.tags.get(RANGE_END)
    if not start or not end:
        return []
    return keys_between(instance, start, end, loader)


def missing_stages(
    instance: dg.DagsterInstance, keys: list[str], sets: tuple[dict[str, set[str]], set[str]] | None = None
) -> dict[str, tuple[str, ...]]:
    """key -> stages not yet materialized for it (keys with none left out); ``sets``: the
    ``done_and_running`` answer when the caller has it already."""
    done, _ = sets if sets is not None else done_and_running(instance, STAGES)
    complete = set.intersection(*done.values())
    return {key: tuple(s for s in STAGES if key not in done[s]) for key in keys if key not in complete}


def plan_followups(
    instance: dg.DagsterInstance,
    keys: list[str],
    failed: dict[str, tuple[str, str]],
    batch_size: int,
    loader: KeysOnceLoader | None = None,
) -> list[Batch]:
    """Runs for the stages the good documents of ``keys`` (a run's documents, adjacent in the
    partition order) still miss; a document that another run is materializing right now is left
    to that run. ``loader``: one that ``run_partition_keys`` used, so keys are read once."""
    good = [k for k in keys if k not in failed]
    return _unfinished(instance, good, keys, loader or partitions_loader(instance), batch_size)[0]


def _unfinished(
    instance: dg.DagsterInstance, keys: list[str], order: list[str], loader: KeysOnceLoader, batch_size: int
) -> tuple[list[Batch], int]:
    """Batches over the stages ``keys`` still miss, leaving out documents a run is materializing
    (queued runs included: Dagster plans their partitions when it creates them), and how many
    documents that is. ``order``: adjacent keys in the partition order that hold ``keys``; a
    range run covers every key between its ends."""
    done, running = done_and_running(instance, STAGES, loader)
    work = missing_stages(instance, [k for k in keys if k not in running], (done, running))
    return contiguous_batches(order, work, batch_size), len(work)


DEPTH_TAG = "pdfpipe/followup_depth"
MAX_DEPTH = len(STAGES)  # each follow-up run gets at least one stage further, or stops


def followup_tags(run: dg.DagsterRun, batch: Batch) -> dict[str, str] | None:
    depth = int(run.tags.get(DEPTH_TAG, "0")) + 1
    if depth > MAX_DEPTH:
        return None
    return {**batch.tags(), DEPTH_TAG: str(depth), "pdfpipe/followup_of": run.run_id}


def resume_batches(instance: dg.DagsterInstance, batch_size: int, limit: int) -> tuple[list[Batch], int]:
    """Up to ``limit`` runs over the documents with missing or failed stages that no run is
    materializing, in partition order; and how many documents are left in all."""
    loader = partitions_loader(instance)
    keys = list(loader.get_dynamic_partitions(documents.name))  # read once, with the statuses
    batches, left = _unfinished(instance, keys, keys, loader, batch_size)
    return batches[:limit], left
