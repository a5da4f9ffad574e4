"""The ``pdfpipe`` command's process: a short read runs without the cyclic collector, a long
command keeps it, and every command skips the collector's pass at exit."""

import subprocess
import sys

import pytest

from pdfpipe_assets.settings import PROJECT_ROOT

PROBE = """
import gc, sys
from pdfpipe_assets import cli
cli.main = lambda: print("collector on" if gc.isenabled() else "collector off") or 0
sys.argv = ["pdfpipe", *sys.argv[1:]]
code = cli.entry()
print("frozen" if gc.get_freeze_count() else "not frozen", code)
"""


@pytest.mark.parametrize(
    "argv, during",
    [(["status", "--json"], "off"), (["-v", "show", "key"], "off"), (["run"], "on"), (["worker"], "on")],
)
def test_the_collector_is_off_only_for_short_reads_and_skipped_at_exit(argv, during):
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert out[:2] == [f"collector {during}", "frozen 0"], out
