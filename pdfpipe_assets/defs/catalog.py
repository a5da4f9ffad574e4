"""The ``corpus_catalog`` asset: the DuckDB catalog, updated with the documents that changed.

Its cursor is the event storage id of the last document change it loaded, kept inside the
catalog in the same transaction as the rows.  An update reads only the materializations of
``embeddings`` (a converted document) and the failure observations of the document stages
recorded after that id: nothing is rescanned.  ``catalog_sensor`` requests an update when
documents changed; ``pdfpipe catalog --rebuild`` empties it and reloads everything.
"""

import time

import dagster as dg

from ..catalog.corpus import Change, CorpusCatalog
from ..stages import EMBEDDINGS, FUSED, STAGES, Workspace
from .liveness import ACTIVE
from .resources import PdfpipeResource

CATALOG_ASSET = "corpus_catalog"
PAGE = 10_000


def catalog_of(ws: Workspace) -> CorpusCatalog:
    return CorpusCatalog(ws.settings.catalog_path)


def _fetch(fetch, key: str, after: int) -> list:
    """Every record of ``key`` after storage id ``after``, oldest first, page by page."""
    records, cursor = [], None
    while True:
        result = fetch(
            dg.AssetRecordsFilter(asset_key=dg.AssetKey(key), after_storage_id=after),
            limit=PAGE,
            cursor=cursor,
            ascending=True,
        )
        records.extend(result.records)
        if not result.has_more:
            return records
        cursor = result.cursor


def changes_since(instance: dg.DagsterInstance, ws: Workspace, after: int) -> tuple[list[Change], int]:
    """The documents whose state changed after storage id ``after`` (converted or failed), in
    event order, and the storage id to resume from."""
    events: list[tuple[int, str, tuple[str, str] | None]] = []
    for record in _fetch(instance.fetch_materializations, EMBEDDINGS, after):
        events.append((record.storage_id, record.partition_key, None))
    for stage in STAGES:
        for record in _fetch(instance.fetch_observations, stage, after):
            meta = record.asset_observation.metadata if record.asset_observation else {}
            if "failure_class" in meta and record.partition_key:
                message = meta.get("failure_message")
                failure = (str(meta["failure_class"].value), str(message.value) if message else "")
                events.append((record.storage_id, record.partition_key, failure))
    events.sort()
    latest = {key: failure for _, key, failure in events}  # the last event of a document wins
    entries = ws.registry.get_many(list(latest))
    changes = []
    for key, failure in latest.items():
        entry = entries.get(key)
        found = ws.path(key, FUSED).exists() and ws.path(key, EMBEDDINGS).exists()
        changes.append(
            Change(
                key=key,
                file_name=entry.file_name if entry else "",
                source_path=ws.settings.relative(entry.source_path) if entry else None,
                sha256=entry.sha256 if entry else None,
                fused=ws.path(key, FUSED) if failure is None and found else None,
                chunks=ws.path(key, EMBEDDINGS) if failure is None and found else None,
                failure=failure or (None if found else ("missing_input", "its output files are gone")),
            )
        )
    return changes, max((e[0] for e in events), default=after)


def update_catalog(instance: dg.DagsterInstance, ws: Workspace, log=None):
    """Load what changed since the catalog's cursor; the report of the update."""
    catalog = catalog_of(ws)
    changes, cursor = changes_since(instance, ws, catalog.cursor())
    report = catalog.update(changes, cursor=cursor)
    for key, why in report.refused.items():
        if log:
            log.error(f"catalog refused {key}: its output does not match the schema: {why}")
    return report


def catalog_status(instance: dg.DagsterInstance, catalog: CorpusCatalog) -> dict:
    """The catalog's counts, and whether documents changed since its last update (``pending``);
    ``busy`` while an update holds the file."""
    import duckdb

    try:
        summary = catalog.summary()
    except duckdb.IOException:
        return {"busy": True}
    newer = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey(EMBEDDINGS), after_storage_id=summary["cursor"]), limit=1
    )
    return {**summary, "pending": bool(newer.records), "path": str(catalog.path)}


@dg.asset(
    name=CATALOG_ASSET,
    deps=[FUSED, EMBEDDINGS],
    group_name="corpus",
    kinds={"duckdb"},
    pool="catalog",
    description="The corpus as DuckDB tables (documents, pages, blocks, tables, cells, refs, citations, "
    "chunks with embeddings), updated with the documents that changed since the last update.",
)
def corpus_catalog(context: dg.AssetExecutionContext, pdfpipe: PdfpipeResource) -> dg.MaterializeResult:
    ws = pdfpipe.workspace()
    report = update_catalog(context.instance, ws, context.log)
    totals = catalog_of(ws).summary()
    return dg.MaterializeResult(
        metadata={
            "loaded": report.loaded,
            "failed": report.failed,
            "refused": ", ".join(report.refused) or "-",
            "chunks_added": report.chunks,
            "seconds": report.seconds,
            "documents_in_catalog": totals["documents"],
            "failed_in_catalog": totals["failed"],
            "path": dg.MetadataValue.path(ws.settings.catalog_path.name),
        }
    )


update_catalog_job = dg.define_asset_job(
    "update_catalog", selection=[CATALOG_ASSET], description="Load the changed documents into the catalog."
)


CATALOG_LAG_S = 300  # while documents convert, the catalog is at most this much behind


def _converting(instance: dg.DagsterInstance) -> bool:
    """Some run other than a catalog update is queued or in flight."""
    runs = instance.get_runs(dg.RunsFilter(statuses=ACTIVE), limit=20)
    return any(run.job_name != update_catalog_job.name for run in runs)


@dg.sensor(job=update_catalog_job, minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING)
def catalog_sensor(context: dg.SensorEvaluationContext):
    """Request a catalog update when a document was converted or failed since the last request.

    While documents are still converting, updates come at most every ``CATALOG_LAG_S``: each
    update is a run and a DuckDB transaction, and on a busy node they would take CPU from the
    conversions every 30 s.  The first change and the end of the work are loaded at once.
    The cursor is ``<storage id>:<time of the last request>``."""
    text, _, requested = (context.cursor or "0").partition(":")
    after = newest = int(text)
    fetches = [(context.instance.fetch_materializations, EMBEDDINGS)]  # converted documents
    fetches += [(context.instance.fetch_observations, stage) for stage in STAGES]  # failures
    for fetch, stage in fetches:
        result = fetch(dg.AssetRecordsFilter(asset_key=dg.AssetKey(stage), after_storage_id=after), limit=1)
        if result.records:
            newest = max(newest, result.records[0].storage_id)
    if newest == after:
        return dg.SkipReason("no document changed since the last catalog update")
    if requested and time.time() - float(requested) < CATALOG_LAG_S and _converting(context.instance):
        return dg.SkipReason(
            f"documents are still converting: the catalog loads them when the runs end, "
            f"or {CATALOG_LAG_S} s after its last update"
        )
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=f"catalog-{newest}")], cursor=f"{newest}:{time.time():.0f}"
    )
