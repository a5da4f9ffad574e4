"""Celery cluster on one machine: two "nodes" (Celery workers) serving a cluster profile's
queues, documents through ``dagster-celery``'s executor on PostgreSQL, and docs/hour with one
worker against two.  ``make cluster-demo`` runs it; ``tests/test_cluster.py`` uses its parts.

    python -m benchmarks.cluster [--docs 60] [--runs-at-once 4]

Needs RabbitMQ and PostgreSQL on 127.0.0.1 (``PDFPIPE_TEST_POSTGRES`` names another server)
and the ``celery`` extra.  The documents are generated one-page PDFs, different in content.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from pdfpipe_assets.settings import PROJECT_ROOT

POSTGRES = os.environ.get("PDFPIPE_TEST_POSTGRES", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
DEMO_PROFILE = PROJECT_ROOT / "resources" / "cluster-demo.yaml"
PDFPIPE = [sys.executable, "-m", "pdfpipe_assets.cli"]
TWO_NODES = {"node-a": {"cpu": 2}, "node-b": {"ocr": 1}}  # resource class -> slots, per node
ONE_NODE = {"node-a": {"cpu": 2, "ocr": 2}}  # one worker serving both classes


def make_pdfs(folder: Path, count: int) -> list[Path]:
    """``count`` one-page PDFs with a heading and three paragraphs, each different."""
    import pymupdf

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        doc = pymupdf.open()
        page = doc.new_page()
        page.insert_text((72, 90), f"Report {n}: cluster throughput", fontsize=16)
        body = (
            f"Paragraph {{}} of report {n}. The pipeline reads the text layer of this page, finds "
            "its layout, fuses the blocks and writes one JSON document per PDF."
        )
        for i in range(3):
            page.insert_textbox(pymupdf.Rect(72, 120 + 90 * i, 520, 200 + 90 * i), body.format(i + 1), fontsize=11)
        path = folder / f"report-{n:04d}.pdf"
        doc.save(path)
        paths.append(path)
    return paths


def cluster_env(base: Path, nodes: dict[str, dict[str, int]], tag: str | None = None) -> dict[str, str]:
    """Environment for a fresh cluster: a profile whose queues are unique to this cluster (no
    stale message from another one reaches it), a fresh PostgreSQL database, a data dir."""
    from pdfpipe_assets.defs.operations import fresh_postgres_database
    from pdfpipe_assets.profiles import load_profile

    tag = tag or uuid.uuid4().hex[:8]
    queues = {cls: f"{cls}@{node}-{tag}" for node, classes in nodes.items() for cls in classes}
    profile = base / "cluster.yaml"
    broker = load_profile(DEMO_PROFILE).cluster.broker  # type: ignore[union-attr]
    # the demo's own nodes would merge into these: extend its base and write the whole block
    lines = [f"extends: {DEMO_PROFILE.parent / 'cpu.yaml'}", "name: cluster-test", "cluster:"]
    lines += [f"  broker: {broker}", "  queues:"]
    lines += [f"    {pool}: {queues.get(pool, queues['cpu'])}" for pool in ("cpu", "ocr", "grobid", "catalog")]
    lines += ["  nodes:"]
    for node, classes in nodes.items():
        lines.append(f"    {node}: {{{', '.join(f'{queues[c]}: {s}' for c, s in classes.items())}}}")
    profile.write_text("\n".join(lines) + "\n")
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env |= {
        "PDFPIPE_PROFILE": str(profile),
        "PDFPIPE_DATA": str(base / "data"),
        "PDFPIPE_POSTGRES_URL": fresh_postgres_database(POSTGRES, f"pdfpipe_cluster_{tag}"),
        "PYTHONUNBUFFERED": "1",
    }
    return env


def start_worker(env: dict, node: str, queue: str | None, log: Path) -> subprocess.Popen:
    """``pdfpipe worker`` for one node's queue (all the node's queues when ``queue`` is None),
    in its own process group, so that a SIGKILL takes its step threads and engines with it."""
    from pdfpipe_assets.profiles import load_profile

    slots = load_profile(env["PDFPIPE_PROFILE"]).cluster.nodes[node]  # type: ignore[union-attr]
    queues = [queue] if queue else list(slots)
    concurrency = max(slots[q] for q in queues)
    args = [*PDFPIPE, "worker", "--concurrency", str(concurrency), "--name", f"{node}@pdfpipe"]
    for q in queues:
        args += ["--queue", q]
    ready = log.read_text().count(" ready.") if log.exists() else 0
    proc = subprocess.Popen(args, env=env, stdout=log.open("a"), stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 90
    while log.read_text().count(" ready.") < ready + concurrency:  # one Celery process per slot
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"worker {node} did not start:\n{log.read_text()[-2000:]}")
        time.sleep(0.3)
    return proc


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL a worker and everything it started, mid-step: no chance to acknowledge."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def stop_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        kill_group(proc)


def register(env: dict, folder: Path) -> list[str]:
    out = subprocess.run([*PDFPIPE, "ingest", str(folder)], env=env, capture_output=True, text=True, check=True)
    return [line.split()[0] for line in out.stdout.splitlines() if line.strip() and not line.startswith(" ")]


def start_runs(env: dict, keys: list[str], processes: int, log: Path) -> list[subprocess.Popen]:
    """``processes`` commands at once, each resuming its share of ``keys``: a contiguous slice
    of the registration order, so that its runs are batches (a range of partitions each)."""
    size = -(-len(keys) // processes)
    shares = [keys[i : i + size] for i in range(0, len(keys), size)]
    return [
        subprocess.Popen([*PDFPIPE, "resume", *share], env=env, stdout=log.open("a"), stderr=subprocess.STDOUT)
        for share in shares
        if share
    ]


def node_of(worker: str) -> str:
    """``node-a.2@pdfpipe`` (slot 2 of node-a) -> ``node-a``."""
    return worker.split("@")[0].split(".")[0]


def worker_steps(instance) -> dict[str, list[tuple[float, float]]]:
    """Celery worker name -> (start, end) of each step attempt it ran, from the event log.  A
    step attempt ends at its success or failure, or, for one whose worker was killed, where the
    step starts again."""
    import dagster as dg

    spans: dict[str, list[tuple[float, float]]] = {}
    for run in instance.get_runs(filters=dg.RunsFilter(job_name="process_documents")):  # not the catalog's
        worker: dict[str, str] = {}  # step -> the worker the executor handed it to last
        open_: dict[str, tuple[str, float]] = {}
        for record in instance.all_logs(run.run_id):
            event = record.dagster_event
            if event is None or event.step_key is None:
                continue
            key = event.step_key
            if event.event_type == dg.DagsterEventType.ENGINE_EVENT:
                meta = event.engine_event_data.metadata or {}
                if "Celery worker" in meta:
                    worker[key] = str(meta["Celery worker"].value)
            elif event.event_type == dg.DagsterEventType.STEP_START:
                if key in open_:  # the attempt before never ended: its worker died
                    name, start = open_.pop(key)
                    spans.setdefault(name, []).append((start, record.timestamp))
                open_[key] = (worker.get(key, "?"), record.timestamp)
            elif event.event_type in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
                if key in open_:
                    name, start = open_.pop(key)
                    spans.setdefault(name, []).append((start, record.timestamp))
    return spans


def delete_queues(env: dict) -> None:
    """Remove the cluster's queues from the broker (they are unique to it)."""
    from pdfpipe_assets.defs.cluster import worker_app
    from pdfpipe_assets.profiles import load_profile

    profile = load_profile(env["PDFPIPE_PROFILE"])
    with worker_app(profile).connection_for_write() as conn:
        channel = conn.default_channel
        for queue in {q for slots in profile.cluster.nodes.values() for q in slots}:  # type: ignore[union-attr]
            channel.queue_delete(queue)


