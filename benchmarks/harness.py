"""Drive a fresh instance the way a user's files go, for the benchmark and the load script:
the corpus's good PDFs, ``dagster-daemon`` for the duration of a block, drop into the inbox
and wait until every document is materialized or failed."""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from pdfpipe_assets.settings import PROJECT_ROOT, Settings

BAD_FEATURES = {"corrupt", "encrypted", "zero-byte", "non-pdf", "truncated", "broken-xref"}
QUICK_MAX_PAGES = 10
QUICK_PER_SOURCE = 4  # the quick set: every source family of the corpus, a few short files of each


def corpus_files(corpus: Path, quick: bool, only: str | None = None) -> list[tuple[Path, int]]:
    """Born-digital and scanned PDFs of the corpus (its bad inputs left out), with pages.
    ``only``: 'born-digital' (a text layer) or 'scanned' (image-only).  ``quick``: documents of
    at most ``QUICK_MAX_PAGES`` pages, the first ``QUICK_PER_SOURCE`` by name from each source
    repository, so that papers, scans, tables and reports all stay in, whatever one family's size."""
    rows = sorted(csv.DictReader(open(corpus / "MANIFEST.tsv"), delimiter="\t"), key=lambda r: r["file"])
    out = []
    taken: dict[str, int] = {}
    for row in rows:
        if BAD_FEATURES & set(row["features"].split(",")):
            continue
        if only and (row["has_text_layer"] == "yes") != (only == "born-digital"):
            continue
        pages = int(row["pages"])
        if quick and (pages > QUICK_MAX_PAGES or taken.get(row["source_repo"], 0) >= QUICK_PER_SOURCE):
            continue
        taken[row["source_repo"]] = taken.get(row["source_repo"], 0) + 1
        out.append((corpus / row["file"], pages))
    return out


def distinct_copies(files: list[tuple[Path, int]], repeat: int, folder: Path) -> list[Path]:
    """``repeat`` copies of each file, each with different bytes (a PDF comment after %%EOF)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(repeat):
        for src, _ in files:
            dst = folder / f"{src.stem}-r{i}.pdf"
            dst.write_bytes(src.read_bytes() + f"\n%pdfpipe-bench copy {i}\n".encode())
            out.append(dst)
    return out


@contextmanager
def dagster_daemon(env: dict):
    """``dagster-daemon run`` (sensors, run queue, monitoring) for the duration of the block."""
    daemon = subprocess.Popen(
        [str(Path(sys.executable).parent / "dagster-daemon"), "run", "-w", str(PROJECT_ROOT / "workspace.yaml")],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield daemon
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)
        daemon.wait(timeout=60)


def drop_and_wait(settings: Settings, files: list[Path], timeout_s: float):
    """Copy ``files`` into the inbox and poll until every document is materialized or failed."""
    from pdfpipe_assets.defs.operations import active_runs, get_instance, run_report

    settings.inbox_dir.mkdir(parents=True, exist_ok=True)
    for f in files:
        shutil.copyfile(f, settings.inbox_dir / f.name)
    deadline = time.monotonic() + timeout_s
    with get_instance(settings) as instance:
        while True:
            # the full report reads every stage's partition status: only when no run is going
            if not active_runs(instance) or time.monotonic() > deadline:
                report = run_report(instance, settings, len(files))
                if report.finished or time.monotonic() > deadline:
                    return report
            time.sleep(2)
