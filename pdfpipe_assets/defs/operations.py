"""What the ``pdfpipe`` command does with the Dagster instance: register, run, update the catalog."""

import os
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import dagster as dg
import yaml
from dagster._core.utils import make_new_run_id

from ..catalog import Registry, ingest
from ..profiles import Profile, load_profile, profile_path
from ..run_tags import PID_TAG, SOURCE_TAG
from ..settings import CONFIG_DIR, Settings
from ..stages import FUSED, STAGE_FILES, STAGES, Workspace
from . import dagster_fixes
from .batching import Batch, contiguous_batches
from .catalog import update_catalog_job
from .followup import failed_documents, plan_followups
from .liveness import ACTIVE, live_runs
from .partitions import document_keys, documents, keys_spanning, stage_status
from .pools import apply_profile
from .progress import Progress, report_to
from .summary import tag_run
from .watchdog import SlotWatchdog


def instance_config(profile: Profile) -> str:
    """The packaged dagster.yaml with the profile's number of concurrent runs, Dagster's
    ``DefaultRunLauncher`` instead of the warm one when ``PDFPIPE_RUN_LAUNCHER=default``, and PostgreSQL
    storage when ``PDFPIPE_POSTGRES_URL`` is set (``postgresql+psycopg2://user@host:5432/db``:
    SQLAlchemy 2.1 needs the driver named)."""
    config = yaml.safe_load((CONFIG_DIR / "dagster.yaml").read_text())
    config["concurrency"]["runs"]["max_concurrent_runs"] = profile.max_concurrent_runs
    if os.environ.get("PDFPIPE_RUN_LAUNCHER") == "default":  # Dagster's own: a fresh process per run
        del config["run_launcher"]
    if os.environ.get("PDFPIPE_POSTGRES_URL"):
        config["storage"] = {"postgres": {"postgres_url": os.environ["PDFPIPE_POSTGRES_URL"]}}
    header = "# Written by pdfpipe from the repository's dagster.yaml and the hardware profile.\n"
    return header + yaml.safe_dump(config, sort_keys=False)


def database_url(url: str, name: str) -> str:
    """The URL of database ``name`` on the server of ``url`` (query string kept)."""
    from urllib.parse import urlsplit, urlunsplit

    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def fresh_postgres_database(url: str, name: str) -> str:
    """Create database ``name`` (dropping an old one) on the server of ``url``; its URL."""
    import sqlalchemy as sa

    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return database_url(url, name)


def prepare_dagster_home(settings: Settings, profile: Profile | None = None) -> Path:
    """Use $DAGSTER_HOME if set; else $PDFPIPE_DATA/dagster_home with the repo's dagster.yaml."""
    settings.inbox_dir.mkdir(parents=True, exist_ok=True)  # "drop PDFs here" works at once
    if os.environ.get("DAGSTER_HOME"):
        return Path(os.environ["DAGSTER_HOME"])
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    config = instance_config(profile or load_profile())
    target = home / "dagster.yaml"
    if not target.exists() or target.read_text() != config:
        target.write_text(config)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def get_instance(settings: Settings, profile: Profile | None = None) -> dg.DagsterInstance:
    prepare_dagster_home(settings, profile)
    return dg.DagsterInstance.get()


def pool_connections(instance: dg.DagsterInstance) -> dg.DagsterInstance:
    """Keep the instance's database connections open for this process, as Dagster's webserver
    does. Dagster's PostgreSQL storage otherwise opens one per query: 32 for one ``status``,
    about 0.2 s of its time here. For short commands that read a lot; a no-op on SQLite."""
    instance.optimize_for_webserver(statement_timeout=0, pool_recycle=-1, max_overflow=4)
    return instance


def register(instance: dg.DagsterInstance, settings: Settings, paths: list[Path]):
    """Register files in the registry and as partitions; returns [(entry, is_new)]."""
    results = ingest(Registry(settings.registry_path, settings.root), paths)
    add_partitions(instance, [entry.key for entry, _ in results])
    return results


def add_partitions(instance: dg.DagsterInstance, keys: list[str]) -> None:
    """Add the document partitions of ``keys`` that are not there yet, in order, checking only
    these keys (a bounded query), not every registered one."""
    existing = instance.get_existing_dynamic_partitions(documents.name, keys)
    missing = list(dict.fromkeys(k for k in keys if k not in existing))
    if missing:
        instance.add_dynamic_partitions(documents.name, missing)


@dataclass
class DocumentOutcome:
    key: str
    ok: bool
    message: str


def _failure_message(result) -> str:
    """The first step failure of a run, for a failure that names no document."""
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
            return f"{event.step_key}: {event.step_failure_data.error.message.strip().splitlines()[-1]}"
    return "failed"


QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def execute_batch(instance: dg.DagsterInstance, batch: Batch, tags: dict | None = None):
    """One in-process run of ``process_documents`` over a batch's keys and stages.

    The run executes in a worker thread.  Dagster holds back SIGINT and SIGTERM in the main
    thread during a run and acts on them only inside user code, where the assets' retry policy
    turns them into retries, so a run waiting for a pool slot could not be stopped.  Here the
    main thread keeps the signals: interrupted, it marks the run canceled, frees every slot and
    claim the run held, and re-raises, and the command exits."""
    dagster_fixes.install()
    run_id = make_new_run_id()
    outcome: dict = {}

    def target() -> None:
        try:
            outcome["result"] = _execute(instance, batch, tags, run_id)
        except BaseException as err:  # noqa: BLE001 - handed to the main thread
            outcome["error"] = err

    worker = threading.Thread(target=target, name=f"pdfpipe-run-{run_id[:8]}", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.5)
    except KeyboardInterrupt:
        release_run(instance, run_id)
        raise
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def release_run(instance: dg.DagsterInstance, run_id: str) -> None:
    """Cancel a run of this process that did not finish, and free its slots."""
    run = instance.get_run_by_id(run_id)
    if run is not None and not run.is_finished:
        instance.report_run_canceled(run, "pdfpipe was interrupted while running it")
    instance.event_log_storage.free_concurrency_slots_for_run(run_id)


def code_location() -> dg.Definitions:
    """The code location for the environment's profile, built once per process and profile."""
    return _code_location(str(profile_path()))


@cache
def _code_location(profile: str) -> dg.Definitions:
    from .definitions import build_definitions

    return build_definitions(profile)


def _execute(instance: dg.DagsterInstance, batch: Batch, tags: dict | None, run_id: str):
    job = code_location().resolve_job_def("process_documents")
    single = len(batch.keys) == 1
    if load_profile(str(profile_path())).cluster:  # steps go to Celery workers: the job must be reconstructable
        from .cluster import execute_on_cluster

        return execute_on_cluster(instance, batch, {**(tags or {}), **batch.tags()}, QUIET)
    return job.execute_in_process(
        instance=instance,
        raise_on_error=False,
        run_config=QUIET,
        run_id=run_id,
        partition_key=batch.keys[0] if single else None,
        asset_selection=batch.asset_selection if batch.stages != tuple(STAGES) else None,
        tags={**(tags or {}), **({} if single else batch.tags())},
    )


def materialize_documents(
    instance: dg.DagsterInstance, keys: list[str], batch_size: int, work: dict[str, tuple[str, ...]] | None = None
) -> list[DocumentOutcome]:
    """Batched in-process runs of ``work`` (key -> stages; default: every stage of ``keys``).
    The good documents of a failed batch are finished by follow-up runs."""
    work = work if work is not None else {k: tuple(STAGES) for k in keys}
    order = keys_spanning(instance, list(work))
    queue = contiguous_batches(order, work, batch_size)
    failures: dict[str, str] = {}
    shown = Progress(len(work))
    report_to(shown)  # a live progress line, fed by the stages of these in-process runs
    try:
        with SlotWatchdog():
            for _ in range(len(STAGES) * max(1, len(queue))):  # every follow-up gets a stage further
                if not queue:
                    break
                _run_one(instance, queue, failures, batch_size)
    finally:
        report_to(None)
    shown.finish()
    done = stage_status(instance, keys, [FUSED])[FUSED]
    return [
        DocumentOutcome(k, done.get(k) == dg.AssetPartitionStatus.MATERIALIZED, failures.get(k, "ok")) for k in keys
    ]


def _run_one(instance: dg.DagsterInstance, queue: list[Batch], failures: dict[str, str], batch_size: int) -> None:
    batch = queue.pop(0)
    result = execute_batch(instance, batch, {SOURCE_TAG: "cli", PID_TAG: str(os.getpid())})
    tag_run(instance, result.run_id, result.all_events)
    failed = failed_documents(result.all_events)
    failures.update({k: f"[{cls}] {msg}" for k, (cls, msg) in failed.items()})
    if not result.success:
        if not failed:  # a failure that names no document (a crash): report it on all
            failures.update({k: _failure_message(result) for k in batch.keys})
            return
        queue += plan_followups(instance, list(batch.keys), failed, batch_size)


