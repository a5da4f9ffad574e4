"""``pdfpipe``: register PDFs, run them through Dagster, export the fused JSON, check the schema."""

from __future__ import annotations

import argparse
import gc
import json
import os
import signal
import sys
import warnings
from pathlib import Path

from .cli_cluster import add_parsers as add_cluster_parsers
from .cli_corpus import add_parsers, print_catalog_report
from .cli_doctor import add_parsers as add_doctor_parser
from .cli_show import cmd_show
from .settings import PROJECT_ROOT, Settings

SAMPLES = PROJECT_ROOT / "samples"


def _summary(settings: Settings, key: str) -> str:
    from .contracts import FusedDocument
    from .stages import FUSED, STAGE_FILES

    doc = FusedDocument.model_validate_json((settings.stage_dir(key, FUSED) / STAGE_FILES[FUSED]).read_text())
    ocr = sum(p.text_source != "text_layer" for p in doc.pages)
    title = doc.scholarly.title.text[:50] if doc.scholarly.title else "-"
    return (
        f"{doc.document.page_count} pages ({ocr} OCR), {len(doc.blocks)} blocks, {len(doc.tables)} tables, "
        f"{len(doc.scholarly.references)} references, title: {title}"
    )


def cmd_ingest(args, settings: Settings) -> int:
    from .defs.operations import get_instance, register

    with get_instance(settings) as instance:
        for entry, new in register(instance, settings, [Path(p) for p in args.paths]):
            print(f"{entry.key}\t{'new' if new else 'known'}\t{entry.source_path}")
    return 0


def cmd_run(args, settings: Settings) -> int:
    from .defs.liveness import free_dead_slots
    from .defs.operations import get_instance, materialize_catalog, materialize_documents, register
    from .defs.plan import plan_work
    from .defs.pools import apply_profile
    from .defs.watchdog import describe
    from .stages import Workspace

    paths = [Path(p) for p in args.paths] or [SAMPLES]
    with get_instance(settings, args.profile) as instance:
        apply_profile(instance, args.profile)
        for holder in free_dead_slots(instance):
            print(describe(holder))
        keys = list(dict.fromkeys(entry.key for entry, _ in register(instance, settings, paths)))
        work, skipped = plan_work(instance, Workspace(settings, args.profile), keys, force=args.force)
        if skipped:
            print(
                f"skipped {len(skipped)} of {len(keys)} documents: already materialized with the current "
                "code versions (--force redoes them)"
            )
        print(f"materializing {len(work)} documents through Dagster (instance: {os.environ['DAGSTER_HOME']})")
        outcomes = materialize_documents(instance, list(work), args.profile.batch_size, work)
        catalog = materialize_catalog(instance)
    failed = 0
    for o in outcomes:
        if o.ok:
            path = settings.stage_dir(o.key, "fused_document") / "document.json"
            print(f"OK    {o.key}  {path}\n      {_summary(settings, o.key)}")
        else:
            failed += 1
            print(f"FAIL  {o.key}  {o.message}")
    for key, why in skipped.items():
        print(f"SKIP  {key}  {why}")
    print(f"{len(outcomes) - failed} documents materialized, {failed} failed, {len(skipped)} skipped")
    print_catalog_report(catalog, settings)
    return 1 if failed else 0


