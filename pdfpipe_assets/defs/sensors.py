"""``inbox_sensor``: register PDFs dropped into the inbox and request a run for each new one."""


import dagster as dg

from ..catalog import Registry
from ..catalog.inbox import InboxCursor, scan_inbox
from .jobs import process_documents
from .partitions import documents
from .resources import PdfpipeResource


@dg.sensor(job=process_documents, minimum_interval_seconds=15, default_status=dg.DefaultSensorStatus.RUNNING)
def inbox_sensor(context: dg.SensorEvaluationContext, pdfpipe: PdfpipeResource) -> dg.SensorResult:
    ws = pdfpipe.workspace()
    cursor = InboxCursor.parse(context.cursor)
    found, next_cursor = scan_inbox(ws.settings.inbox_dir, cursor)
    if not found:
        return dg.SensorResult(skip_reason=f"no new PDF in {ws.settings.inbox_dir}")
    registered = Registry(ws.settings.registry_path).register(found)
    new_keys = [entry.key for entry, is_new in registered if is_new]
    context.log.info(f"inbox: {len(found)} files, {len(new_keys)} new documents")
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=k, partition_key=k) for k in new_keys],
        dynamic_partitions_requests=[documents.build_add_request(new_keys)] if new_keys else [],
        cursor=next_cursor.dump(),
    )
