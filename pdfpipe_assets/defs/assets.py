"""The six stages as document-partitioned assets, built from the hardware profile: each asset's
pool and code version come from the engines the profile picks for it."""

import dagster as dg

from .. import stages as s
from ..profiles import Profile
from ..settings import Settings
from .batching import backfill_policy
from .partitions import documents
from .resources import PdfpipeResource
from .runner import run_stage

# Transient failures are retried where they happen (the GROBID client); this policy covers what
# escapes per-document handling (a resource that fails to start).
RETRY = dg.RetryPolicy(max_retries=2, delay=2, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)

STAGES = [  # (stage, upstream stages, description)
    (s.SOURCE, [], "Open the PDF, record pages, rotation, text layer, repairs."),
    (s.RENDERS, [s.SOURCE], "One PNG per page, /Rotate applied, plus pages.json."),
    (s.SPINE, [s.SOURCE, s.RENDERS], "Lines and words per page: text layer or OCR."),
    (s.LAYOUT, [s.SOURCE, s.SPINE], "Labelled layout regions; tables with cells, spans, Markdown, HTML."),
    (s.SCHOLARLY, [s.SPINE], "Title, authors, abstract, headings, references."),
    (s.FUSED, [s.SOURCE, s.SPINE, s.LAYOUT, s.SCHOLARLY], "The fused JSON document."),
    (s.EMBEDDINGS, [s.FUSED], "Section-aware search chunks of the fused document, one vector each."),
]


def _asset(stage: str, deps: list[str], description: str, profile: Profile, ws: s.Workspace):
    @dg.asset(
        name=stage,
        partitions_def=documents,
        pool=profile.asset_pool(stage),
        deps=deps,
        group_name="documents",
        code_version=ws.code_version(stage),
        retry_policy=RETRY,
        description=description,
        kinds={"pdf"},
        backfill_policy=backfill_policy(profile),
        op_tags={"dagster-celery/queue": queue} if (queue := profile.queue(stage)) else None,
    )
    def _stage(context: dg.AssetExecutionContext, pdfpipe: PdfpipeResource) -> dg.MaterializeResult:
        return run_stage(context, pdfpipe.workspace(), stage)

    return _stage


def build_assets(profile: Profile) -> list[dg.AssetsDefinition]:
    ws = s.Workspace(Settings.from_env(), profile)  # for code versions only: no data is read
    return [_asset(stage, deps, description, profile, ws) for stage, deps, description in STAGES]
