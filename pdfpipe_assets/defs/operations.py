"""What the ``pdfpipe`` command does with the Dagster instance: register, run, export."""

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from ..catalog import Registry, ingest
from ..settings import PROJECT_ROOT, Settings
from ..stages import FUSED, STAGE_FILES
from .partitions import documents


def prepare_dagster_home(settings: Settings) -> Path:
    """Use $DAGSTER_HOME if set; else $PDFPIPE_DATA/dagster_home with the repo's dagster.yaml."""
    if os.environ.get("DAGSTER_HOME"):
        return Path(os.environ["DAGSTER_HOME"])
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    config = (PROJECT_ROOT / "dagster.yaml").read_text()
    target = home / "dagster.yaml"
    if not target.exists() or target.read_text() != config:
        target.write_text(config)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def get_instance(settings: Settings) -> dg.DagsterInstance:
    prepare_dagster_home(settings)
    return dg.DagsterInstance.get()


def register(instance: dg.DagsterInstance, settings: Settings, paths: list[Path]):
    """Register files in the registry and as partitions; returns [(entry, is_new)]."""
    results = ingest(Registry(settings.registry_path), paths)
    keys = [entry.key for entry, _ in results]
    existing = set(instance.get_dynamic_partitions(documents.name))
    missing = sorted({k for k in keys if k not in existing})
    if missing:
        instance.add_dynamic_partitions(documents.name, missing)
    return results


@dataclass
class DocumentOutcome:
    key: str
    ok: bool
    run_id: str
    message: str


def _failure_message(result) -> str:
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
            error = event.step_failure_data.error
            while error.cause is not None and "Failure" not in error.cls_name:
                error = error.cause
            return f"{event.step_key}: {error.message.strip().splitlines()[-1]}"
    return "failed"


QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def materialize_documents(instance: dg.DagsterInstance, keys: list[str]) -> list[DocumentOutcome]:
    """One in-process run per document through the ``process_documents`` job."""
    from .definitions import defs

    job = defs.resolve_job_def("process_documents")
    outcomes = []
    for key in keys:
        result = job.execute_in_process(
            partition_key=key, instance=instance, raise_on_error=False, tags={"pdfpipe/source": "cli"},
            run_config=QUIET,
        )
        outcomes.append(
            DocumentOutcome(key, result.success, result.run_id, "ok" if result.success else _failure_message(result))
        )
    return outcomes


def materialized_fused(instance: dg.DagsterInstance) -> list[str]:
    return sorted(instance.get_materialized_partitions(dg.AssetKey(FUSED)))


def export(instance: dg.DagsterInstance, settings: Settings, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for key in materialized_fused(instance):
        src = settings.stage_dir(key, FUSED) / STAGE_FILES[FUSED]
        if src.exists():
            dst = out / f"{key}.json"
            shutil.copyfile(src, dst)
            written.append(dst)
    return written