def cmd_status(args, settings: Settings) -> int:
    from .catalog import Registry
    from .catalog.corpus import CorpusCatalog
    from .defs.operations import get_instance, pool_connections
    from .defs.status import collect

    with pool_connections(get_instance(settings)) as instance:
        catalog = CorpusCatalog(settings.catalog_path)
        st = collect(instance, args.stuck_after, Registry(settings.registry_path, settings.root), args.profile, catalog)
    bad = 1 if st.stuck_runs or st.wedged_pools else 0
    workers = _workers(args.profile)
    if args.json:
        print(json.dumps({**st.to_dict(), **({"workers": workers} if workers is not None else {})}, indent=1))
        return bad
    print(f"documents registered: {st.documents}")
    print(f"{'stage':18} {'done':>6} {'failed':>6} {'running':>7} {'missing':>7}")
    for stage, c in st.stages.items():
        print(f"{stage:18} {c['materialized']:>6} {c['failed']:>6} {c['in_progress']:>7} {c['missing']:>7}")
    print(f"runs: {st.runs['queued']} queued, {st.runs['started']} running")
    limits = {p["pool"]: "-" if p["limit"] is None else p["limit"] for p in st.pools}
    print("pools: " + ", ".join(f"{p['pool']} {p['active']}/{limits[p['pool']]}" for p in st.pools))
    if workers is not None:
        print("workers: " + (", ".join(f"{w['name']} {w['queues']} {w['slots']} slots" for w in workers) or "none"))
    c = st.catalog
    if c.get("busy"):
        print("catalog: an update is running")
    elif c:
        pending = "; documents changed since: `pdfpipe catalog` loads them" if c["pending"] else ""
        print(f"catalog: {c['documents']} documents ({c['failed']} failed), {c['chunks']} chunks{pending}")
    for r in st.recent_runs:
        print(
            f"run {r['run_id'][:8]} {r['status'].lower()}: {r['documents']} documents, {r['pages']} pages, "
            f"{r['failed']} failed ({r['failure_classes']}), {r['seconds']} s, {r['pages_per_s']} pages/s"
        )
    for run in st.stuck_runs:
        print(f"STUCK run {run['run_id']} ({run['job']}): no event for {run['silent_s']} s")
    for holder in st.dead_slot_holders:
        pools = ", ".join(holder["pools"]) or "no slot, a pending claim"
        print(f"LEAKED slots of run {holder['run_id']} ({pools}): {holder['why']}; `pdfpipe resume` frees them")
    for pool, runs in st.wedged_pools.items():
        print(f"WEDGED pool {pool}: every slot is held by a dead run ({', '.join(runs)})")
    if st.inbox_refused:
        print(f"inbox refused {st.inbox_refused} files; newest:")
        for item in st.inbox_refused_newest[:5]:
            print(f"  {item['name']}: {item['reason']}")
    if st.failure_classes:
        print("failure classes: " + ", ".join(f"{k} {v}" for k, v in st.failure_classes.items()))
    if args.failed:
        for item in st.failed:
            print(f"FAILED {item['key']}  {item['stage']}  [{item['class']}] {item['message']}")
    return bad


def _workers(profile) -> list[dict] | None:
    """The Celery workers of a cluster profile (None for a one-machine profile)."""
    if profile.cluster is None:
        return None
    from .defs.cluster import workers

    try:
        return workers(profile)
    except Exception as err:  # noqa: BLE001 - the broker is down: say so, the rest still reports
        return [{"name": f"broker unreachable: {err}", "queues": [], "slots": None}]


def cmd_resume(args, settings: Settings) -> int:
    from .defs.followup import missing_stages
    from .defs.liveness import free_dead_slots
    from .defs.operations import get_instance, materialize_catalog, materialize_documents, sweep_if_idle
    from .defs.partitions import documents, done_and_running, partitions_loader
    from .defs.watchdog import describe
    from .stages import STAGES

    with get_instance(settings, args.profile) as instance:
        for holder in free_dead_slots(instance):  # before planning: a leaked slot would wedge it
            print(describe(holder))
        swept = sweep_if_idle(instance, settings)
        if swept:
            print(f"removed {len(swept)} partial artifacts left by a killed run")
        loader = partitions_loader(instance)  # the keys, read once for the list and the statuses
        keys = args.keys or list(loader.get_dynamic_partitions(documents.name))
        work = missing_stages(instance, keys, done_and_running(instance, STAGES, loader))
        print(f"{len(work)} of {len(keys)} documents have missing or failed stages")
        outcomes = materialize_documents(instance, list(work), args.profile.batch_size, work)
        catalog = materialize_catalog(instance)
    failed = [o for o in outcomes if not o.ok]
    for o in failed:
        print(f"FAIL  {o.key}  {o.message}")
    print(f"{len(outcomes) - len(failed)} documents completed, {len(failed)} failed")
    print_catalog_report(catalog, settings)
    return 1 if failed else 0


def cmd_schema(args, settings: Settings) -> int:
    from .schema import SCHEMA_PATH, current_schema_text

    text = current_schema_text()
    if args.check:
        if not SCHEMA_PATH.exists() or SCHEMA_PATH.read_text() != text:
            print(f"{SCHEMA_PATH} is out of date: run 'pdfpipe schema'", file=sys.stderr)
            return 1
        print(f"{SCHEMA_PATH} is up to date")
        return 0
    SCHEMA_PATH.write_text(text)
    print(f"wrote {SCHEMA_PATH}")
    return 0


