"""Host each stage's engine the way it must be hosted: in the step (``none``), in the forked
budget worker (``fork``), or in a spawned one (``spawn``, for anything that touches CUDA).

Engines are built once per process from their options and kept: a model loads once per
worker, not once per document.
"""

from __future__ import annotations

from functools import cache

from .budget import run_with_budget
from .engines.base import Engine, EngineOptions
from .engines.registry import engine_class, make_engine
from .profiles import Profile


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
        ``options`` picks another engine of the stage than the profile's (a fallback)."""
        if options is None:
            _, isolation = self.profile.hosting(stage)
        else:
            isolation = options.isolation or engine_class(stage, options.kind).isolation
        if isolation == "none":
            return getattr(_engine(*self._key(stage, options)), method)(*args)
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
