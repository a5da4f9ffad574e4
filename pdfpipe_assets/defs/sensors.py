"""Sensors: ``inbox_sensor`` registers PDFs dropped into the inbox and requests batched runs;
``batch_followup_sensor`` finishes the good documents of a batch that failed for some."""


import dagster as dg

from ..catalog import Registry
from ..catalog.inbox import InboxCursor, scan_inbox
from .followup import Batch, failed_documents, followup_tags, plan_followups, run_partition_keys
from .jobs import process_documents
from .partitions import documents
from .resources import PdfpipeResource


def balanced_batches(keys: list[str], size: int, runs: int) -> list[list[str]]:
    """Batches of at most ``size``, as many as there are run slots at least, of equal length."""
    if not keys:
        return []
    count = max(-(-len(keys) // size), min(len(keys), runs))
    count = -(-count // runs) * runs if count > runs else count  # a multiple of the run slots
    count = min(count, len(keys))
    return [keys[len(keys) * i // count : len(keys) * (i + 1) // count] for i in range(count)]


def batch_request(keys: list[str]) -> dg.RunRequest:
    """One run for adjacent new keys (the sensor adds them together, so they are contiguous)."""
    if len(keys) == 1:
        return dg.RunRequest(run_key=f"inbox-{keys[0]}", partition_key=keys[0])
    return dg.RunRequest(run_key=f"inbox-{keys[0]}-{keys[-1]}", tags=Batch(tuple(keys), ()).tags())


@dg.sensor(job=process_documents, minimum_interval_seconds=15, default_status=dg.DefaultSensorStatus.RUNNING)
def inbox_sensor(context: dg.SensorEvaluationContext, pdfpipe: PdfpipeResource) -> dg.SensorResult:
    ws = pdfpipe.workspace()
    cursor = InboxCursor.parse(context.cursor)
    found, next_cursor = scan_inbox(ws.settings.inbox_dir, cursor)
    if not found:
        return dg.SensorResult(skip_reason=f"no new PDF in {ws.settings.inbox_dir}")
    found.sort(key=lambda p: -p.stat().st_size)  # largest first: long documents do not trail
    registered = Registry(ws.settings.registry_path).register(found)
    new_keys = [entry.key for entry, is_new in registered if is_new]
    context.log.info(f"inbox: {len(found)} files, {len(new_keys)} new documents")
    batches = balanced_batches(new_keys, ws.profile.batch_size, ws.profile.max_concurrent_runs)
    return dg.SensorResult(
        run_requests=[batch_request(batch) for batch in batches],
        dynamic_partitions_requests=[documents.build_add_request(new_keys)] if new_keys else [],
        cursor=next_cursor.dump(),
    )


@dg.run_failure_sensor(
    name="batch_followup_sensor", request_job=process_documents, default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=10,
)
def batch_followup_sensor(context: dg.RunFailureSensorContext, pdfpipe: PdfpipeResource):
    """A batch run failed for some documents: run the stages the others still miss."""
    run = context.dagster_run
    keys = run_partition_keys(run, context.instance)
    if len(keys) < 2:
        return  # a one-document run has nobody else to finish
    records = context.instance.all_logs(run.run_id)
    failed = failed_documents(r.dagster_event for r in records if r.dagster_event)
    size = pdfpipe.workspace().profile.batch_size
    for batch in plan_followups(context.instance, keys, failed, size):
        tags = followup_tags(run, batch)
        if tags:
            yield dg.RunRequest(
                run_key=f"followup-{run.run_id}-{batch.keys[0]}", asset_selection=batch.asset_selection, tags=tags
            )
