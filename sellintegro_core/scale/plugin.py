"""Registers the scale-out commands (built into the core; they need ``sellintegro[postgresql]`` when run)."""

from __future__ import annotations

from typing import Any

from .. import hookimpl
from ..components import CommandSpec
from . import commands


@hookimpl
def sellintegro_register_commands(register: Any) -> None:
    register(CommandSpec(name="deploy", help="store scenarios in the shared PostgreSQL state for the workers",
                         setup=commands.setup_deploy, run=commands.run_deploy, after="schedule"))
    register(CommandSpec(name="worker", help="run the scenarios deployed in PostgreSQL (one per host or more)",
                         setup=commands.setup_worker, run=commands.run_worker, after="schedule"))
    register(CommandSpec(name="enqueue", help="queue a run of a deployed scenario on the workers now",
                         setup=commands.setup_enqueue, run=commands.run_enqueue, after="schedule"))
    register(CommandSpec(name="status", help="workers, queued and running runs, each scenario's last outcome",
                         setup=commands.setup_status, run=commands.run_status, after="schedule"))
