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
    """One result per run: over a batch it passes only when every document agrees.
    (``ocr_spine`` itself also refuses a document whose stages disagree, so a batch
    cannot hide one.)"""
    ws = pdfpipe.workspace()
    problems = [f"{key}: {p}" for key in context.partition_keys for p in s.geometry_problems(ws, key)]
    return dg.AssetCheckResult(
        passed=not problems,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={"problems": "\n".join(problems) or "none", "documents": len(context.partition_keys)},
    )
