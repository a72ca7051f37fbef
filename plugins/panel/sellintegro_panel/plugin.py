"""Hook implementation: registers ``sellintegro panel``. Imports stay light (the server loads inside ``run``)."""

from __future__ import annotations

import argparse
from typing import Any

from sellintegro_core.api import CommandSpec, hookimpl

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def setup(parser: argparse.ArgumentParser) -> None:
    """``sellintegro panel [SCENARIO ... | --scenarios DIR] [--host 127.0.0.1] [--port 8765]``."""
    parser.add_argument("scenario_files", nargs="*", metavar="SCENARIO", help="scenario files (TOML)")
    parser.add_argument("--scenarios", metavar="DIR", help="a folder: every *.toml in it is a scenario")
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help="address to listen on (default 127.0.0.1; any other address needs "
                             "SELLINTEGRO_PANEL_PASSWORD)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default 8765; 0 = any free port)")


def run(args: argparse.Namespace) -> int:
    from .command import serve

    return serve(args)


@hookimpl
def sellintegro_register_commands(register: Any) -> None:
    """Register ``sellintegro panel``."""
    register(CommandSpec(name="panel", help="serve the web panel (scenarios, run now, orders, settings, health)",
                         setup=setup, run=run))


@hookimpl
def sellintegro_action_applied(scenario: str, action: Any, result: Any) -> None:
    """Live progress of the panel's runs: one more document handled."""
    from .live import action_applied

    action_applied(scenario, action)
