"""Fusion: pure functions from stage outputs to the fused document.  No I/O, no Dagster."""
