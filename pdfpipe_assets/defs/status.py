"""Where every document stands, computed from the instance: the numbers `pdfpipe status` prints."""

import time
from collections import Counter
from dataclasses import asdict, dataclass, field

import dagster as dg

from ..catalog import Registry
from ..catalog.corpus import CorpusCatalog
from ..profiles import Profile
from ..stages import STAGES
from .catalog import catalog_status
from .followup import failed_documents
from .liveness import ACTIVE, dead_holders, wedged_pools
from .partitions import document_keys, partitions_loader, stage_status, status_subsets
from .pools import pool_states
from .summary import recent_summaries

RECENT_FAILED_RUNS = 200


@dataclass
class Status:
    documents: int
    stages: dict[str, dict[str, int]]
    runs: dict[str, int]
    pools: list[dict]
    stuck_runs: list[dict]
    failure_classes: dict[str, int]
    failed: list[dict] = field(default_factory=list)
    dead_slot_holders: list[dict] = field(default_factory=list)  # runs that hold slots while dead
    wedged_pools: dict[str, list[str]] = field(default_factory=dict)  # pool -> the dead runs holding all of it
    recent_runs: list[dict] = field(default_factory=list)  # newest summarized runs (run tags)
    inbox_refused: int = 0
    inbox_refused_newest: list[dict] = field(default_factory=list)
    catalog: dict = field(default_factory=dict)  # documents, failed, chunks, pending updates

    def to_dict(self) -> dict:
        return asdict(self)


def _corpus_counts(instance: dg.DagsterInstance, total: int) -> tuple[dict, dict]:
    """Per stage: documents materialized, failed, in progress and missing, from the status
    cache's subsets (no per-document map); and the first failed stage of each failed document."""
    counts, failed_at = {}, {}
    loader = partitions_loader(instance)
    for stage in STAGES:
        materialized, failed, running = status_subsets(instance, stage, loader)
        failed -= running
        materialized -= failed | running
        for key in failed:
            failed_at.setdefault(key, stage)
        done = {"materialized": len(materialized), "failed": len(failed), "in_progress": len(running)}
        counts[stage] = {**done, "missing": max(0, total - sum(done.values()))}
    return counts, failed_at


def _stage_counts(instance: dg.DagsterInstance, keys: list[str]) -> tuple[dict, dict]:
    counts, failed_at = {}, {}
    for stage, status in stage_status(instance, keys, STAGES).items():
        c = {"materialized": 0, "failed": 0, "in_progress": 0, "missing": 0}
        for key in keys:
            value = status.get(key)
            if value == dg.AssetPartitionStatus.MATERIALIZED:
                c["materialized"] += 1
            elif value == dg.AssetPartitionStatus.FAILED:
                c["failed"] += 1
                failed_at.setdefault(key, stage)  # the first stage that failed for it
            elif value == dg.AssetPartitionStatus.IN_PROGRESS:
                c["in_progress"] += 1
            else:
                c["missing"] += 1
        counts[stage] = c
    return counts, failed_at


def _failure_reasons(instance: dg.DagsterInstance) -> dict[str, tuple[str, str]]:
    """key -> (class, message) from the newest failed runs (newest wins)."""
    reasons: dict[str, tuple[str, str]] = {}
    runs = instance.get_runs(dg.RunsFilter(statuses=[dg.DagsterRunStatus.FAILURE]), limit=RECENT_FAILED_RUNS)
    for run in reversed(runs):  # oldest first, so newer failures overwrite
        records = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE)
        reasons.update(failed_documents(r.dagster_event for r in records if r.dagster_event))
    return reasons


def _stuck(instance: dg.DagsterInstance, threshold_s: float) -> list[dict]:
    now = time.time()
    stuck = []
    for run in instance.get_runs(dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED])):
        conn = instance.event_log_storage.get_records_for_run(run.run_id, limit=1, ascending=False)
        last = conn.records[0].event_log_entry.timestamp if conn.records else 0.0
        if now - last > threshold_s:
            stuck.append({"run_id": run.run_id, "silent_s": round(now - last), "job": run.job_name})
    return stuck


SKIPPED = ("skipped", "a step before it failed for another document of its batch; `pdfpipe resume` finishes it")


def _failed(instance: dg.DagsterInstance, failed_at: dict[str, str]) -> list[dict]:
    """key, first failed stage, failure class and message of each failed document."""
    reasons = _failure_reasons(instance) if failed_at else {}
    return [
        {"key": k, "stage": stage, "class": reasons.get(k, SKIPPED)[0], "message": reasons.get(k, SKIPPED)[1]}
        for k, stage in failed_at.items()
    ]


def document_failure(instance: dg.DagsterInstance, key: str) -> list[dict]:
    """One document's failure, as ``collect`` lists it, without counting the whole corpus."""
    return _failed(instance, _stage_counts(instance, [key])[1])


def collect(
    instance: dg.DagsterInstance,
    stuck_after_s: float = 900,
    registry: Registry | None = None,
    profile: Profile | None = None,
    catalog: CorpusCatalog | None = None,
) -> Status:
    total = registry.count() if registry else len(document_keys(instance))
    counts, failed_at = _corpus_counts(instance, total)
    failed = _failed(instance, failed_at)
    classes = Counter(item["class"] for item in failed)
    runs = {
        status.value.lower(): instance.get_runs_count(dg.RunsFilter(statuses=[status]))
        for status in (dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.STARTED)
    }
    runs["active"] = instance.get_runs_count(dg.RunsFilter(statuses=ACTIVE))
    holders = dead_holders(instance)
    refused_total, refused = registry.refused() if registry else (0, [])
    return Status(
        inbox_refused=refused_total,
        inbox_refused_newest=[{"name": n, "reason": r, "at": at.isoformat()} for n, r, at in refused],
        dead_slot_holders=[asdict(h) for h in holders],
        wedged_pools=wedged_pools(instance, holders),
        documents=total,
        stages=counts,
        runs=runs,
        pools=[asdict(p) for p in pool_states(instance, profile)],
        stuck_runs=_stuck(instance, stuck_after_s),
        failure_classes=dict(classes.most_common()),
        failed=failed,
        recent_runs=recent_summaries(instance),
        catalog=catalog_status(instance, catalog) if catalog else {},
    )
