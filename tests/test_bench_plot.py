"""The plot `make bench` writes (benchmarks/plot.py), from the figures of its modes."""

from types import SimpleNamespace

import pytest

pytest.importorskip("matplotlib")

from benchmarks.plot import write_plot  # noqa: E402


def test_bench_plot_is_written(tmp_path):
    modes = [
        SimpleNamespace(name="bare loop", pages_per_s=3.0, documents=20, pages=52, timeline=[(0.0, 2), (0.5, 3)]),
        SimpleNamespace(name="pdfpipe batched runs", pages_per_s=2.7, documents=20, pages=52, timeline=[(0.0, 1)]),
    ]
    out = write_plot(modes, 2, tmp_path / "bench.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 10_000
