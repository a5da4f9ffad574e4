"""The Dagster layer: partitions, assets, checks, sensors, jobs and resources."""

import warnings

import dagster as dg

from ..engines.threads import cap_threads
from ..profiles import load_profile

# Deliberate: batched backfills (beta) and per-document asset checks (preview).
warnings.filterwarnings("ignore", category=dg.BetaWarning)
warnings.filterwarnings("ignore", category=dg.PreviewWarning)
cap_threads(load_profile().threads_per_worker)  # before any engine loads in this run process

from .definitions import defs  # noqa: E402

__all__ = ["defs"]
