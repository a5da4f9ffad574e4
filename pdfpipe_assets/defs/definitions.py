"""The code location, built once from the hardware profile when Dagster loads it."""

import warnings

import dagster as dg

from ..engines.threads import cap_threads
from ..profiles import Profile, load_profile, profile_path
from . import dagster_fixes, heap
from .assets import build_assets
from .catalog import catalog_sensor, corpus_catalog, update_catalog_job
from .checks import page_geometry_agrees
from .cluster import cluster_executor
from .jobs import process_documents
from .resources import PdfpipeResource, remember
from .sensors import batch_followup_sensor, inbox_sensor, resume_sensor
from .summary import run_summary_sensor


def build_definitions(path: str | None = None, profile: Profile | None = None) -> dg.Definitions:
    """Assets, check, job, sensors and resources for the profile at ``path`` (default: the
    environment's or the packaged cpu.yaml), or for ``profile`` already loaded from there."""
    warnings.filterwarnings("ignore", category=dg.BetaWarning)  # batched backfills
    warnings.filterwarnings("ignore", category=dg.PreviewWarning)  # per-document asset checks
    resolved = str(profile_path(path))
    profile = profile or load_profile(resolved)
    remember(resolved, profile)
    return dg.Definitions(
        assets=[*build_assets(profile), corpus_catalog],
        asset_checks=[page_geometry_agrees],
        jobs=[process_documents, update_catalog_job],
        sensors=[inbox_sensor, batch_followup_sensor, run_summary_sensor, catalog_sensor, resume_sensor],
        resources={"pdfpipe": PdfpipeResource(profile_path=resolved)},
        executor=cluster_executor(profile) if profile.cluster else dg.in_process_executor,
    )


@dg.definitions
def defs() -> dg.Definitions:
    """What Dagster loads, in the webserver, the daemon, the code server and every run worker:
    the process is set up here, where it starts, not at import."""
    profile = load_profile()  # the only load in this process
    cap_threads(profile.threads_per_worker)  # before any engine loads in this process
    dagster_fixes.install()
    definitions = build_definitions(profile=profile)
    heap.settle("code location")  # Dagster and the definitions live as long as the process
    return definitions
