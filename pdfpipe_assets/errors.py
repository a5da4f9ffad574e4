"""Document failures, each with a class, so a bad file fails only its own partition."""

from __future__ import annotations

import re
from typing import Literal

FailureClass = Literal[
    "empty",
    "not_pdf",
    "encrypted",
    "no_pages",
    "corrupt",
    "timeout",
    "out_of_memory",
    "gpu_out_of_memory",
    "engine_error",
    "transient",
    "missing_input",
    "too_large",
]

# Only a transient failure (GROBID 503, a reset connection) is worth retrying: the others
# come from the document's bytes or the engine's reaction to them and would recur.
RETRYABLE: frozenset[str] = frozenset({"transient"})


class DocumentError(Exception):
    """A document cannot go through a stage; ``failure_class`` says why in one word."""

    def __init__(self, failure_class: FailureClass, message: str):
        super().__init__(f"[{failure_class}] {message}")
        self.failure_class = failure_class
        self.message = message

    @property
    def retryable(self) -> bool:
        return self.failure_class in RETRYABLE


# What CUDA libraries say when device memory runs out: torch ('CUDA out of memory. Tried to
# allocate ...'), onnxruntime's CUDA provider ('CudaCall CUDA failure 2: out of memory',
# 'CUBLAS_STATUS_ALLOC_FAILED'), cuDNN, and the CUDA runtime ('CUDA error: out of memory').
_GPU_OOM = re.compile(
    r"CUDA out of memory|CUDA failure 2: out of memory|CUDA error: out of memory|"
    r"(CUBLAS|CUDNN)_STATUS_ALLOC_FAILED|cudaErrorMemoryAllocation",
    re.I,
)


def is_gpu_out_of_memory(err: BaseException) -> bool:
    """The accelerator ran out of memory (not the host): the same pages may fit in smaller batches."""
    return bool(_GPU_OOM.search(str(err)))


def as_gpu_out_of_memory(err: BaseException) -> DocumentError | None:
    """``err`` as a ``gpu_out_of_memory`` document failure, or None when it is something else."""
    if not is_gpu_out_of_memory(err):
        return None
    return DocumentError("gpu_out_of_memory", f"{type(err).__name__}: {err}")


class EngineUnavailable(RuntimeError):
    """An engine selected by configuration is not installed or has no model data."""
