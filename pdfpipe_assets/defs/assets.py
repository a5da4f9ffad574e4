"""The six stages as document-partitioned assets.  Each is: key -> stage function -> metadata."""


import dagster as dg

from .. import stages as s
from .partitions import documents
from .resources import GrobidResource, PdfpipeResource
from .runner import run_stage

_ws = PdfpipeResource(grobid=GrobidResource()).workspace()  # only for code versions at load time
# A backfill runs documents in batches of the profile's size: ~2 s of run start is paid per batch.
BATCHES = dg.BackfillPolicy.multi_run(max_partitions_per_run=_ws.profile.batch_size)
# Transient document failures are retried inside the step, per document (runner.py); this
# policy covers what escapes the per-document handling (a resource that fails to start).
RETRY = dg.RetryPolicy(max_retries=2, delay=2, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)


# The pool of the resource each stage uses; `pdfpipe profile apply` sets each pool's slots.
POOL_OF = {
    s.SOURCE: "cpu", s.RENDERS: "cpu", s.SPINE: "ocr", s.LAYOUT: "cpu", s.SCHOLARLY: "grobid", s.FUSED: "cpu",
}


def _spec(stage: str, deps: list, description: str) -> dict:
    return dict(
        name=stage, partitions_def=documents, pool=POOL_OF[stage], deps=deps, group_name="documents",
        code_version=_ws.code_version(stage), retry_policy=RETRY, description=description,
        kinds={"pdf"}, backfill_policy=BATCHES,
    )


@dg.asset(**_spec(s.SOURCE, [], "Open the PDF, record pages, rotation, text layer, repairs."))
def source_pdf(context: dg.AssetExecutionContext, pdfpipe: PdfpipeResource) -> dg.MaterializeResult:
    return run_stage(context, pdfpipe.workspace(), s.SOURCE)


@dg.asset(**_spec(s.RENDERS, [source_pdf], "One PNG per page, /Rotate applied, plus pages.json."))
def page_renders(context: dg.AssetExecutionContext, pdfpipe: PdfpipeResource) -> dg.MaterializeResult:
    return run_stage(context, pdfpipe.workspace(), s.RENDERS)


@dg.asset(**_spec(s.SPINE, [source_pdf, page_renders], "Lines and words per page: text layer or OCR."))
def ocr_spine(context: dg.AssetExecutionContext, pdfpipe: PdfpipeResource) -> dg.MaterializeResult:
    return run_stage(context, pdfpipe.workspace(), s.SPINE)


@dg.asset(
    **_spec(s.LAYOUT, [source_pdf, ocr_spine], "Labelled layout regions; tables with cells, spans, Markdown, HTML.")
)
def layout_tables(context: dg.AssetExecutionContext, pdfpipe: PdfpipeResource) -> dg.MaterializeResult:
    return run_stage(context, pdfpipe.workspace(), s.LAYOUT)


@dg.asset(**_spec(s.SCHOLARLY, [ocr_spine], "Title, authors, abstract, headings, references."))
def grobid_alignment(context: dg.AssetExecutionContext, pdfpipe: PdfpipeResource) -> dg.MaterializeResult:
    return run_stage(context, pdfpipe.workspace(), s.SCHOLARLY)


@dg.asset(
    **_spec(s.FUSED, [source_pdf, ocr_spine, layout_tables, grobid_alignment], "The fused JSON document.")
)
def fused_document(context: dg.AssetExecutionContext, pdfpipe: PdfpipeResource) -> dg.MaterializeResult:
    return run_stage(context, pdfpipe.workspace(), s.FUSED)


ALL_ASSETS = [source_pdf, page_renders, ocr_spine, layout_tables, grobid_alignment, fused_document]
