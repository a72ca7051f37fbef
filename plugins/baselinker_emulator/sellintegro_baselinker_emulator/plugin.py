"""Hook implementations of sellintegro-baselinker-emulator: the ``sellintegro baselinker emulator`` command.

The emulator is a separate distribution so that the production wheel of sellintegro-baselinker does not carry
it. Imports stay light: the emulator itself loads only when the command runs.
"""

from __future__ import annotations

import argparse
from typing import Any

from sellintegro_core.api import CommandSpec, hookimpl


def _setup_baselinker(parser: argparse.ArgumentParser) -> None:
    """Add the ``baselinker`` subcommands (``emulator``) to the command's parser."""
    sub = parser.add_subparsers(dest="baselinker_command", metavar="SUBCOMMAND")
    p = sub.add_parser("emulator", help="run a local BaseLinker API emulator (connector.php) for tests and demos")
    from .cli import setup_parser

    setup_parser(p)
    p.set_defaults(_baselinker_run=_run_emulator)


def _run_emulator(args: argparse.Namespace) -> int:
    from .cli import run

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
