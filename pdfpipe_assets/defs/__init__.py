"""The Dagster layer: partitions, assets, checks, sensors, jobs and resources.

``defs`` is a ``@dg.definitions`` function: importing this package builds nothing, reads no
environment and loads no profile; Dagster calls it when it loads the code location.
"""

from .definitions import defs

__all__ = ["defs"]
