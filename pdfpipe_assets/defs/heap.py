"""Keep Python's cyclic garbage collector off what a work process loads once.

A run process holds Dagster, the code location and the engines' models: a quarter of a million
objects that live as long as the process. Every full collection walks them all, and in a
process forked from the warm one it also writes to their pages, which the fork then copies.
Measured here, ``pdfpipe run`` on ``samples/`` spent 2.1 s of its 7.9 s of CPU in 14 full
collections. ``gc.freeze()`` moves the objects alive at that moment to a generation the
collector never walks; they are still freed when their last reference goes.

``settle(name)`` collects once and freezes, once per name and process: the warm process
after it loaded everything, and each stage after its first documents in a process, when its
engine is loaded. At most one freeze per stage bounds what a freeze can keep: only garbage in
a reference cycle that was alive at one of those moments.
"""

import gc

_settled: set[str] = set()


def settle(name: str) -> None:
    """Collect, then freeze what is alive, the first time ``name`` settles in this process."""
    if name in _settled:
        return
    _settled.add(name)
    gc.collect()
    gc.freeze()
