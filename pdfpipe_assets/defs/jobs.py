"""The job that takes one document through every stage (in one process: steps are cheap)."""

import dagster as dg

from .partitions import documents

process_documents = dg.define_asset_job(
    "process_documents",
    selection=dg.AssetSelection.groups("documents"),
    partitions_def=documents,
    executor_def=dg.in_process_executor,
    description="Every stage for the selected documents; checks included.",
)
