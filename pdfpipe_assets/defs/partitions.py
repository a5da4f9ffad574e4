"""One dynamic partition per document; the key comes from ``pdfpipe_assets.keys``."""

import dagster as dg

documents = dg.DynamicPartitionsDefinition(name="documents")


def stage_status(
    instance: dg.DagsterInstance, keys: list[str], stages: tuple[str, ...] | list[str]
) -> dict[str, dict[str, dg.AssetPartitionStatus]]:
    """stage -> key -> partition status, from Dagster's asset status cache: the one status query
    that status, resume, follow-ups and the reports share (a key absent: never materialized)."""
    return {stage: instance.get_status_by_partition(dg.AssetKey(stage), keys, documents) or {} for stage in stages}
