"""Throughput benchmark: the bare loop against pdfpipe one-run-per-document and batched.

    python -m benchmarks.bench [--quick] [--repeat N] [--corpus DIR]

The pdfpipe modes go the way a user's documents go: PDFs are copied into the inbox, the
Dagster daemon's ``inbox_sensor`` registers them and queues runs, the run launcher forks
each run process from its warm process, pools cap the steps.  Only the batch size differs
(1, or the profile's).
The last line is machine-readable.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pdfpipe_assets.catalog.inbox import SETTLE_S
from pdfpipe_assets.settings import PROJECT_ROOT, Settings

from .harness import QUICK_MAX_PAGES, corpus_files, dagster_daemon, distinct_copies, drop_and_wait
from .plot import write_plot
from .sampling import Figures, Sampler

PROJECTIONS = (6_600, 500_000)


@dataclass
class Result:
    name: str
    documents: int
    pages: int
    wall_s: float
    figures: Figures  # RSS, runnable threads, CPU utilisation
    failed: int = 0
    slots: str = ""  # where the run slots' time went (pdfpipe modes)
    catalog_after_s: float = 0.0  # the catalog update after the last document run, not in wall_s
    harness_cpu_s: float = 0.0  # this benchmark's own sampling and polling
    bursts: str = ""  # samples with more runnable threads than cores + 1, and who ran then
    busiest: str = ""  # the second with most runnable threads, and who held them
    cpu: str = ""  # CPU seconds by kind of process
    engine_cpu_s: float = 0.0  # CPU seconds of the budget workers, where the engines run
    timeline: list[tuple[float, int]] = field(default_factory=list)  # (s since start, runnable threads)

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.wall_s if self.wall_s else 0.0

    @property
    def docs_per_hour(self) -> float:
        return self.documents / self.wall_s * 3600 if self.wall_s else 0.0


def _bare_worker_init(threads: int) -> None:
    """As the warm process does: cap threads, then load the engines before any work, so that
    no engine is first imported inside a budget worker under its memory cap."""
    from pdfpipe_assets.engines.threads import cap_threads
    from pdfpipe_assets.profiles import load_profile
    from pdfpipe_assets.stages import warm_up

    cap_threads(threads)
    warm_up(load_profile())


def _bare_document(args) -> tuple[int, bool]:
    data_dir, key = args
    from pdfpipe_assets.contracts import SourceInfo
    from pdfpipe_assets.errors import DocumentError
    from pdfpipe_assets.profiles import load_profile
    from pdfpipe_assets.stages import SOURCE, Workspace, run_document

    ws = Workspace(Settings(Path(data_dir)), load_profile())
    try:
        run_document(ws, key)
        return ws.read(key, SOURCE, SourceInfo).page_count, True
    except DocumentError:
        return 0, False


def run_bare(files: list[Path], root: Path, cores: int) -> Result:
    """The practical limit: the same stage functions in a process pool sized to the cores."""
    from pdfpipe_assets.catalog import Registry

    settings = Settings(root / "bare")
    registry = Registry(settings.registry_path)
    by_size = sorted(files, key=lambda f: -f.stat().st_size)  # largest first: no long tail
    keys = [e.key for e, _ in registry.register(by_size)]
    harness = time.process_time()
    with Sampler() as sampler:
        start = time.perf_counter()
        with ProcessPoolExecutor(cores, initializer=_bare_worker_init, initargs=(1,)) as pool:
            results = list(pool.map(_bare_document, [(str(settings.data_dir), k) for k in keys]))
        wall = time.perf_counter() - start
    return Result(
        "bare loop",
        len(keys),
        sum(p for p, _ in results),
        wall,
        sampler.figures(),
        failed=sum(not ok for _, ok in results),
        harness_cpu_s=time.process_time() - harness,
        bursts=sampler.worst_burst(),
        busiest=sampler.busiest_second(),
        cpu=sampler.cpu_by_role(),
        engine_cpu_s=sampler.cpu_of("budget worker"),
        timeline=sampler.timeline(),
    )


def run_pdfpipe(
    name: str,
    files: list[Path],
    root: Path,
    batch_size: int,
    timeout_s: float,
    max_runs: int | None = None,
    launcher: str = "warm",
) -> Result:
    """Drop the files into the inbox of a fresh instance and let the daemon do the rest, with
    pdfpipe's warm run launcher or Dagster's default one."""
    from pdfpipe_assets.defs.operations import get_instance
    from pdfpipe_assets.defs.pools import apply_profile
    from pdfpipe_assets.profiles import load_profile

    from .timeline import slot_time

    data = root / name.replace(" ", "_")
    profile = load_profile()
    profile = profile.model_copy(
        update={"batch_size": batch_size, "max_concurrent_runs": max_runs or profile.max_concurrent_runs}
    )
    data.mkdir(parents=True)
    (data / "profile.yaml").write_text(yaml.safe_dump(profile.model_dump()))
    env = {
        **os.environ,
        "PDFPIPE_DATA": str(data),
        "PDFPIPE_PROFILE": str(data / "profile.yaml"),
        "PDFPIPE_RUN_LAUNCHER": launcher,
    }
    env.pop("DAGSTER_HOME", None)
    os.environ.update({k: env[k] for k in ("PDFPIPE_DATA", "PDFPIPE_PROFILE", "PDFPIPE_RUN_LAUNCHER")})
    os.environ.pop("DAGSTER_HOME", None)
    settings = Settings(data)
    with get_instance(settings) as instance:
        apply_profile(instance, profile)
    env["DAGSTER_HOME"] = os.environ["DAGSTER_HOME"]
    harness = time.process_time()
    with dagster_daemon(env), Sampler() as sampler:
        report = drop_and_wait(settings, files, timeout_s)
    harness = time.process_time() - harness
    if not report.finished:
        raise SystemExit(f"{name}: not finished after {timeout_s:.0f} s: {report}")
    with get_instance(settings) as instance:
        slots = slot_time(instance, profile.max_concurrent_runs).summary()
    # figures while documents were processed: the daemon's own start-up burst is not work
    return Result(
        name,
        report.documents,
        report.pages,
        report.wall_s,
        sampler.figures(report.first_start, report.last_end),
        failed=report.failed,
        slots=slots,
        catalog_after_s=report.catalog_after_s,
        harness_cpu_s=harness,
        bursts=sampler.worst_burst(report.first_start, report.last_end),
        busiest=sampler.busiest_second(report.first_start, report.last_end),
        cpu=sampler.cpu_by_role(),
        engine_cpu_s=sampler.cpu_of("budget worker"),
        timeline=sampler.timeline(report.first_start, report.last_end),
    )


def sensor_tick(root: Path, count: int) -> float:
    """Seconds one inbox_sensor evaluation takes to register ``count`` new PDFs."""
    from pdfpipe_assets.defs.operations import time_inbox_tick

    small = min(
        corpus_files(Path(os.environ.get("PDFPIPE_CORPUS", PROJECT_ROOT.parent / "shared" / "corpus")), True),
        key=lambda fp: fp[0].stat().st_size,
    )[0]
    data = root / "sensor"
    inbox = data / "inbox"
    inbox.mkdir(parents=True)
    payload = small.read_bytes()
    for i in range(count):
        (inbox / f"doc-{i:06d}.pdf").write_bytes(payload + f"\n%copy {i}\n".encode())
    time.sleep(SETTLE_S + 0.5)  # the sensor leaves files younger than this for later
    return time_inbox_tick(Settings(data))


DRIFT_LIMIT = 0.05  # engine CPU may differ this much between modes before the ratio is flagged


def engine_drift(r: Result, bare: Result) -> float:
    """How much more engine CPU a mode spent than the bare loop on the same work (0.1: 10%)."""
    return r.engine_cpu_s / (bare.engine_cpu_s or 1) - 1


def equal_speed_ratio(r: Result, bare: Result) -> float:
    """pages/s against the bare loop's, as if the machine had run both at the same speed: the
    engines do the same work in every mode, so their CPU seconds measure the machine's speed.
    (It also hides any slowdown pdfpipe would cause inside the engines: read it beside the raw
    ratio.)"""
    return r.pages_per_s / (bare.pages_per_s or 1) * (1 + engine_drift(r, bare))


def _fmt_bytes(n: int) -> str:
    return f"{n / 2**20:.0f} MiB"


def table(results: list[Result], bare: Result, cores: int) -> str:
    head = (
        "| mode | docs | pages | wall s | pages/s | docs/hour | peak RSS | runnable threads, 1 s mean peak "
        "| the same, work processes | instant peak / p99 | CPU util | vs bare |"
    )
    lines = [head, "|" + "---|" * 12]
    for r in results:
        f = r.figures
        lines.append(
            f"| {r.name} | {r.documents} | {r.pages} | {r.wall_s:.1f} | {r.pages_per_s:.2f} | {r.docs_per_hour:.0f} "
            f"| {_fmt_bytes(f.peak_rss)} | {f.mean_peak:.1f} | {f.work_mean_peak:.1f} "
            f"| {f.instant_peak} / {f.instant_p99} | {f.cpu_util:.0%} | {r.pages_per_s / (bare.pages_per_s or 1):.2f} |"
        )
    failed = [f"{r.name} {r.failed}" for r in results if r.failed]
    if failed:
        lines.append("")
        lines.append("DOCUMENTS FAILED (their pages are not counted): " + "; ".join(failed))
    lines.append("")
    for r in results:
        if r.slots:
            lines.append(f"{r.name}, run slots: {r.slots}")
            lines.append(
                f"{r.name}: the catalog update went on {r.catalog_after_s:.1f} s after the last document run "
                "(not in wall s: the bare loop builds no catalog)"
            )
    for r in results:
        lines.append(f"{r.name}, runnable threads, busiest second: {r.busiest}")
    for r in results:
        lines.append(f"{r.name}, runnable threads, single samples: {r.bursts}")
    for r in results:
        lines.append(f"{r.name}, CPU by process (daemon start-up included): {r.cpu}")
    # The engines do the same work in every mode: a gap is the machine's speed drifting, or contention.
    lines.append(
        "engine CPU (budget workers), the same work in every mode: "
        + "; ".join(f"{r.name} {r.engine_cpu_s:.1f} s ({engine_drift(r, bare):+.0%})" for r in results)
    )
    lines.append(
        "at equal engine speed (vs bare scaled by the mode's engine CPU over the bare loop's): "
        + "; ".join(f"{r.name} {equal_speed_ratio(r, bare):.2f}" for r in results[1:])
    )
    drift = max(abs(engine_drift(r, bare)) for r in results)
    if drift > DRIFT_LIMIT:
        lines.append(
            f"the engines' CPU for the same work differs by {drift:.0%} between modes: the machine's "
            "speed drifted, so 'vs bare' compares two machines; rerun, or read the equal-speed line"
        )
    lines.append(
        "the benchmark's own sampling and polling: "
        + "; ".join(f"{r.name} {r.harness_cpu_s:.1f} s CPU" for r in results)
    )
    lines.append("")
    for n in PROJECTIONS:
        parts = [f"{r.name}: {n / r.docs_per_hour:.1f} h" for r in results if r.docs_per_hour]
        lines.append(f"projection for {n:,} documents on this {cores}-core machine: " + "; ".join(parts))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=__doc__)
    parser.add_argument("--corpus", default=os.environ.get("PDFPIPE_CORPUS", PROJECT_ROOT.parent / "shared" / "corpus"))
    parser.add_argument("--repeat", type=int, default=1, help="copies of the corpus, each with distinct bytes")
    parser.add_argument("--quick", action="store_true", help=f"only documents of <= {QUICK_MAX_PAGES} pages")
    parser.add_argument("--batch-size", type=int, default=None, help="batched mode's run size (default: profile)")
    parser.add_argument("--sensor-files", type=int, default=10_000, help="files for the sensor-tick figure (0: skip)")
    parser.add_argument("--only", choices=["born-digital", "scanned"], help="one kind of document")
    parser.add_argument("--max-runs", type=int, default=None, help="runs at once (default: profile)")
    parser.add_argument("--skip-per-doc", action="store_true", help="leave out the one-run-per-document mode")
    parser.add_argument(
        "--skip-default-launcher", action="store_true", help="leave out batched runs with Dagster's default launcher"
    )
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument(
        "--plot",
        default=None,
        help="where to write the plot (default: docs/bench.png; data/bench-quick.png if --quick)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the instances and outputs (path printed)")
    args = parser.parse_args(argv)

    from pdfpipe_assets.engines.threads import cap_threads
    from pdfpipe_assets.profiles import load_profile

    profile = load_profile()
    cap_threads(profile.threads_per_worker)
    cores = os.cpu_count() or 1
    corpus = corpus_files(Path(args.corpus), args.quick, args.only)
    root = Path(tempfile.mkdtemp(prefix="pdfpipe-bench-"))
    try:
        files = distinct_copies(corpus, args.repeat, root / "pdfs")
        print(
            f"corpus: {len(files)} documents, {sum(p for _, p in corpus) * args.repeat} pages; {cores} cores; "
            f"profile {profile.name}",
            flush=True,
        )
        bare = run_bare(files, root, cores)
        print(f"bare loop done: {bare.wall_s:.1f} s", flush=True)
        results = [bare]
        if not args.skip_per_doc:
            results.append(run_pdfpipe("pdfpipe per-document runs", files, root, 1, args.timeout, args.max_runs))
            print(f"per-document runs done: {results[-1].wall_s:.1f} s", flush=True)
        batched = run_pdfpipe(
            "pdfpipe batched runs", files, root, args.batch_size or profile.batch_size, args.timeout, args.max_runs
        )
        print(f"batched runs done: {batched.wall_s:.1f} s", flush=True)
        per_doc = f"{results[1].pages_per_s:.2f}" if len(results) == 2 else "n/a"  # not measured
        results.append(batched)
        default = None
        if not args.skip_default_launcher:
            default = run_pdfpipe(
                "pdfpipe batched, Dagster's launcher",
                files,
                root,
                args.batch_size or profile.batch_size,
                args.timeout,
                args.max_runs,
                launcher="default",
            )
            print(f"batched runs with Dagster's default launcher done: {default.wall_s:.1f} s", flush=True)
            results.append(default)
        print()
        print(table(results, bare, cores))
        plot = (
            Path(args.plot)
            if args.plot
            else PROJECT_ROOT / ("data/bench-quick.png" if args.quick else "docs/bench.png")
        )
        print(f"plot: {write_plot(results, cores, plot)}")  # the README's plot is the full corpus's
        if args.sensor_files:
            tick = sensor_tick(root, args.sensor_files)
            print(f"inbox_sensor tick registering {args.sensor_files:,} new PDFs: {tick:.1f} s (limit 60 s)")
        peak = max(r.figures.mean_peak for r in results[1:])  # the whole tree, 1 s mean (sampling.py)
        warm_gain = batched.pages_per_s / (default.pages_per_s or 1) if default else 0.0
        if default:
            print(
                f"the warm run launcher against Dagster's default one, batched: {batched.pages_per_s:.2f} against "
                f"{default.pages_per_s:.2f} pages/s ({warm_gain:.2f}x; at equal engine speed "
                f"{equal_speed_ratio(batched, bare) / (equal_speed_ratio(default, bare) or 1):.2f}x)"
            )
        print(
            f"bench: bare={bare.pages_per_s:.2f} per_doc={per_doc} "
            f"batched={batched.pages_per_s:.2f} ratio={batched.pages_per_s / (bare.pages_per_s or 1):.2f} "
            f"warm_launcher_gain={warm_gain:.2f} peak_threads={peak:.1f} cores={cores}"
        )
    finally:
        if args.keep:
            print(f"kept: {root} (each mode's DAGSTER_HOME is <mode>/dagster_home)")
        else:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
