"""The Dagster layer: partitions, assets, checks, sensors, jobs and resources."""

from .definitions import defs

__all__ = ["defs"]
