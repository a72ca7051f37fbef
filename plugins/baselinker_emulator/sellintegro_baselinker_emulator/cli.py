"""``sellintegro baselinker emulator``: run the emulator on a real socket until SIGTERM / Ctrl-C."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path

DEFAULT_TOKEN = "1-23-ABC"


def setup_parser(parser: argparse.ArgumentParser) -> None:
    """Add the emulator's options (the CLI contract; keep names stable)."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default 0 = a free port, printed at start)")
    parser.add_argument("--token", default=DEFAULT_TOKEN,
                        help=f"the API token the emulator accepts in X-BLToken (default {DEFAULT_TOKEN})")
    parser.add_argument("--seed", metavar="FILE.json", help="seed file: statuses, series, extra fields, orders")
    parser.add_argument("--state", metavar="FILE.json",
                        help="persist the whole account here (loaded at start if it exists, saved after each write)")
    parser.add_argument("--requests-per-minute", type=int, default=100, metavar="N",
                        help="rate limit per token in any 60 s window (default 100, as BaseLinker)")
    parser.add_argument("--block-minutes", type=float, default=10.0, metavar="M",
                        help="how long a token stays blocked after going over the limit (default 10)")
    parser.add_argument("--time-scale", type=float, default=1.0, metavar="X",
                        help="emulated seconds per real second for the rate window and blocks "
                             "(60 = one emulated minute per real second; default 1)")
    parser.add_argument("--log", metavar="FILE.jsonl",
                        help="append one JSON line per call (method, parameters, status)")
    parser.add_argument("--faults", metavar="SPEC",
                        help='inject faults, e.g. "5xx=0.05,timeout=0.02,drop=0.02,malformed=0.01,block=0.005;'
                             'methods=addInvoice,getOrders;seed=7" (see docs/baselinker-emulator.md)')
    parser.add_argument("--journal-off", action="store_true",
                        help="behave like an account whose journal (getJournalList) is not activated")


def run(args: argparse.Namespace) -> int:
    """Start the server, print its URL, serve until SIGTERM/SIGINT; persist ``--state`` on exit."""
    from sellintegro_core.api import ConfigError

    from .app import Emulator
    from .faults import FaultSpec
    from .server import EmulatorServer
    from .store import SeedError

    seed = None
    if args.seed:
        path = Path(args.seed)
        try:
            seed = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"seed file not found: {path}") from exc
        except json.JSONDecodeError as exc:
            raise ConfigError(f"seed file {path} is not valid JSON: {exc}") from exc
    try:
        faults = FaultSpec.parse(args.faults) if args.faults else None
        emu = Emulator(token=args.token, seed=seed, state_path=args.state,
                       requests_per_minute=args.requests_per_minute, time_scale=args.time_scale,
                       block_seconds=args.block_minutes * 60, log_path=args.log, faults=faults,
                       journal_enabled=not args.journal_off)
    except (SeedError, ValueError) as exc:
        raise ConfigError(f"emulator: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"emulator: {exc}") from exc

    stop = threading.Event()

    def _on_signal(signum: int, frame: object) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        try:
            server = EmulatorServer(emu, host=args.host, port=args.port)
        except OSError as exc:
            raise ConfigError(f"emulator: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from exc
        try:
            print(f"BaseLinker emulator listening on {server.url}", flush=True)
            print(f"token: {args.token}  (send it in the X-BLToken header)", flush=True)
            while not stop.wait(0.5):
                pass
            print("stopping", file=sys.stderr, flush=True)
        finally:
            server.stop()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        emu.save_state()
    return 0
