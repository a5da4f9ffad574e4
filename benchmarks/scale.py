"""A PostgreSQL instance with many registered documents, some materialized, and the timings that
must hold at that scale.

    python -m benchmarks.scale [--documents 500000] [--materialized 100000]

It registers ``--documents`` keys as partitions (in the registry too), records a materialization
of every document asset for the first ``--materialized`` of them (event batches written straight
to the event log: what runs would have left, without running the engines), then times
``pdfpipe status --json`` twice (the first call builds Dagster's asset status cache), reading every key, planning a
resume of the missing documents, and one tick of ``resume_sensor``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHUNK = 10_000


def materialize_events(instance, keys: list[str], stages) -> None:
    """One ASSET_MATERIALIZATION per stage and key, written in batches (fixture building only:
    the event classes are Dagster's own)."""
    import dagster as dg
    from dagster._core.events import DagsterEvent, DagsterEventType, StepMaterializationData
    from dagster._core.events.log import EventLogEntry

    run_id = "scale-fixture"
    for stage in stages:  # one asset per batch: a batch updates the asset's record from its last event
        for start in range(0, len(keys), 5_000):
            batch = []
            for key in keys[start : start + 5_000]:
                event = DagsterEvent(
                    event_type_value=DagsterEventType.ASSET_MATERIALIZATION.value,
                    job_name="process_documents",
                    event_specific_data=StepMaterializationData(
                        dg.AssetMaterialization(asset_key=dg.AssetKey(stage), partition=key)
                    ),
                )
                batch.append(
                    EventLogEntry(
                        error_info=None,
                        level=logging.INFO,
                        user_message="",
                        run_id=run_id,
                        timestamp=time.time(),
                        dagster_event=event,
                        job_name="process_documents",
                    )
                )
            instance.event_log_storage.store_event_batch(batch)


def build(settings, documents: int, materialized: int) -> None:
    """Registers the keys (partitions and registry rows) and writes the materializations."""
    from pdfpipe_assets.catalog import Registry
    from pdfpipe_assets.defs.operations import get_instance
    from pdfpipe_assets.defs.partitions import documents as partitions
    from pdfpipe_assets.stages import STAGES

    keys = [f"doc-{i:07d}-{i:012x}" for i in range(documents)]
    t = time.perf_counter()
    with get_instance(settings) as instance:
        for start in range(0, len(keys), CHUNK):
            instance.add_dynamic_partitions(partitions.name, keys[start : start + CHUNK])
        registered = time.perf_counter() - t
        with Registry(settings.registry_path)._connect() as con:  # the registry rows `register` writes
            con.execute(
                "INSERT INTO documents SELECT k, 'sources/' || k || '.pdf', k || '.pdf', k, 1, now() "
                "FROM (SELECT unnest($keys) AS k)",
                {"keys": keys},
            )
        t = time.perf_counter()
        materialize_events(instance, keys[:materialized], list(STAGES))
        events = time.perf_counter() - t
    print(
        f"{documents:,} partitions registered in {registered:.1f} s; "
        f"{materialized:,} x {len(STAGES)} materializations written in {events:.0f} s"
    )


def timed(argv: list[str], env: dict) -> tuple[float, str]:
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "pdfpipe_assets.cli", *argv], env=env, capture_output=True, text=True)
    if out.returncode not in (0, 1):
        raise RuntimeError(out.stderr[-2000:])
    return time.perf_counter() - started, out.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=500_000)
    parser.add_argument("--materialized", type=int, default=100_000)
    parser.add_argument("--postgres", default="postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="pdfpipe_scale")
    parser.add_argument("--ui", action="store_true", help="also time the UI's asset page and partitions tab queries")
    parser.add_argument("--screenshots", type=Path, help="with --ui: headless Chromium shots of those pages here")
    parser.add_argument("--reuse", type=Path, help="time again on the data dir of an earlier run (same --database)")
    args = parser.parse_args()

    import dagster as dg

    from pdfpipe_assets.defs.followup import missing_stages
    from pdfpipe_assets.defs.operations import database_url, fresh_postgres_database, get_instance
    from pdfpipe_assets.defs.partitions import document_keys, documents
    from pdfpipe_assets.defs.resources import PdfpipeResource
    from pdfpipe_assets.defs.sensors import resume_sensor
    from pdfpipe_assets.settings import Settings

    if args.reuse:
        data, url = args.reuse, database_url(args.postgres, args.database)
    else:
        data = Path(tempfile.mkdtemp(prefix="pdfpipe-scale-"))
        url = fresh_postgres_database(args.postgres, args.database)
    os.environ.update({"PDFPIPE_DATA": str(data), "PDFPIPE_POSTGRES_URL": url})
    os.environ.pop("DAGSTER_HOME", None)
    settings = Settings(data)
    if not args.reuse:
        build(settings, args.documents, args.materialized)
    print(f"data dir {data} (time again with --reuse {data})")

    env = {**os.environ, "DAGSTER_HOME": str(settings.dagster_home)}
    first, out = timed(["status", "--json"], env)
    second, out = timed(["status", "--json"], env)
    stages = json.loads(out)["stages"]
    started = time.perf_counter()  # what any command that opens a PostgreSQL instance pays first
    subprocess.run([sys.executable, "-c", "import dagster, dagster_postgres"], check=True, capture_output=True)
    floor = time.perf_counter() - started
    print(
        f"pdfpipe status --json: first {first:.1f} s, second {second:.1f} s "
        f"(importing dagster and dagster_postgres alone: {floor:.1f} s); fused_document {stages['fused_document']}"
    )
    with get_instance(settings) as instance:  # an ingest: Dagster's id of the partitions changes
        stamp = int(time.time())
        instance.add_dynamic_partitions(documents.name, [f"new-{stamp}-{i:05d}" for i in range(CHUNK)])
    after, _ = timed(["status", "--json"], env)
    again, _ = timed(["status", "--json"], env)
    print(f"pdfpipe status --json after {CHUNK:,} more documents were registered: {after:.1f} s, then {again:.1f} s")
    with get_instance(settings) as instance:
        t = time.perf_counter()
        all_keys = document_keys(instance)
        listing = time.perf_counter() - t
        work = missing_stages(instance, all_keys)
        plan = time.perf_counter() - t
    print(f"reading every key: {listing:.1f} s; planning a resume of {len(work):,} documents: {plan:.1f} s")
    with (
        get_instance(settings) as instance,
        dg.build_sensor_context(
            instance=instance, resources={"pdfpipe": PdfpipeResource(data_dir=str(data))}
        ) as context,
    ):
        t = time.perf_counter()
        result = resume_sensor(context)
        print(
            f"resume_sensor tick (the UI's resume): {time.perf_counter() - t:.1f} s, {len(result.run_requests)} runs queued"
        )
    if args.ui:
        ui_timings(data, str(settings.dagster_home), args.screenshots)


ASSET_PAGE = """query { assetNodeOrError(assetKey: {path: ["fused_document"]}) { ... on AssetNode {
  partitionStats { numMaterialized numFailed numMaterializing numPartitions } } } }"""
PARTITIONS_TAB = """query { assetNodeOrError(assetKey: {path: ["fused_document"]}) { ... on AssetNode {
  partitionKeysByDimension { name partitionKeys }
  assetPartitionStatuses { ... on DefaultPartitionStatuses {
    materializedPartitions failedPartitions unmaterializedPartitions materializingPartitions } } } } }"""


PAGES = {"asset page": "/assets/fused_document", "partitions tab": "/assets/fused_document?view=partitions"}


def ui_timings(data: Path, dagster_home: str, screenshots: Path | None = None) -> None:
    """The GraphQL queries behind the UI's asset page (partition counts) and its partitions tab
    (every key with its status), each timed twice on a running ``dagster-webserver``; with
    ``screenshots``, the pages themselves rendered by headless Chromium (wall time printed)."""
    from benchmarks.ui import graphql, screenshot, webserver

    with webserver(data, dagster_home) as url:
        for name, query in (("asset page", ASSET_PAGE), ("partitions tab", PARTITIONS_TAB)):
            times = []
            for _ in range(2):
                started = time.perf_counter()
                answer = graphql(url, query, {}, timeout=600)
                times.append(time.perf_counter() - started)
            size = len(json.dumps(answer)) / 1e6
            print(f"UI {name}: {times[0]:.1f} s, then {times[1]:.1f} s ({size:.1f} MB of JSON)")
        if screenshots:
            screenshots.mkdir(parents=True, exist_ok=True)
            for name, path in PAGES.items():
                started = time.perf_counter()
                shot = screenshot(url + path, screenshots / f"scale-{name.replace(' ', '-')}.png")
                print(f"UI {name} in headless Chromium: {time.perf_counter() - started:.1f} s -> {shot}")


if __name__ == "__main__":
    main()
