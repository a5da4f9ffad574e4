"""Run one pure stage for every document of a run's partition range.

A batch must not be lost to one bad document.  Dagster marks every planned partition
materialized when an asset returns normally, so when some documents fail this logs an
``AssetMaterialization`` for each good document and then raises a ``Failure`` that names
the bad ones: the good partitions end MATERIALIZED, the bad ones FAILED.  Steps after a
failed step are skipped for the whole run; ``followup`` launches them for the good ones.

A transient failure (GROBID busy, a reset connection) is retried for that document alone,
with exponential backoff and jitter, so a batch is never redone for one document's hiccup.
"""

import json
import random
import time

import dagster as dg

from ..errors import DocumentError, EngineUnavailable
from ..stages import SOURCE, STAGES, StageResult, Workspace

FAILED_DOCUMENTS = "failed_documents"
TRANSIENT_TRIES = 4  # attempts per document for a transient failure
TRANSIENT_DELAY_S = 2.0  # first backoff; doubles each time, +-50% jitter


def _attempt(ws: Workspace, stage: str, key: str) -> StageResult | DocumentError:
    try:
        return STAGES[stage](ws, key)
    except DocumentError as err:
        return err
    except EngineUnavailable as err:
        return DocumentError("engine_error", f"engine unavailable: {err}")
    except Exception as err:  # an engine crashed on this document: the batch goes on without it
        return DocumentError("engine_error", f"{stage} crashed: {type(err).__name__}: {err}")


def _attempt_with_backoff(context, ws: Workspace, stage: str, key: str) -> StageResult | DocumentError:
    outcome = _attempt(ws, stage, key)
    for attempt in range(1, TRANSIENT_TRIES):
        if not (isinstance(outcome, DocumentError) and outcome.retryable):
            break
        delay = TRANSIENT_DELAY_S * 2 ** (attempt - 1) * random.uniform(0.5, 1.5)
        context.log.warning(f"{key}: {outcome}; attempt {attempt} of {TRANSIENT_TRIES}, again in {delay:.1f} s")
        time.sleep(delay)
        outcome = _attempt(ws, stage, key)
    return outcome


def _metadata(ws: Workspace, stage: str, result: StageResult) -> dict:
    engine = ws.engine_info(stage)
    return {**result.metadata, "engine": engine.name, "engine_version": engine.version}


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
        # transient failures were already retried per document: a step retry would redo the batch
        allow_retries=False,
    )


def run_stage(context: dg.AssetExecutionContext, ws: Workspace, stage: str) -> dg.MaterializeResult:
    keys = context.partition_keys
    started = time.perf_counter()
    if stage == SOURCE and len(keys) > 1:
        ws.prefetch(keys)
    done: dict[str, StageResult] = {}
    failed: dict[str, DocumentError] = {}
    for key in keys:
        outcome = _attempt_with_backoff(context, ws, stage, key)
        if isinstance(outcome, DocumentError):
            failed[key] = outcome
            context.log.error(f"{key}: {outcome}")
        else:
            done[key] = outcome
    if failed:
        for key, result in done.items():
            context.log_event(
                dg.AssetMaterialization(asset_key=context.asset_key, partition=key, metadata=_metadata(ws, stage, result))
            )
        raise _failure(stage, failed)
    if len(keys) == 1:
        return dg.MaterializeResult(metadata=_metadata(ws, stage, done[keys[0]]))
    batch = StageResult({
        "documents": len(keys), "pages": sum(int(r.metadata.get("pages", 0)) for r in done.values()),
        "seconds": round(time.perf_counter() - started, 3),
    })
    return dg.MaterializeResult(metadata=_metadata(ws, stage, batch))
