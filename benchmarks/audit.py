"""After a load: is every document accounted for, once, with the right failure class, and did
any pool hold more steps than its limit?  Read from the instance's own records."""

from pathlib import Path

import dagster as dg

from pdfpipe_assets.catalog import Registry
from pdfpipe_assets.defs.partitions import document_keys
from pdfpipe_assets.defs.pools import max_overlap, pool_states, step_intervals
from pdfpipe_assets.defs.status import collect
from pdfpipe_assets.profiles import ASSET_ENGINE, load_profile
from pdfpipe_assets.stages import FUSED


def materialization_counts(instance: dg.DagsterInstance, stage: str) -> dict[str, int]:
    """partition -> how many times ``stage`` was materialized for it (10,000 records a page)."""
    counts: dict[str, int] = {}
    cursor = None
    while True:
        page = instance.fetch_materializations(dg.AssetKey(stage), limit=10_000, cursor=cursor)
        for record in page.records:
            counts[record.partition_key] = counts.get(record.partition_key, 0) + 1
        if not page.has_more:
            return counts
        cursor = page.cursor


def asset_pools() -> dict[str, str]:
    profile = load_profile()
    return {asset: profile.asset_pool(asset) for asset in ASSET_ENGINE}


def accounted_for(result: dict) -> bool:
    """Nothing lost, nothing twice, every failure an expected bad input with its class."""
    return not (
        result["lost_files"]
        or result["unsettled"]
        or result["duplicated"]
        or result["wrong_class"]
        or result["unexpected_failures"]
    )


def audit(instance: dg.DagsterInstance, registry: Registry, files: list[Path], expected: dict[str, str]) -> dict:
    """``files`` were dropped in the inbox; ``expected`` maps a bad file's name to its failure class."""
    keys = set(document_keys(instance))
    by_name = {Path(e.source_path).name: e.key for e in registry.all()}
    status = collect(instance, stuck_after_s=600)
    fused = status.stages[FUSED]
    failed = {item["key"]: item for item in status.failed}
    class_of = {name: failed.get(by_name.get(name), {}).get("class") for name in expected}
    expected_keys = {by_name.get(name) for name in expected}
    counts = materialization_counts(instance, FUSED)
    return {
        "files": len(files),
        "partitions": len(keys),
        "materialized": fused["materialized"],
        "failed": len(failed),
        "failure_classes": status.failure_classes,
        "lost_files": [f.name for f in files if by_name.get(f.name) not in keys],
        "unsettled": len(keys) - fused["materialized"] - len(failed),
        "duplicated": sorted(k for k, n in counts.items() if n > 1),
        "wrong_class": [(name, want, class_of[name]) for name, want in expected.items() if class_of[name] != want],
        "unexpected_failures": sorted(k for k in failed if k not in expected_keys),
        "pool_peaks": {pool: max_overlap(iv) for pool, iv in step_intervals(instance, asset_pools()).items()},
        "pool_limits": {p.pool: p.limit for p in pool_states(instance)},
        "runs": instance.get_runs_count(),
    }
