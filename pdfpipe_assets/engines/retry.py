"""Transient failures of a server (503 when its pool is full, 429, a dropped connection) are
retried with exponential back-off and jitter, for this call alone."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from ..errors import DocumentError

T = TypeVar("T")


def with_retries(
    call: Callable[[], T],
    tries: int,
    backoff_s: float,
    transient: Callable[[Exception], bool],
    asked_wait: Callable[[Exception], float | None] = lambda err: None,
) -> T:
    """``call()``, ``tries`` attempts in all while it fails with a ``transient`` error; the
    waits are ``backoff_s`` doubling with +-50% jitter, or what the server asked for."""
    for attempt in range(1, tries + 1):
        try:
            return call()
        except Exception as err:
            if not transient(err) or attempt == tries:
                raise
            wait = asked_wait(err)
            time.sleep(wait if wait is not None else backoff_s * 2 ** (attempt - 1) * random.uniform(0.5, 1.5))
    raise AssertionError("unreachable")


def retryable(err: Exception) -> bool:
    """A ``DocumentError`` of the transient class."""
    return isinstance(err, DocumentError) and err.retryable
