"""Host each stage's engine the way it must be hosted: in the step (``none``), in the forked
budget worker (``fork``), or in a spawned one (``spawn``, for anything that touches CUDA).

Engines are built once per process from their options and kept: a model loads once per
worker, not once per document.
"""

from __future__ import annotations

import logging
from functools import cache

from .budget import run_with_budget
from .engines.base import Engine, EngineOptions
from .engines.registry import engine_class, make_engine
from .errors import DocumentError, as_gpu_out_of_memory
from .profiles import Profile

log = logging.getLogger(__name__)
BATCHED = ("recognize", "read_pages")  # a list of pages in, one result per page out: splittable


@cache
def _engine(stage: str, kind: str, options_json: str) -> Engine:
    return make_engine(stage, engine_class(stage, kind).Options.model_validate_json(options_json))


def _call(stage: str, kind: str, options_json: str, method: str, args: tuple):
    """What a worker process runs: the method of its (cached) engine."""
    return getattr(_engine(stage, kind, options_json), method)(*args)


class EngineHost:
    def __init__(self, profile: Profile):
        self.profile = profile

    def _key(self, stage: str, options: EngineOptions | None = None) -> tuple[str, str, str]:
        options = options or self.profile.engine(stage)
        return stage, options.kind, options.model_dump_json()

    def engine(self, stage: str) -> Engine:
        """This process's instance of the stage's engine (for in-step calls and its info)."""
        return _engine(*self._key(stage))

    def call(
        self, stage: str, method: str, *args, pages: int = 1, what: str = "work", options: EngineOptions | None = None
    ):
        """``engine.method(*args)`` where the engine must run, within the document's budget;
        ``options`` picks another engine of the stage than the profile's (a fallback).

        A batch of pages that ran the accelerator out of memory (``gpu_out_of_memory``) is
        split in two and each half tried again, down to one page; the worker that failed has
        been replaced by then (``budget``)."""
        try:
            return self._call(stage, method, args, pages, what, options)
        except DocumentError as err:
            batch = args[0] if args and isinstance(args[0], list) else []
            if err.failure_class != "gpu_out_of_memory" or method not in BATCHED or len(batch) < 2:
                raise  # one page that does not fit: the document fails with the class
            half = len(batch) // 2
            log.warning("%s: %s on %d pages; trying again in batches of %d", stage, err.message, len(batch), half)
            share = max(1, -(-pages // 2))
            first = self.call(stage, method, batch[:half], *args[1:], pages=share, what=what, options=options)
            rest = self.call(stage, method, batch[half:], *args[1:], pages=share, what=what, options=options)
            return [*first, *rest]

    def _call(self, stage: str, method: str, args: tuple, pages: int, what: str, options: EngineOptions | None):
        if options is None:
            _, isolation = self.profile.hosting(stage)
        else:
            isolation = options.isolation or engine_class(stage, options.kind).isolation
        if isolation == "none":
            try:
                return getattr(_engine(*self._key(stage, options)), method)(*args)
            except Exception as err:
                gpu = as_gpu_out_of_memory(err)
                if gpu:
                    raise gpu from err
                raise
        budget = self.profile.budget
        return run_with_budget(
            _call,
            *self._key(stage, options),
            method,
            args,
            timeout_s=budget.seconds(pages),
            memory_mb=budget.memory_mb,
            what=what,
            start=isolation,
        )
