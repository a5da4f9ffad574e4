"""``heap.settle``: once per name and process, collect the garbage, then freeze what is alive."""

import subprocess
import sys

from pdfpipe_assets.settings import PROJECT_ROOT

PROBE = """
import gc, weakref
from pdfpipe_assets.defs import heap

class Node:
    pass

garbage = Node(); garbage.me = garbage  # a reference cycle nobody holds
gone = weakref.ref(garbage)
del garbage
kept = [Node() for _ in range(1000)]
before = gc.get_freeze_count()
heap.settle("ocr_spine")
first = gc.get_freeze_count()
heap.settle("ocr_spine")
again = gc.get_freeze_count()
made = [Node() for _ in range(10)]
heap.settle("layout_tables")
print(before == 0, first >= 1000, again == first, gc.get_freeze_count() >= first + 10)
print(gone() is None, sum(isinstance(o, Node) for o in gc.get_objects()))
"""


def test_settle_freezes_the_living_once_per_name_and_collects_first():
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert out[0] == "True True True True", out
    assert out[1] == "True 0", out  # the cycle was collected; the living are out of the walks