def cmd_profile(args, settings: Settings) -> int:
    from .defs.operations import get_instance
    from .defs.pools import apply_profile, pool_states
    from .profiles import load_profile

    with get_instance(settings) as instance:
        if args.action == "apply":
            profile = load_profile(args.path)
            for pool, limit in apply_profile(instance, profile).items():
                print(f"pool {pool}: {limit} slots")
            print(f"applied {profile.name}; runs at once: {profile.max_concurrent_runs} (dagster.yaml, on restart)")
            return 0
        print(f"{'pool':8} {'limit':>5} {'busy':>5} {'waiting':>7}")
        for st in pool_states(instance):
            print(f"{st.pool:8} {'-' if st.limit is None else st.limit:>5} {st.active:>5} {st.pending:>7}")
    return 0


SHOWN = (  # per-document columns of `pdfpipe eval`, in this order when present
    "text_similarity",
    "word_recall",
    "label_agreement",
    "table_cell_f1",
    "title_exact",
    "authors_exact",
    "abstract_ratio",
    "references_matched",
    "headings_recall",
    "lev_ratio",
    "line_f1",
    "olmocr_pass_rate",
    "icdar_detection_f1",
    "icdar_adjacency_f1",
)


def _fmt(value) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def cmd_eval(args, settings: Settings) -> int:
    from .defs.operations import materialize_through_dagster
    from .evaluation.runner import aggregate, evaluate
    from .stages import Workspace

    data = Settings(Path(args.data).resolve() if args.data else settings.data_dir / "eval")
    os.environ["PDFPIPE_DATA"] = str(data.data_dir)  # its own data dir and instance, not the user's
    os.environ.pop("DAGSTER_HOME", None)
    ws = Workspace(data, args.profile)

    def progress(result) -> None:
        if args.json:
            return
        if result.error:
            print(f"{result.pdf:42} FAILED {result.error}")
            return
        shown = "  ".join(f"{k}={_fmt(result.scores[k])}" for k in SHOWN if k in result.scores)
        print(f"{result.pdf:42} {'ocr ' if result.scanned else ''}{shown}")

    results = evaluate(
        Path(args.corpus), ws, rerun=args.rerun, progress=progress, materialize=materialize_through_dagster
    )
    summary = aggregate(results)
    if args.json:
        print(json.dumps({"documents": [r.__dict__ for r in results], "aggregate": summary}, indent=2, default=str))
        return 0
    print(
        f"\n{summary['documents']} documents with ground truth, {summary['failed']} failed (outputs in {data.data_dir})"
    )
    print("\n| metric | mean |\n| --- | --- |")
    for key, value in summary["means"].items():
        print(f"| {key} | {_fmt(value)} |")
    print("\n| corpus total | value |\n| --- | --- |")
    for key, value in summary["totals"].items():
        print(f"| {key} | {_fmt(value)} |")
    print("\n| target | value | wanted | met |\n| --- | --- | --- | --- |")
    for key, t in summary["targets"].items():
        print(f"| {key} | {_fmt(t['value'])} | {t['op']} {_fmt(t['target'])} | {'yes' if t['met'] else 'no'} |")
    return 0


def cmd_env(args, settings: Settings) -> int:
    from .defs.operations import prepare_dagster_home

    home = prepare_dagster_home(settings, args.profile)
    print(f"export PDFPIPE_DATA={settings.data_dir}\nexport DAGSTER_HOME={home}")
    return 0


def cmd_dev(args, settings: Settings) -> int:
    from .defs.operations import get_instance
    from .defs.pools import apply_profile

    with get_instance(settings, args.profile) as instance:
        apply_profile(instance, args.profile)
    os.environ["PDFPIPE_DATA"] = str(settings.data_dir)
    argv = [sys.executable, "-m", "dagster", "dev", "-m", "pdfpipe_assets.defs", "-h", args.host, "-p", str(args.port)]
    # A shell starts background jobs with SIGINT ignored, and `dagster dev` maps SIGTERM onto
    # SIGINT's handler: both would stay ignored and `kill PID` would do nothing.  With SIGINT
    # back to default, SIGTERM stops the webserver, the daemon and the code server.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.execvp(argv[0], argv)


