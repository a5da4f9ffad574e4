"""The six stages as document-partitioned assets.  Each is: key -> stage function -> metadata."""


import dagster as dg

from .. import stages as s
from .partitions import documents
from .resources import GrobidResource, PdfpipeResource
from .runner import run_stage

_ws = PdfpipeResource(grobid=GrobidResource()).workspace()  # only for code versions at load time
# A backfill runs documents in batches of the profile's size: ~2 s of run start is paid per batch.
BATCHES = dg.BackfillPolicy.multi_run(max_partitions_per_run=_ws.profile.batch_size)
RETRY = dg.RetryPolicy(max_retries=2, delay=2, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)


def _spec(stage: str, pool: str, deps: list, description: str) -> dict:
    return dict(
        name=stage, partitions_def=documents, pool=pool, deps=deps, group_name="documents",
        code_version=_ws.code_version(stage), retry_policy=RETRY, description=description,
        kinds={"pdf"}, backfill_policy=BATCHES,
    )


@dg.asset(**_spec(s.SOURCE, "cpu", [], "Open the PDF, record pages, rotation, text layer, repairs."))
def source_pdf(context: dg.AssetExecutionContext, pdfpipe: PdfpipeResource) -> dg.MaterializeResult:
    return run_stage(context, pdfpipe.workspace(), s.SOURCE)


@dg.asset(**_spec(s.RENDERS, "cpu", [source_pdf], "One PNG per page, /Rotate applied, plus pages.json."))
def page_renders(context: dg.AssetExecutionContext, pdfpipe: PdfpipeResource) -> dg.MaterializeResult:
    return run_stage(context, pdfpipe.workspace(), s.RENDERS)


@dg.asset(**_spec(s.SPINE, "ocr", [source_pdf, page_renders], "Lines and words per page: text layer or OCR."))
def ocr_spine(context: dg.AssetExecutionContext, pdfpipe: PdfpipeResource) -> dg.MaterializeResult:
    return run_stage(context, pdfpipe.workspace(), s.SPINE)


@dg.asset(
    **_spec(s.LAYOUT, "cpu", [source_pdf, ocr_spine], "Labelled layout regions; tables with cells, spans, Markdown, HTML.")
)
def layout_tables(context: dg.AssetExecutionContext, pdfpipe: PdfpipeResource) -> dg.MaterializeResult:
    return run_stage(context, pdfpipe.workspace(), s.LAYOUT)


@dg.asset(**_spec(s.SCHOLARLY, "grobid", [ocr_spine], "Title, authors, abstract, headings, references."))
def grobid_alignment(context: dg.AssetExecutionContext, pdfpipe: PdfpipeResource) -> dg.MaterializeResult:
    return run_stage(context, pdfpipe.workspace(), s.SCHOLARLY)


@dg.asset(
    **_spec(s.FUSED, "cpu", [source_pdf, ocr_spine, layout_tables, grobid_alignment], "The fused JSON document.")
)
def fused_document(context: dg.AssetExecutionContext, pdfpipe: PdfpipeResource) -> dg.MaterializeResult:
    return run_stage(context, pdfpipe.workspace(), s.FUSED)


ALL_ASSETS = [source_pdf, page_renders, ocr_spine, layout_tables, grobid_alignment, fused_document]
