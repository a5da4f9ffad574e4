"""A run's summary as run tags, where the Dagster UI shows them on the run and in the runs list:
documents fused, pages, failures by class, pages/s.  `pdfpipe status` prints the recent ones.

In-process runs are tagged when they end (``operations``); runs launched by the daemon by
``run_summary_sensor`` and the follow-up sensor.
"""

from __future__ import annotations

from collections import Counter

import dagster as dg

from ..stages import FUSED, SOURCE
from .followup import failed_documents
from .jobs import process_documents

PREFIX = "pdfpipe/summary_"


def run_events(instance: dg.DagsterInstance, run_id: str) -> list[dg.DagsterEvent]:
    return [e.dagster_event for e in instance.all_logs(run_id) if e.dagster_event]


def summarize(instance: dg.DagsterInstance, run_id: str, events: list[dg.DagsterEvent]) -> dict[str, str]:
    """The summary tags of one run, from its events."""
    materialized = [e for e in events if e.is_step_materialization]
    fused = {e.partition for e in materialized if e.asset_key == dg.AssetKey(FUSED)}
    pages: dict[str | None, int] = {}
    for event in materialized:
        if event.asset_key == dg.AssetKey(SOURCE):
            value = event.step_materialization_data.materialization.metadata.get("pages")
            pages[event.partition] = int(value.value) if value is not None else 0
    failed = failed_documents(events)
    classes = Counter(cls for cls, _ in failed.values())
    stats = instance.get_run_stats(run_id)
    seconds = (stats.end_time or 0) - (stats.start_time or 0) if stats.start_time else 0.0
    done_pages = sum(pages.get(k, 0) for k in fused)
    summary = {
        "documents": str(len(fused)),
        "pages": str(done_pages),
        "failed": str(len(failed)),
        "failure_classes": ",".join(f"{c}:{n}" for c, n in classes.most_common()) or "-",
        "seconds": f"{max(0.0, seconds):.1f}",
        "pages_per_s": f"{done_pages / seconds:.2f}" if seconds > 0 else "-",
    }
    return {PREFIX + k: v for k, v in summary.items()}


def tag_run(instance: dg.DagsterInstance, run_id: str, events: list[dg.DagsterEvent] | None = None) -> dict[str, str]:
    """Add the run's summary tags; ``events``: the run's events when the caller has them."""
    tags = summarize(instance, run_id, run_events(instance, run_id) if events is None else events)
    instance.add_run_tags(run_id, tags)
    return tags


def recent_summaries(instance: dg.DagsterInstance, limit: int = 5) -> list[dict[str, str]]:
    """The newest summarized runs: run id, status and summary, newest first."""
    out = []
    for run in instance.get_runs(limit=50):
        if PREFIX + "documents" not in run.tags:
            continue
        row = {"run_id": run.run_id, "status": run.status.value}
        row.update({k[len(PREFIX) :]: v for k, v in run.tags.items() if k.startswith(PREFIX)})
        out.append(row)
        if len(out) >= limit:
            break
    return out


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[process_documents],
    name="run_summary_sensor",
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
)
def run_summary_sensor(context: dg.RunStatusSensorContext):
    """Tag each finished document run with its summary (failed runs: the follow-up sensor)."""
    tag_run(context.instance, context.dagster_run.run_id)