NO_ENGINES = {"status", "show", "schema", "profile", "env", "export"}  # commands that load no engine


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pdfpipe", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="show Dagster's preview and beta warnings")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("ingest", help="register PDFs (files or folders) and print their keys")
    p.add_argument("paths", nargs="+")
    p.set_defaults(fn=cmd_ingest)
    p = sub.add_parser("run", help="register and materialize every asset for PDFs (default: samples/)")
    p.add_argument("paths", nargs="*")
    p.add_argument("--force", action="store_true", help="redo documents already materialized with the current code")
    p.set_defaults(fn=cmd_run)
    p = sub.add_parser("status", help="documents per stage, runs, pools, stuck runs, failure classes")
    p.add_argument("--json", action="store_true")
    p.add_argument("--failed", action="store_true", help="list every failed document with its class")
    p.add_argument("--stuck-after", type=float, default=900, help="seconds without an event (default 900)")
    p.set_defaults(fn=cmd_status)
    p = sub.add_parser("resume", help="materialize exactly what is missing or failed (all, or KEYs)")
    p.add_argument("keys", nargs="*")
    p.set_defaults(fn=cmd_resume)
    p = sub.add_parser("show", help="one document: summary, stages, engines, failure; --md, --overlay PAGE")
    p.add_argument("key")
    p.add_argument("--md", action="store_true", help="print the document as Markdown")
    p.add_argument("--overlay", type=int, metavar="PAGE", help="write a PNG of PAGE with the blocks drawn on it")
    p.add_argument("--out", help="the overlay's file (default: <key>-p<PAGE>.png here)")
    p.set_defaults(fn=cmd_show)
    add_parsers(sub)  # catalog, search, export
    add_cluster_parsers(sub)  # worker
    p = sub.add_parser("schema", help="write (or --check) the committed JSON Schema")
    p.add_argument("--check", action="store_true")
    p.set_defaults(fn=cmd_schema)
    p = sub.add_parser("profile", help="apply a hardware profile's pool limits to the instance, or show them")
    p.add_argument("action", choices=["apply", "show"])
    p.add_argument("path", nargs="?", help="resources/<name>.yaml (default $PDFPIPE_PROFILE or cpu.yaml)")
    p.set_defaults(fn=cmd_profile)
    p = sub.add_parser("eval", help="score outputs against the ground truth beside each PDF in --corpus")
    p.add_argument("--corpus", required=True, help="folder of PDFs with <stem>.<truth> files beside them")
    p.add_argument("--data", help="data dir with earlier outputs to read (default $PDFPIPE_DATA/eval)")
    p.add_argument("--rerun", action="store_true", help="run the pipeline again even where outputs exist")
    p.add_argument("--json", action="store_true")
    p.set_defaults(fn=cmd_eval)
    p = sub.add_parser("env", help="print the exports that point dagster's own CLI at this data dir")
    p.set_defaults(fn=cmd_env)
    p = sub.add_parser("dev", help="dagster dev (UI + daemon) on this data dir, bound to 127.0.0.1")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=3000)
    p.set_defaults(fn=cmd_dev)
    add_doctor_parser(sub)
    args = parser.parse_args(argv)
    if not args.verbose:  # Dagster's preview/beta notices about features pdfpipe chose on purpose
        warnings.filterwarnings("ignore", message=r".*is currently in (preview|beta)")
    # SIGTERM stops a command as Ctrl-C does: runs in flight are canceled and their slots freed
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    from .engines.threads import cap_threads
    from .profiles import load_profile

    try:
        args.profile = load_profile()  # once, for the whole command
    except ValueError as err:
        print(f"pdfpipe: {err}", file=sys.stderr)
        return 2
    cap_threads(args.profile.threads_per_worker, args.command not in NO_ENGINES)
    settings = Settings.from_env().with_artifact_root(args.profile.artifact_root)
    os.environ["PDFPIPE_DATA"] = str(settings.data_dir)
    try:
        return args.fn(args, settings)
    except KeyboardInterrupt:
        from .budget import kill_workers

        kill_workers()
        print("pdfpipe: interrupted; the run in flight was canceled and its slots freed", file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)  # the canceled run's thread may be inside an engine: do not wait for it


SHORT_READS = {"status", "show", "profile", "env", "search"}  # commands that read a little and end


def entry() -> int:
    """The ``pdfpipe`` command: ``main`` in a process that ends with it (tests call ``main``).

    Importing Dagster leaves about 190,000 objects that Python's cyclic garbage collector
    tracks, and it walks them all: in its full passes during a command, and once more at exit.
    At 500,000 documents that was a third of ``status`` (about 0.3 s of passes and 0.5 s at
    exit, of 2.5 s).
    A short read runs with the collector off; every command skips the pass at exit, where the
    operating system takes the memory back anyway. Long commands (run, resume, worker, dev)
    keep the collector on."""
    command = next((a for a in sys.argv[1:] if not a.startswith("-")), "")
    if command in SHORT_READS:
        gc.disable()
    code = main()
    gc.freeze()  # exit without the final full collection
    return code


if __name__ == "__main__":
    sys.exit(entry())
