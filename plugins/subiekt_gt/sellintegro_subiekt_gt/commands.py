"""``sellintegro subiekt ...``: ``detect SCENARIO`` and ``demo-db PATH``. Argument set-up stays import-light."""

from __future__ import annotations

import sys
from typing import Any


def setup(parser: Any) -> None:
    """Add the ``detect`` and ``demo-db`` sub-commands to the ``subiekt`` parser."""
    sub = parser.add_subparsers(dest="subiekt_command", metavar="{detect,demo-db}")
    sub.required = True
    p = sub.add_parser("detect", help="sample recent ZK/FS/PA documents and suggest a [source.match] block")
    p.add_argument("scenario", help="scenario file (TOML) whose [source] points at the Subiekt database")
    p.add_argument("--sample", type=int, default=500, help="how many recent documents of each kind to read")
    p = sub.add_parser("demo-db", help="write a SQLite demo database with Subiekt GT's tables and an orders seed")
    p.add_argument("path", help="database file to write (replaced); the seed goes to PATH.orders.json")
    p.add_argument("--documents", type=int, default=60, help="number of sales documents (default 60)")
    p.add_argument("--seed", type=int, default=1, help="random seed (same seed and clock, same data)")
    p.add_argument("--days", type=float, default=10.0,
                   help="spread the orders over the last N days (default 10)")


def run(args: Any) -> int:
    """Run the chosen sub-command; returns the exit code."""
    if args.subiekt_command == "demo-db":
        from .demo_db import generate

        summary = generate(args.path, documents=args.documents, seed=args.seed, days=args.days)
        print(summary.as_text())
        return 0
    if args.subiekt_command == "detect":
        from .detect import run_detect

        return run_detect(args.scenario, sample=args.sample, out=sys.stdout)
    raise SystemExit(f"unknown subiekt command {args.subiekt_command!r}")
