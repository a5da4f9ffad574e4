"""What a `pdfpipe run` must do for its documents: nothing for those already materialized with
the current code versions, the stale stages and everything after them for the rest."""

import dagster as dg

from ..stages import STAGES, Workspace
from .assets import STAGES as GRAPH
from .followup import missing_stages

CODE_VERSION_TAG = "dagster/code_version"


def latest_code_versions(instance: dg.DagsterInstance, stage: str, keys: list[str]) -> dict[str, str]:
    """key -> code version of its latest materialization of ``stage``."""
    found: dict[str, str] = {}
    wanted, cursor = set(keys), None
    while wanted - found.keys():
        page = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=dg.AssetKey(stage), asset_partitions=sorted(wanted - found.keys())),
            limit=1000,
            cursor=cursor,
        )
        for record in page.records:  # newest first
            tags = (record.asset_materialization.tags if record.asset_materialization else None) or {}
            found.setdefault(record.partition_key, tags.get(CODE_VERSION_TAG, ""))
        if not page.has_more:
            break
        cursor = page.cursor
    return found


def downstream(stage: str) -> set[str]:
    """The stage and every stage that reads it, directly or not."""
    out = {stage}
    for name, deps, _ in GRAPH:  # topological order
        if out & set(deps):
            out.add(name)
    return out


def plan_work(
    instance: dg.DagsterInstance, ws: Workspace, keys: list[str], force: bool = False
) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """(key -> stages to materialize, key -> why it is skipped).  A stage is redone when it is
    missing, failed, or was materialized with another code version (an engine, its options or
    the stage changed), and so is every stage that reads it."""
    if force:
        return {k: tuple(STAGES) for k in keys}, {}
    work = missing_stages(instance, keys)
    for stage in STAGES:
        current = ws.code_version(stage)
        for key, version in latest_code_versions(instance, stage, keys).items():
            if version and version != current:
                need = set(work.get(key, ())) | downstream(stage)
                work[key] = tuple(s for s in STAGES if s in need)
    skipped = {k: "already materialized with the current code versions" for k in keys if k not in work}
    return work, skipped
