"""One dynamic partition per document; the key comes from ``pdfpipe_assets.keys``."""

import dagster as dg

documents = dg.DynamicPartitionsDefinition(name="documents")


def stage_status(
    instance: dg.DagsterInstance, keys: list[str], stages: tuple[str, ...] | list[str]
) -> dict[str, dict[str, dg.AssetPartitionStatus]]:
    """stage -> key -> partition status, from Dagster's asset status cache: the one status query
    that status, resume, follow-ups and the reports share (a key absent: never materialized)."""
    return {stage: instance.get_status_by_partition(dg.AssetKey(stage), keys, documents) or {} for stage in stages}


def status_subsets(instance: dg.DagsterInstance, stage: str) -> tuple[set[str], set[str], set[str]]:
    """(materialized, failed, in progress) keys of ``stage`` from Dagster's asset status cache,
    without listing every document: what whole-corpus counts need at 500,000 documents.
    ``get_status_by_partition`` reads the same cache but wants every key and builds a map of
    them; the cache itself is only reachable through Dagster's ``partition_status_cache`` module
    (``tests/test_dagster_private_api.py`` fails loudly if an upgrade moves it)."""
    from dagster._core.storage.partition_status_cache import get_and_update_asset_status_cache_value

    value = get_and_update_asset_status_cache_value(instance, dg.AssetKey(stage), documents)
    if value is None:
        return set(), set(), set()
    return (
        set(value.deserialize_materialized_partition_subsets(documents).get_partition_keys()),
        set(value.deserialize_failed_partition_subsets(documents).get_partition_keys()),
        set(value.deserialize_in_progress_partition_subsets(documents).get_partition_keys()),
    )
