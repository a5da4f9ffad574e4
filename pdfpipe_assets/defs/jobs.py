"""The job that takes documents through every stage (its executor is the code location's)."""

import dagster as dg

process_documents = dg.define_asset_job(
    "process_documents",
    selection=dg.AssetSelection.groups("documents"),
    description="Every stage for the selected documents; checks included.",
)
