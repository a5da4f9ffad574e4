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
    problems = s.geometry_problems(pdfpipe.workspace(), context.partition_key)
    return dg.AssetCheckResult(
        passed=not problems, severity=dg.AssetCheckSeverity.ERROR,
        metadata={"problems": "\n".join(problems) or "none", "document": context.partition_key},
    )