def materialize_through_dagster(ws: Workspace, keys: list[str]) -> dict[str, str]:
    """Every stage of ``keys`` (already in ``ws``'s registry) through Dagster's execution of the
    assets, on ``ws``'s own instance; {key: message} for those that failed."""
    if not keys:
        return {}
    with get_instance(ws.settings, ws.profile) as instance:
        apply_profile(instance, ws.profile)
        add_partitions(instance, keys)
        outcomes = materialize_documents(instance, keys, ws.profile.batch_size)
    return {o.key: o.message for o in outcomes if not o.ok}


def materialized_fused(instance: dg.DagsterInstance) -> list[str]:
    return sorted(instance.get_materialized_partitions(dg.AssetKey(FUSED)))


def materialize_catalog(instance: dg.DagsterInstance) -> dict:
    """One in-process run of ``update_catalog``; the catalog's metadata, or ``{"error": why}``."""
    job = code_location().resolve_job_def("update_catalog")
    result = job.execute_in_process(instance=instance, raise_on_error=False, run_config=QUIET)
    if not result.success:
        errors = [e.step_failure_data.error for e in result.get_step_failure_events()]
        error = errors[0] if errors else None
        while error is not None and error.cause is not None:  # the engine's error, not Dagster's wrapper
            error = error.cause
        return {"error": error.message.strip() if error else "the run failed"}
    (materialization,) = result.asset_materializations_for_node("corpus_catalog")
    return {k: v.value for k, v in materialization.metadata.items()}


@dataclass
class RunReport:
    documents: int
    materialized: int
    failed: int
    active_runs: int
    pages: int
    first_start: float
    last_end: float  # of the last document run
    catalog_after_s: float = 0.0  # a catalog update still going when the last document run ended

    @property
    def wall_s(self) -> float:
        """From the first run's start to the last document run's end: the conversion, without
        the corpus catalog's update after it (work that the bare loop does not do)."""
        return max(0.0, self.last_end - self.first_start)

    @property
    def finished(self) -> bool:
        return self.documents > 0 and self.active_runs == 0 and self.materialized + self.failed >= self.documents


def active_runs(instance: dg.DagsterInstance) -> int:
    """Runs queued, starting or going."""
    return instance.get_runs_count(dg.RunsFilter(statuses=ACTIVE))


def run_report(instance: dg.DagsterInstance, settings: Settings, expected: int) -> RunReport:
    """Where a whole set of documents stands: for the benchmark and the load script."""
    from ..contracts import SourceInfo
    from ..stages import SOURCE
    from ..storage import read_model

    keys = document_keys(instance)
    status = stage_status(instance, keys, STAGES)
    done = [k for k in keys if status[FUSED].get(k) == dg.AssetPartitionStatus.MATERIALIZED]
    finished = set(done)
    failed = [  # failed at some stage, and not materialized since
        k
        for k in keys
        if k not in finished and any(s.get(k) == dg.AssetPartitionStatus.FAILED for s in status.values())
    ]
    active = active_runs(instance)
    records = instance.get_run_records()
    starts = [r.start_time for r in records if r.start_time]
    ends: list[float] = []
    catalog_ends: list[float] = []
    for r in records:
        if r.end_time:
            (catalog_ends if r.dagster_run.job_name == update_catalog_job.name else ends).append(r.end_time)
    pages = (
        sum(read_model(settings.stage_dir(k, SOURCE) / STAGE_FILES[SOURCE], SourceInfo).page_count for k in done)
        if len(done) + len(failed) >= expected and not active
        else 0
    )
    return RunReport(
        documents=max(len(keys), expected),
        materialized=len(done),
        failed=len(failed),
        active_runs=active,
        pages=pages,
        first_start=min(starts, default=0.0),
        last_end=max(ends, default=0.0),
        catalog_after_s=max(0.0, max(catalog_ends, default=0.0) - max(ends, default=0.0)),
    )


def time_inbox_tick(settings: Settings) -> float:
    """Seconds of one inbox_sensor evaluation on ``settings``'s inbox (ephemeral instance)."""
    import time

    from .resources import PdfpipeResource
    from .sensors import inbox_sensor

    resource = PdfpipeResource(data_dir=str(settings.data_dir))
    with dg.build_sensor_context(instance=dg.DagsterInstance.ephemeral(), resources={"pdfpipe": resource}) as ctx:
        start = time.perf_counter()
        result = inbox_sensor(ctx)
        seconds = time.perf_counter() - start
    if not result.dynamic_partitions_requests:
        raise RuntimeError("the timed sensor tick registered nothing")
    return seconds


def sweep_if_idle(instance: dg.DagsterInstance, settings: Settings) -> list[Path]:
    """Remove what killed writers left half-written, when no run can be writing."""
    from ..storage import sweep_partial

    return [] if live_runs(instance) else sweep_partial(settings.documents_dir)
