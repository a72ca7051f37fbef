"""CLI commands of the scale-out: ``deploy``, ``worker``, ``enqueue``, ``status`` (all take ``--state``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import ConfigError

STATE_HELP = "the shared PostgreSQL state: postgresql://user@host:5432/database"


def _state(args: argparse.Namespace) -> str:
    url = str(args.state)
    if not url.startswith(("postgresql://", "postgres://")):
        raise ConfigError(f"--state: {url!r} is not a PostgreSQL URL; deploy, worker, enqueue and status need the "
                          "shared state, e.g. --state postgresql://sellintegro@db.example:5432/sellintegro",
                          hint="a single host without PostgreSQL keeps using `sellintegro schedule SCENARIO.toml`")
    return url


def setup_deploy(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO.toml", help="scenario files to store")
    p.add_argument("--state", required=True, metavar="URL", help=STATE_HELP)


def run_deploy(args: argparse.Namespace) -> int:
    from ..ledger_pg import PgLedger
    from .deployments import deploy
    from .jobs import ensure_schema

    url = _state(args)
    ensure_schema(url)
    ledger = PgLedger(url)
    try:
        for raw in args.scenarios:
            scenario = deploy(ledger, Path(raw))
            mode = scenario.model.schedule.mode
            how = "scheduled on the workers" if mode == "auto" else "run it with `sellintegro enqueue`"
            print(f"deployed {scenario.name} ({how}; secrets stay environment references)")
    finally:
        ledger.close()
    return 0


def setup_worker(p: argparse.ArgumentParser) -> None:
    p.add_argument("--state", required=True, metavar="URL", help=STATE_HELP)
    p.add_argument("--concurrency", type=int, default=1, metavar="N",
                   help="runs this worker makes at once (default 1)")


def run_worker(args: argparse.Namespace) -> int:
    import logging

    from .jobs import work

    url = _state(args)
    if args.concurrency < 1:
        raise ConfigError(f"--concurrency: {args.concurrency} is less than 1; use 1 or more")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr,
                        force=True)
    for noisy in ("procrastinate", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    print(f"worker started (concurrency {args.concurrency}); stop it with SIGTERM or Ctrl-C", flush=True)
    return work(url, concurrency=args.concurrency)


def setup_enqueue(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", metavar="NAME", help="name of a deployed scenario")
    p.add_argument("--state", required=True, metavar="URL", help=STATE_HELP)


def run_enqueue(args: argparse.Namespace) -> int:
    from .jobs import enqueue

    done = enqueue(_state(args), args.name)
    print(f"{done.name}: queued (job {done.job_id}); a worker runs it next")
    return 0


def setup_status(p: argparse.ArgumentParser) -> None:
    p.add_argument("--state", required=True, metavar="URL", help=STATE_HELP)
    p.add_argument("--json", action="store_true", help="print JSON (for scripts)")


def run_status(args: argparse.Namespace) -> int:
    from .status import gather, render

    data = gather(_state(args))
    if args.json:
        import json

        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print(render(data))
    return 0
