"""Document failures, each with a class, so a bad file fails only its own partition."""

from __future__ import annotations

from typing import Literal

FailureClass = Literal[
    "empty",
    "not_pdf",
    "encrypted",
    "no_pages",
    "corrupt",
    "timeout",
    "out_of_memory",
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


class EngineUnavailable(RuntimeError):
    """An engine selected by configuration is not installed or has no model data."""
