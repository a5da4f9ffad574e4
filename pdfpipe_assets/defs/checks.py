"""Blocking per-document check: every stage sees the same pages with the same geometry."""

import dagster as dg

from .. import stages as s
from .partitions import documents
from .resources import PdfpipeResource


@dg.asset_check(
    asset=s.SPINE,
    blocking=True,
    partitions_def=documents,
    additional_deps=[s.SOURCE, s.RENDERS],
    description="Page count, size and orientation agree across source_pdf, page_renders and ocr_spine.",
)
def page_geometry_agrees(context: dg.AssetCheckExecutionContext, pdfpipe: PdfpipeResource) -> dg.AssetCheckResult:
    """One evaluation per document, so each partition shows its own status; the step's result
    passes only when every document of the batch agrees.  (``ocr_spine`` itself also refuses a
    document whose stages disagree, so a batch cannot hide one.)"""
    ws = pdfpipe.workspace()
    keys = context.partition_keys
    found = {key: s.geometry_problems(ws, key) for key in keys}
    if len(keys) > 1:  # a range run's result carries no partition: record each document's own
        for key, mine in found.items():
            context.op_execution_context.log_event(
                dg.AssetCheckEvaluation(
                    asset_key=dg.AssetKey(s.SPINE),
                    check_name="page_geometry_agrees",
                    passed=not mine,
                    metadata={"problems": "\n".join(mine) or "none"},
                    severity=dg.AssetCheckSeverity.ERROR,
                    blocking=True,
                    partition=key,
                )
            )
    problems = [f"{key}: {p}" for key, mine in found.items() for p in mine]
    return dg.AssetCheckResult(
        passed=not problems,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={"problems": "\n".join(problems) or "none", "documents": len(context.partition_keys)},
    )
