"""Hook implementations of sellintegro-baselinker.

Imports stay light: httpx and the emulator load only inside factories and commands.
Sections: CLI commands (``sellintegro baselinker ...``); the sink registration goes below them.
"""

from __future__ import annotations

import argparse
from typing import Any

from sellintegro_core.api import CommandSpec, hookimpl

# --- CLI: ``sellintegro baselinker <subcommand>`` -----------------------------------------------------------


def _setup_baselinker(parser: argparse.ArgumentParser) -> None:
    """Add the ``baselinker`` subcommands (``emulator``) to the command's parser."""
    sub = parser.add_subparsers(dest="baselinker_command", metavar="SUBCOMMAND")
    p = sub.add_parser("emulator", help="run a local BaseLinker API emulator (connector.php) for tests and demos")
    from .emulator.cli import setup_parser

    setup_parser(p)
    p.set_defaults(_baselinker_run=_run_emulator)


def _run_emulator(args: argparse.Namespace) -> int:
    from .emulator.cli import run

    return run(args)


def _run_baselinker(args: argparse.Namespace) -> int:
    run = getattr(args, "_baselinker_run", None)
    if run is None:
        print("usage: sellintegro baselinker {emulator} ... (see --help)")
        return 2
    return int(run(args) or 0)


@hookimpl
def sellintegro_register_commands(register: Any) -> None:
    """Register ``sellintegro baselinker emulator ...``."""
    register(CommandSpec(name="baselinker", help="BaseLinker tools (emulator)",
                         setup=_setup_baselinker, run=_run_baselinker, after="demo"))


# --- sink: ``[sink] plugin = "baselinker"`` ---------------------------------------------------------------------


def _make_sink(config: Any, context: Any) -> Any:
    from .sink import make_sink  # httpx is imported only when a sink is built

    return make_sink(config, context)


@hookimpl
def sellintegro_register_sinks(register: Any) -> None:
    """Register the ``baselinker`` sink."""
    from sellintegro_core.api import SinkSpec

    from .config import BaseLinkerConfig

    register(SinkSpec(name="baselinker", config_model=BaseLinkerConfig, factory=_make_sink,
                      description="BaseLinker orders: attaches PDFs to invoices/receipts, sets statuses"))
