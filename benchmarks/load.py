"""Load test: thousands of documents through sensor-launched runs on a PostgreSQL instance.

    python -m benchmarks.load [--documents 2000] [--postgres postgresql+psycopg2://postgres@127.0.0.1:5432/postgres]

Documents are single pages cut from the corpus' good PDFs, each with its own bytes, plus a few
bad inputs (not a PDF, encrypted) with distinct bytes.  They are dropped into the inbox of a
fresh instance whose storage is a new PostgreSQL database; the daemon's ``inbox_sensor``
registers them and queues batched runs.  At the end it checks, and prints:

- lost: a dropped file with no partition, or a partition neither materialized nor failed;
- duplicated: a document whose ``fused_document`` was materialized more than once;
- failures by class (the bad inputs must fail as ``not_pdf`` / ``encrypted``, nothing else);
- the most steps that held each pool at once, against its limit.

Exit code 0 only when nothing is lost or duplicated, every failure is an expected bad input and
no pool was exceeded.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from pdfpipe_assets.settings import PROJECT_ROOT, Settings

from .harness import corpus_files, dagster_daemon, drop_and_wait

BAD_EVERY = 100  # one bad input per this many documents
BAD_INPUTS = {"corrupted.pdf": "not_pdf", "password-example.pdf": "encrypted"}


def make_documents(corpus: Path, count: int, folder: Path) -> tuple[list[Path], dict[str, str]]:
    """``count`` files: one-page PDFs cut from the corpus, and every ``BAD_EVERY``-th a bad input.
    Returns the files and {file name: expected failure class} for the bad ones."""
    import pymupdf

    pages = []
    for path, n in corpus_files(corpus, quick=False):
        pages += [(path, i) for i in range(min(n, 20))]
    folder.mkdir(parents=True, exist_ok=True)
    files, expected = [], {}
    for i in range(count):
        if i % BAD_EVERY == BAD_EVERY - 1:
            name = list(BAD_INPUTS)[(i // BAD_EVERY) % len(BAD_INPUTS)]
            dst = folder / f"bad-{i:05d}-{name}"
            dst.write_bytes((corpus / name).read_bytes() + f"\n%load {i}\n".encode())
            expected[dst.name] = BAD_INPUTS[name]
        else:
            src, page = pages[i % len(pages)]
            dst = folder / f"doc-{i:05d}-{src.stem}-p{page + 1}.pdf"
            with pymupdf.open(src) as doc, pymupdf.open() as out:
                out.insert_pdf(doc, from_page=page, to_page=page)
                out.set_metadata({"subject": f"pdfpipe load document {i}"})  # distinct bytes
                out.save(dst)
        files.append(dst)
    return files, expected


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("PDFPIPE_LOAD_POSTGRES", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--database", default="pdfpipe_load")
    parser.add_argument("--corpus", default=os.environ.get("PDFPIPE_CORPUS", PROJECT_ROOT.parent / "shared" / "corpus"))
    parser.add_argument("--timeout", type=float, default=3 * 3600)
    args = parser.parse_args(argv)

    from pdfpipe_assets.catalog import Registry
    from pdfpipe_assets.defs.operations import fresh_postgres_database, get_instance
    from pdfpipe_assets.defs.pools import apply_profile
    from pdfpipe_assets.profiles import load_profile

    from .audit import accounted_for, audit

    root = Path(tempfile.mkdtemp(prefix="pdfpipe-load-"))
    files, expected = make_documents(Path(args.corpus), args.documents, root / "pdfs")
    url = fresh_postgres_database(args.postgres, args.database)
    data = root / "data"
    os.environ.update({"PDFPIPE_DATA": str(data), "PDFPIPE_POSTGRES_URL": url})
    os.environ.pop("DAGSTER_HOME", None)
    settings = Settings(data)
    with get_instance(settings) as instance:
        apply_profile(instance, load_profile())
    print(f"{len(files)} documents ({len(expected)} bad inputs) -> {settings.inbox_dir}; instance storage {url}")
    started = time.monotonic()
    with dagster_daemon(dict(os.environ)):
        report = drop_and_wait(settings, files, args.timeout)
    wall = time.monotonic() - started
    with get_instance(settings) as instance:
        result = audit(instance, Registry(settings.registry_path), files, expected)
    print(f"finished={report.finished} in {wall:.0f} s")
    for key, value in result.items():
        print(f"{key:20} {value}")
    exceeded = [
        p
        for p, n in result["pool_peaks"].items()
        if result["pool_limits"].get(p) is not None and n > result["pool_limits"][p]
    ]
    ok = report.finished and accounted_for(result) and not exceeded
    print(
        f"load: documents={result['files']} materialized={result['materialized']} failed={result['failed']} "
        f"lost={len(result['lost_files']) + result['unsettled']} duplicated={len(result['duplicated'])} "
        f"pools_exceeded={len(exceeded)} ok={ok}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
