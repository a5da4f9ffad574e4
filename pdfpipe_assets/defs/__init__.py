"""The Dagster layer: partitions, assets, checks, sensors, jobs and resources.

``defs`` is a ``@dg.definitions`` function: importing this package builds nothing, reads no
environment and loads no profile; Dagster calls it when it loads the code location.  It is
imported when first asked for, so that a command that only reads the instance (``pdfpipe
status``) does not import the assets, the sensors and every engine adapter.
"""

__all__ = ["defs"]


def __getattr__(name: str):
    if name == "defs":
        from .definitions import defs

        return defs
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), "defs"])
