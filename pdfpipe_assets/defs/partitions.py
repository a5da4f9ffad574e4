"""One dynamic partition per document; the key comes from ``pdfpipe_assets.keys``."""

import dagster as dg

documents = dg.DynamicPartitionsDefinition(name="documents")


def stage_status(
    instance: dg.DagsterInstance, keys: list[str], stages: tuple[str, ...] | list[str]
) -> dict[str, dict[str, dg.AssetPartitionStatus]]:
    """stage -> key -> partition status, from Dagster's asset status cache: the one status query
    that status, resume, follow-ups and the reports share (None: never materialized).  The same
    answer as ``get_status_by_partition``, with the document keys read once, not twice per stage."""
    loader = partitions_loader(instance)
    out = {}
    for stage in stages:
        materialized, failed, running = status_subsets(instance, stage, loader)
        out[stage] = {
            key: dg.AssetPartitionStatus.IN_PROGRESS
            if key in running
            else dg.AssetPartitionStatus.FAILED
            if key in failed
            else dg.AssetPartitionStatus.MATERIALIZED
            if key in materialized
            else None
            for key in keys
        }
    return out


def partitions_loader(instance: dg.DagsterInstance):
    """Reads the document keys once for many status-cache lookups: Dagster identifies a dynamic
    partitions definition by a hash of all its keys and would read them twice per asset."""
    from dagster._core.instance.types import CachingDynamicPartitionsLoader

    return CachingDynamicPartitionsLoader(instance)


def status_subsets(instance: dg.DagsterInstance, stage: str, loader=None) -> tuple[set[str], set[str], set[str]]:
    """(materialized, failed, in progress) keys of ``stage`` from Dagster's asset status cache,
    without listing every document: what whole-corpus counts need at 500,000 documents.
    ``get_status_by_partition`` reads the same cache but wants every key and builds a map of
    them; the cache itself is only reachable through Dagster's ``partition_status_cache`` module
    (``tests/test_dagster_private_api.py`` fails loudly if an upgrade moves it)."""
    from dagster._core.storage.partition_status_cache import get_and_update_asset_status_cache_value

    value = get_and_update_asset_status_cache_value(
        instance, dg.AssetKey(stage), documents, dynamic_partitions_loader=loader
    )
    if value is None:
        return set(), set(), set()
    return (
        set(value.deserialize_materialized_partition_subsets(documents).get_partition_keys()),
        set(value.deserialize_failed_partition_subsets(documents).get_partition_keys()),
        set(value.deserialize_in_progress_partition_subsets(documents).get_partition_keys()),
    )
