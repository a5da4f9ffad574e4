"""Run one pure stage for every document of a run's partition range.

A batch must not be lost to one bad document.  Dagster marks every planned partition
materialized when an asset returns normally, so when some documents fail this logs an
``AssetMaterialization`` for each good document and then raises a ``Failure`` that names
the bad ones: the good partitions end MATERIALIZED, the bad ones FAILED.  Steps after a
failed step are skipped for the whole run; ``followup`` launches them for the good ones.

Each document's partition gets its own metadata (pages, blocks, title, engine, seconds),
never the batch's totals.  Transient failures are retried where they happen (the GROBID
client), for that document alone.
"""

import json
import time

import dagster as dg

from ..errors import DocumentError, EngineUnavailable
from ..stages import SOURCE, STAGES, StageResult, Workspace
from . import heap, progress

FAILED_DOCUMENTS = "failed_documents"


def _attempt(ws: Workspace, stage: str, key: str) -> StageResult | DocumentError:
    try:
        return STAGES[stage](ws, key)
    except DocumentError as err:
        return err
    except EngineUnavailable as err:
        return DocumentError("engine_error", f"engine unavailable: {err}")
    except Exception as err:  # noqa: BLE001 - an engine crashed on this document: the batch goes on without it
        return DocumentError("engine_error", f"{stage} crashed: {type(err).__name__}: {err}")


def document_metadata(ws: Workspace, stage: str, result: StageResult) -> dict:
    """The stage's figures for one document; its path as a path and its preview as Markdown,
    which the UI renders."""
    engine = ws.engine_info(stage)
    metadata = {**result.metadata, "engine": engine.name, "engine_version": engine.version}
    if "path" in metadata:
        metadata["path"] = dg.MetadataValue.path(metadata["path"])
    if "preview" in metadata:
        metadata["preview"] = dg.MetadataValue.md(metadata["preview"] or "(no text)")
    return metadata


def _failure(stage: str, failed: dict[str, DocumentError]) -> dg.Failure:
    lines = [f"{key}: {err}" for key, err in failed.items()]
    classes = sorted({err.failure_class for err in failed.values()})
    return dg.Failure(
        description=f"{len(failed)} document(s) failed in {stage}:\n" + "\n".join(lines),
        metadata={
            "failure_class": ",".join(classes),
            FAILED_DOCUMENTS: json.dumps({k: [e.failure_class, e.message] for k, e in failed.items()}),
            "document": next(iter(failed)),
            "stage": stage,
        },
        allow_retries=False,  # a document's failure would recur: its bytes decide it
    )


def run_stage(context: dg.AssetExecutionContext, ws: Workspace, stage: str) -> dg.MaterializeResult:
    keys = context.partition_keys
    started = time.perf_counter()
    if stage == SOURCE and len(keys) > 1:
        ws.prefetch(keys)
    done: dict[str, StageResult] = {}
    failed: dict[str, DocumentError] = {}
    shown = progress.current()
    if shown:
        shown.stage_started(stage, len(keys))
    for key in keys:
        outcome = _attempt(ws, stage, key)
        if isinstance(outcome, DocumentError):
            failed[key] = outcome
            context.log.error(f"{key}: {outcome}")
            if shown:
                shown.document_failed(stage, key)
        else:
            done[key] = outcome
            if shown:
                shown.document_done(stage, key, outcome.metadata)
    heap.settle(stage)  # its engine is loaded now: out of the collector's walks from here on
    if failed:
        for key, err in failed.items():  # the failure on the document's own partition page
            context.log_event(
                dg.AssetObservation(
                    asset_key=context.asset_key,
                    partition=key,
                    metadata={"failure_class": err.failure_class, "failure_message": err.message, "stage": stage},
                )
            )
        for key, result in done.items():
            context.log_event(
                dg.AssetMaterialization(
                    asset_key=context.asset_key,
                    partition=key,
                    metadata=document_metadata(ws, stage, result),
                )
            )
        raise _failure(stage, failed)
    for key, result in done.items():  # each partition's own metadata, not the batch's
        context.add_asset_metadata(document_metadata(ws, stage, result), partition_key=key)
    context.log.info(f"{stage}: {len(keys)} documents in {time.perf_counter() - started:.2f} s")
    return dg.MaterializeResult()
