"""Sensors: ``inbox_sensor`` registers PDFs dropped into the inbox and requests batched runs;
``batch_followup_sensor`` finishes the good documents of a batch that failed for some."""

from pathlib import Path

import dagster as dg

from ..catalog.inbox import InboxCursor, scan_inbox
from .batching import Batch, wave_batches
from .followup import failed_documents, followup_tags, plan_followups, resume_batches, run_partition_keys
from .jobs import process_documents
from .partitions import documents, partitions_loader
from .resources import PdfpipeResource
from .summary import run_events, tag_run

WILL_RETRY_TAG = "dagster/will_retry"


def batch_request(keys: list[str]) -> dg.RunRequest:
    """One run for adjacent new keys (the sensor adds them together, so they are contiguous)."""
    if len(keys) == 1:
        return dg.RunRequest(run_key=f"inbox-{keys[0]}", partition_key=keys[0])
    return dg.RunRequest(run_key=f"inbox-{keys[0]}-{keys[-1]}", tags=Batch(tuple(keys), ()).tags())


@dg.sensor(job=process_documents, minimum_interval_seconds=15, default_status=dg.DefaultSensorStatus.RUNNING)
def inbox_sensor(context: dg.SensorEvaluationContext, pdfpipe: PdfpipeResource) -> dg.SensorResult:
    ws = pdfpipe.workspace()
    ws.settings.inbox_dir.mkdir(parents=True, exist_ok=True)
    scan = scan_inbox(ws.settings.inbox_dir, InboxCursor.parse(context.cursor))
    found = scan.ready
    if not found and not scan.refused:
        return dg.SensorResult(skip_reason=f"no new PDF in {ws.settings.inbox_dir}")
    # Batches in waves, heaviest first; registered batch by batch so each batch is a key range.
    sizes = {str(p): p.stat().st_size for p in found}
    plan = wave_batches(sizes, ws.profile.batch_size, ws.profile.max_concurrent_runs)
    ordered = [p for batch in plan for p in batch]
    registered = ws.registry.register([Path(p) for p in ordered], take="move") if ordered else []
    key_of = {p: entry.key for p, (entry, is_new) in zip(ordered, registered) if is_new}
    refused = scan.refused + [
        (Path(p).name, f"same bytes as the registered document {entry.key}")
        for p, (entry, is_new) in zip(ordered, registered)
        if not is_new
    ]
    ws.registry.refuse(refused)
    for name, why in refused:
        context.log.warning(f"inbox refused {name}: {why}")
    batches = [[key_of[p] for p in batch if p in key_of] for batch in plan]
    batches = [b for b in batches if b]
    new_keys = [k for b in batches for k in b]
    context.log.info(
        f"inbox: {len(found)} PDFs, {len(new_keys)} new documents, {len(batches)} runs, {len(refused)} refused"
    )
    return dg.SensorResult(
        run_requests=[batch_request(batch) for batch in batches],
        dynamic_partitions_requests=[documents.build_add_request(new_keys)] if new_keys else [],
        cursor=scan.cursor.dump(),
        skip_reason=None if batches else f"{len(refused)} inbox files refused; `pdfpipe status` lists them",
    )


@dg.run_failure_sensor(
    name="batch_followup_sensor",
    request_job=process_documents,
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=10,
)
def batch_followup_sensor(context: dg.RunFailureSensorContext, pdfpipe: PdfpipeResource):
    """A batch run failed for some documents: run the stages the others still miss.

    A run that Dagster's run retries will re-run (a crashed run: ``dagster/will_retry``) is
    left to them: two repairs of one run would materialize its documents twice."""
    run = context.dagster_run
    events = run_events(context.instance, run.run_id)
    tag_run(context.instance, run.run_id, events)  # its summary: documents, pages, failures by class
    if run.tags.get(WILL_RETRY_TAG) == "true":
        return
    loader = partitions_loader(context.instance)  # on PostgreSQL neither call reads every key
    keys = run_partition_keys(run, context.instance, loader)
    if len(keys) < 2:
        return  # a one-document run has nobody else to finish
    failed = failed_documents(events)
    size = pdfpipe.workspace().profile.batch_size
    for batch in plan_followups(context.instance, keys, failed, size, loader):
        tags = followup_tags(run, batch)
        if tags:
            yield dg.RunRequest(
                run_key=f"followup-{run.run_id}-{batch.keys[0]}", asset_selection=batch.asset_selection, tags=tags
            )


@dg.sensor(job=process_documents, minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.STOPPED)
def resume_sensor(context: dg.SensorEvaluationContext, pdfpipe: PdfpipeResource):
    """The UI's `pdfpipe resume`: turn it on to materialize every missing or failed document,
    with no partition to select in the browser.  Each tick queues a wave of batched runs (twice
    the profile's concurrent runs) over documents no run is working on; turn it off when it
    reports nothing left."""
    profile = pdfpipe.workspace().profile
    batches, left = resume_batches(context.instance, profile.batch_size, 2 * profile.max_concurrent_runs)
    if not left:
        return dg.SkipReason("every document is materialized: nothing to resume (turn this sensor off)")
    if not batches:
        return dg.SkipReason(f"{left} documents left, all in runs already")
    context.log.info(f"resume: {left} documents with missing or failed stages; queuing {len(batches)} runs")
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=f"resume-{context.cursor or 0}-{b.keys[0]}-{b.keys[-1]}",
                asset_selection=b.asset_selection,
                tags={**b.tags(), "pdfpipe/source": "resume"},
            )
            for b in batches
        ],
        cursor=str(int(context.cursor or 0) + 1),
    )
