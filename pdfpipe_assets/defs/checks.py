"""Blocking per-document check: every stage sees the same pages with the same geometry."""

import dagster as dg

from .assets import ocr_spine, page_renders, source_pdf
from .partitions import documents
from .resources import PdfpipeResource
from .. import stages as s


@dg.asset_check(
    asset=ocr_spine, blocking=True, partitions_def=documents, additional_deps=[source_pdf, page_renders],
    description="Page count, size and orientation agree across source_pdf, page_renders and ocr_spine.",
)
def page_geometry_agrees(context: dg.AssetCheckExecutionContext, pdfpipe: PdfpipeResource) -> dg.AssetCheckResult:
    """One result per run: over a batch it passes only when every document agrees.
    (``ocr_spine`` itself also refuses a document whose stages disagree, so a batch
    cannot hide one.)"""
    ws = pdfpipe.workspace()
    problems = [f"{key}: {p}" for key in context.partition_keys for p in s.geometry_problems(ws, key)]
    return dg.AssetCheckResult(
        passed=not problems, severity=dg.AssetCheckSeverity.ERROR,
        metadata={"problems": "\n".join(problems) or "none", "documents": len(context.partition_keys)},
    )
