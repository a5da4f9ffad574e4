"""``pdfpipe worker``: a Celery worker for a cluster profile's queues, with the profile's thread
caps, so that nobody needs Celery's own flags."""

from __future__ import annotations

import sys

from .settings import Settings


def cmd_worker(args, settings: Settings) -> int:
    from .defs.cluster import run_worker
    from .errors import EngineUnavailable

    profile = args.profile
    queues, concurrency = list(args.queue or []), args.concurrency
    try:
        if args.node:
            if profile.cluster is None or args.node not in profile.cluster.nodes:
                known = ", ".join(profile.cluster.nodes) if profile.cluster else "none: no `cluster` block"
                print(f"pdfpipe worker: unknown node {args.node!r}; the profile's nodes: {known}", file=sys.stderr)
                return 2
            slots = profile.cluster.nodes[args.node]
            if len(slots) != 1 and not queues:
                print(f"pdfpipe worker: node {args.node!r} has {len(slots)} queues; start one worker per --queue")
                return 2
            queue = queues[0] if queues else next(iter(slots))
            queues, concurrency = [queue], concurrency or slots[queue]
        if not queues:
            print("pdfpipe worker: name a --queue (or a --node of the profile)", file=sys.stderr)
            return 2
        name = args.name or (f"{queues[0]}" if "@" in queues[0] else None)
        run_worker(profile, queues, concurrency or 1, name)
    except EngineUnavailable as err:
        print(f"pdfpipe worker: {err}", file=sys.stderr)
        return 2
    return 0


def add_parsers(sub) -> None:
    p = sub.add_parser("worker", help="a Celery worker for a cluster profile's queue (steps of that class)")
    p.add_argument("--queue", "-q", action="append", help="queue to serve, e.g. cpu@node-a (repeatable)")
    p.add_argument("--concurrency", "-c", type=int, help="slots: steps at once (default: the node's, else 1)")
    p.add_argument("--node", help="take the queue and slots from the profile's cluster.nodes")
    p.add_argument("--name", help="worker name (default: the queue, or queues@host)")
    p.set_defaults(fn=cmd_worker)
