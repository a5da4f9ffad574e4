"""``pdfpipe doctor``: can each configured engine run on this machine?"""

from __future__ import annotations

import json


def cmd_doctor(args, settings) -> int:
    from .doctor import diagnose

    reports = diagnose(args.profile)
    if args.json:
        print(
            json.dumps([r.__dict__ | {"ok": r.ok, "checks": [c.__dict__ for c in r.checks]} for r in reports], indent=2)
        )
    else:
        for r in reports:
            print(f"{'ok  ' if r.ok else 'FAIL'} {r.stage:11} {r.kind:22} pool {r.pool:8} isolation {r.isolation}")
            for c in r.checks:
                print(f"       {'ok  ' if c.ok else 'FAIL'} {c.what}: {c.detail}")
    return 0 if all(r.ok for r in reports) else 1


def add_parsers(sub) -> None:
    p = sub.add_parser("doctor", help="can each engine of the profile run here: packages, weights, servers, GPU")
    p.add_argument("--json", action="store_true")
    p.set_defaults(fn=cmd_doctor)
