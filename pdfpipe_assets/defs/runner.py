"""Run one pure stage inside an asset and turn a document's failure into a classified Failure."""


import dagster as dg

from ..errors import DocumentError, EngineUnavailable
from ..stages import STAGES, Workspace


def run_stage(context: dg.AssetExecutionContext, ws: Workspace, stage: str) -> dg.MaterializeResult:
    key = context.partition_key
    try:
        result = STAGES[stage](ws, key)
    except DocumentError as err:
        raise dg.Failure(
            description=f"{key}: {err}",
            metadata={"failure_class": err.failure_class, "document": key, "stage": stage},
            allow_retries=err.retryable,
        ) from err
    except EngineUnavailable as err:
        raise dg.Failure(
            description=f"{key}: engine unavailable: {err}",
            metadata={"failure_class": "engine_error", "document": key, "stage": stage},
            allow_retries=False,
        ) from err
    engine = ws.engine_info(stage)
    return dg.MaterializeResult(
        metadata={**result.metadata, "engine": engine.name, "engine_version": engine.version}
    )