def _wait(procs: list[subprocess.Popen], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    for proc in procs:
        proc.wait(timeout=max(1.0, deadline - time.monotonic()))


def throughput(base: Path, pdfs: Path, nodes: dict, runs_at_once: int) -> tuple[int, float]:
    """(documents done, seconds) for the documents in ``pdfs`` on a fresh cluster of ``nodes``."""
    base.mkdir(parents=True, exist_ok=True)
    env = cluster_env(base, nodes)
    logs = base / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    workers = [start_worker(env, node, None, logs / f"{node}.log") for node in nodes]
    try:
        keys = register(env, pdfs)
        subprocess.run([*PDFPIPE, "profile", "apply"], env=env, check=True, capture_output=True)
        started = time.perf_counter()
        _wait(start_runs(env, keys, runs_at_once, logs / "runs.log"), timeout=3600)
        seconds = time.perf_counter() - started
    finally:
        for proc in workers:
            stop_group(proc)
        delete_queues(env)
    return len(keys), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=60)
    parser.add_argument("--runs-at-once", type=int, default=4)
    parser.add_argument("--out", type=Path, default=Path("/tmp/pdfpipe-cluster-demo"))
    args = parser.parse_args()
    pdfs = args.out / "pdfs"
    make_pdfs(pdfs, args.docs)
    print("| setup | documents | seconds | docs/hour |\n|---|---|---|---|")
    rates = {}
    for label, nodes in (("one worker (cpu+ocr, 2 slots)", ONE_NODE), ("two workers (cpu 2 + ocr 1)", TWO_NODES)):
        done, seconds = throughput(args.out / label.split()[0], pdfs, nodes, args.runs_at_once)
        rates[label] = done / seconds * 3600
        print(f"| {label} | {done} | {seconds:.1f} | {rates[label]:.0f} |", flush=True)
    one, two = rates.values()
    print(f"scaling ratio, two workers / one: {two / one:.2f} (one machine: {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
