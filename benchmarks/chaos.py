"""Chaos: a load through the daemon's sensor-launched runs on PostgreSQL, with random SIGKILLs.

    python -m benchmarks.chaos [--documents 500] [--every 20 40] [--postgres URL]

Documents are one-page PDFs cut from the corpus, each with its own bytes, and about 1% bad
inputs.  Every 20-40 s one victim is SIGKILLed at random: a run process, a budget worker, the
daemon (restarted at once, as a supervisor would) or the code server.  Every pool has limit 1
for the middle third of the run.  When the drop has settled, ``pdfpipe resume`` runs until
nothing is missing.  It then prints the kills by victim kind; documents materialized, failed by
class, lost and materialized twice; each pool's peak against its limit; the seconds from each
kill to the next step start; and whether the fused documents equal an uninterrupted run's
(the bare loop over the same files), timing fields aside.  The last line is ``key=value``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from pdfpipe_assets.settings import PROJECT_ROOT, Settings

from .bench import _bare_document, _bare_worker_init
from .load import make_documents
from .processes import Supervisor, victims

RESUME_ROUNDS = 5


def normalized_fused(data: Path) -> dict[str, dict]:
    """key -> fused document without its timings and the source path."""
    out = {}
    for path in sorted(data.glob("documents/*/fused_document/document.json")):
        doc = json.loads(path.read_text())
        doc["provenance"] = {"stages": [s["stage"] for s in doc["provenance"]["stages"]]}
        out[path.parts[-3]] = doc
    return out


def reference_run(files: list[Path], root: Path) -> Path:
    """The uninterrupted run: the bare loop (the same stage functions) over the same files."""
    from pdfpipe_assets.catalog import Registry

    settings = Settings(root / "reference")
    keys = [e.key for e, _ in Registry(settings.registry_path).register(files)]
    with ProcessPoolExecutor(os.cpu_count() or 2, initializer=_bare_worker_init, initargs=(1,)) as pool:
        list(pool.map(_bare_document, [(str(settings.data_dir), k) for k in keys]))
    return settings.data_dir


def peak_in(intervals: list[tuple[float, float]], start: float, end: float) -> int:
    """Most steps running when a step started within [start, end] (itself included).  Steps
    that started before the limit fell to 1 run on; no new one may start beside them."""
    starts = [a for a, _ in intervals if start <= a <= end]
    return max((sum(1 for a, b in intervals if a <= s < b) for s in starts), default=0)


def step_starts(instance) -> list[float]:
    import dagster as dg

    return sorted(
        record.timestamp
        for run in instance.get_runs()
        for record in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_START)
    )


def set_pools(instance, limit: int | None, profile) -> None:
    for pool, slots in profile.pools.items():
        instance.event_log_storage.set_concurrency_slots(pool, slots if limit is None else limit)


def resume_until_done(env: dict) -> list[str]:
    outputs = []
    for _ in range(RESUME_ROUNDS):
        done = subprocess.run(
            [sys.executable, "-m", "pdfpipe_assets.cli", "resume"],
            env=env,
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=3600,
        )
        outputs.append(done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-300:])
        if re.search(r"^0 documents completed", done.stdout, re.M):  # nothing left it can finish
            break
    return outputs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=500)
    parser.add_argument("--every", type=float, nargs=2, default=(20.0, 40.0), help="seconds between kills")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("PDFPIPE_LOAD_POSTGRES", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--database", default="pdfpipe_chaos")
    parser.add_argument("--corpus", default=os.environ.get("PDFPIPE_CORPUS", PROJECT_ROOT.parent / "shared" / "corpus"))
    parser.add_argument("--timeout", type=float, default=3 * 3600)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--one-slot-s", type=float, default=120, help="how long every pool has limit 1")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)

    from pdfpipe_assets.catalog import Registry
    from pdfpipe_assets.defs.operations import active_runs, fresh_postgres_database, get_instance, run_report
    from pdfpipe_assets.defs.pools import apply_profile, step_intervals
    from pdfpipe_assets.profiles import load_profile

    from .audit import accounted_for, asset_pools, audit

    root = Path(tempfile.mkdtemp(prefix="pdfpipe-chaos-"))
    files, expected = make_documents(Path(args.corpus), args.documents, root / "pdfs")
    url = fresh_postgres_database(args.postgres, args.database)
    data = root / "data"
    os.environ.update({"PDFPIPE_DATA": str(data), "PDFPIPE_POSTGRES_URL": url})
    os.environ.pop("DAGSTER_HOME", None)
    settings = Settings(data)
    profile = load_profile()
    with get_instance(settings) as instance:
        apply_profile(instance, profile)
    env = dict(os.environ)
    print(f"{len(files)} documents ({len(expected)} bad inputs); instance storage {url}", flush=True)

    kills: list[tuple[float, str, int]] = []
    started = time.monotonic()
    with Supervisor(env) as daemon, get_instance(settings) as instance:
        for f in files:
            shutil.copyfile(f, settings.inbox_dir / f.name)
        next_kill = time.monotonic() + rng.uniform(*args.every)
        window: list[float] = []  # [start, end] of the limit-1 period, wall-clock
        while time.monotonic() - started < args.timeout:
            time.sleep(1)
            daemon.restart_if_dead()
            elapsed = time.monotonic() - started
            report = run_report(instance, settings, len(files)) if not active_runs(instance) else None
            if report and report.finished:
                break
            if not window and len(kills) >= 2:  # every pool at limit 1: a leaked slot would wedge it
                set_pools(instance, 1, profile)
                window.append(time.time())
                print(f"{elapsed:6.0f} s  every pool limited to 1 slot", flush=True)
            elif len(window) == 1 and time.time() - window[0] > args.one_slot_s:
                set_pools(instance, None, profile)
                window.append(time.time())
                print(f"{elapsed:6.0f} s  pool limits restored", flush=True)
            if time.monotonic() >= next_kill:
                found = victims(daemon.pid)
                kinds = [k for k, pids in found.items() if pids]
                if kinds:
                    kind = rng.choice(kinds)
                    pid = rng.choice(found[kind])
                    try:
                        os.kill(pid, signal.SIGKILL)
                        kills.append((time.time(), kind, pid))
                        print(f"{elapsed:6.0f} s  SIGKILL {kind} {pid}", flush=True)
                    except ProcessLookupError:
                        pass
                    if kind == "daemon":
                        daemon.restart_if_dead()
                next_kill = time.monotonic() + rng.uniform(*args.every)
        set_pools(instance, None, profile)
        window += [time.time()] * (2 - len(window)) if window else []
    settle_s = time.monotonic() - started
    resumed = resume_until_done(env)
    wall = time.monotonic() - started

    with get_instance(settings) as instance:
        result = audit(instance, Registry(settings.registry_path), files, expected)
        starts = step_starts(instance)
        window_peaks = (
            {pool: peak_in(iv, *window) for pool, iv in step_intervals(instance, asset_pools()).items()}
            if window
            else {}
        )
    recovery = []
    for at, _, _ in kills:
        after = [s for s in starts if s > at]
        recovery.append(round(after[0] - at, 1) if after else None)
    good = [f for f in files if f.name not in expected]
    reference = normalized_fused(reference_run(good, root))
    chaotic = normalized_fused(data)
    differing = sorted(k for k in reference if chaotic.get(k) != reference[k])

    by_kind: dict[str, int] = {}
    for _, kind, _ in kills:
        by_kind[kind] = by_kind.get(kind, 0) + 1
    lost = len(result["lost_files"]) + result["unsettled"]
    print(f"\nsettled in {settle_s:.0f} s; resume rounds: {resumed}; total {wall:.0f} s")
    print(f"kills by victim: {by_kind}")
    print(f"materialized {result['materialized']}, failed {result['failed']} {result['failure_classes']}, lost {lost}")
    print(f"materialized more than once: {result['duplicated']}")
    print(f"pool peaks {result['pool_peaks']} against limits {profile.pools}; while every limit was 1: {window_peaks}")
    print(f"seconds from each kill to the next step start: {recovery}")
    print(
        f"fused documents equal to the uninterrupted run: {len(reference) - len(differing)} of {len(reference)}"
        + (f"; differing: {differing[:5]}" if differing else "")
    )
    exceeded = [p for p, n in result["pool_peaks"].items() if n > (profile.pools.get(p) or 0)]
    exceeded += [p for p, n in window_peaks.items() if n > 1]
    ok = accounted_for(result) and not differing and not exceeded
    print(
        f"chaos: documents={len(files)} kills={len(kills)} materialized={result['materialized']} "
        f"failed={result['failed']} lost={lost} duplicated={len(result['duplicated'])} "
        f"differing={len(differing)} pools_exceeded={len(exceeded)} "
        f"max_recovery_s={max((r for r in recovery if r is not None), default=0)} ok={ok}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
