"""The benchmark's picture: pages/s per mode, and runnable threads over time per mode."""

from __future__ import annotations

from pathlib import Path


def write_plot(results, cores: int, out: Path) -> Path:
    """``results``: the modes of one ``make bench`` run (each with its ``timeline``)."""
    import matplotlib

    matplotlib.use("Agg")  # no display
    import matplotlib.pyplot as plt

    fig, (bars, lines) = plt.subplots(1, 2, figsize=(12, 4.2), gridspec_kw={"width_ratios": [1, 2]})
    bare = results[0].pages_per_s or 1
    names = [r.name.replace("pdfpipe ", "") for r in results]
    heights = [r.pages_per_s for r in results]
    drawn = bars.bar(range(len(results)), heights, color=["#888888", "#1f5fbf", "#3f9f3f", "#bf7f1f"][: len(results)])
    for bar, r in zip(drawn, results):
        bars.annotate(
            f"{r.pages_per_s:.2f}\n({r.pages_per_s / bare:.2f}x)",
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    bars.set_xticks(range(len(results)), names, rotation=20, ha="right", fontsize=8)
    bars.set_ylabel("pages/s")
    bars.set_title(f"throughput, {results[0].documents} documents, {results[0].pages} pages")
    bars.set_ylim(0, max(heights) * 1.3)
    for r in results:
        if r.timeline:
            lines.plot([t for t, _ in r.timeline], [n for _, n in r.timeline], label=r.name, linewidth=0.8)
    lines.axhline(cores, color="black", linestyle="--", linewidth=0.8, label=f"{cores} cores")
    lines.set_xlabel("seconds since the mode started")
    lines.set_ylabel("runnable threads (all processes)")
    lines.set_title("runnable threads over time")
    lines.legend(fontsize=8)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
