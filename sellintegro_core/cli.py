"""The ``sellintegro`` command line (argparse; heavy modules are imported inside commands)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from .errors import EXIT_CONFIG, EXIT_CONNECTION, SellintegroError, Stopped

CORE_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def _command(name: str) -> Callable[[Callable[[argparse.Namespace], int]], Callable[[argparse.Namespace], int]]:
    def wrap(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
        CORE_COMMANDS[name] = func
        return func
    return wrap


def _host(args: argparse.Namespace) -> Any:
    from .plugins import get_host

    return get_host(strict=getattr(args, "strict_plugins", False))


def _print_json(data: Any) -> None:
    from .secrets import redact_data
    from .terminal import json_text

    print(json_text(redact_data(data)))


def _print_report_json(report: Any) -> None:
    """The run report as JSON with every row, streamed from the report's spool (not one big string)."""
    from .report import write_json
    from .secrets import redact_data
    from .terminal import json_text

    try:
        write_json(report, sys.stdout, dump=json_text, clean=redact_data)
    finally:
        report.close()


# ---------------------------------------------------------------------------------------------- commands


@_command("plugins")
def cmd_plugins(args: argparse.Namespace) -> int:
    host = _host(args)
    infos = host.plugin_infos()
    if args.json:
        _print_json({"plugins": [info.__dict__ for info in infos],
                     "failed": [f.__dict__ for f in host.failures]})
        return 0
    from rich.table import Table

    from .terminal import console as plain_console
    from .terminal import plain, text

    table = Table(title="sellintegro plugins")
    for column in ("name", "version", "hooks", "components"):
        table.add_column(column)
    for info in infos:
        table.add_row(text(info.name), text(info.version), plain("\n".join(info.hooks), keep_newlines=True),
                      plain("\n".join(info.components), keep_newlines=True))
    console = plain_console()
    console.print(table)
    for failure in host.failures:
        console.print(text("failed to load", "red"), plain(f"{failure.name}: {failure.error}"))
    return 0


@_command("validate")
def cmd_validate(args: argparse.Namespace) -> int:
    from .config import load_scenario

    scenario = load_scenario(args.scenario, host=_host(args))
    if args.json:
        _print_json({"valid": True, "scenario": scenario.name})
    else:
        from .terminal import plain

        print(plain(f"{args.scenario}: valid (scenario {scenario.name!r})"))
    return 0


def _run_or_plan(args: argparse.Namespace, *, plan_only: bool) -> int:
    from .config import load_scenario
    from .output import Progress, print_report
    from .scheduler import locked_run
    from .stopping import handling_stops

    host = _host(args)
    with handling_stops() as stop:
        scenario = load_scenario(args.scenario, host=host)
        with Progress(enabled=not args.json and not getattr(args, "no_progress", False)) as progress:
            report = locked_run(scenario, plan_only=plan_only, host=host, progress=progress.update, stop=stop)
    if args.json:
        _print_report_json(report)
        if report.outcome == "stopped":
            print(report.message, file=sys.stderr)
    else:
        print_report(report)
    return report.exit_code


@_command("plan")
def cmd_plan(args: argparse.Namespace) -> int:
    return _run_or_plan(args, plan_only=True)


@_command("run")
def cmd_run(args: argparse.Namespace) -> int:
    return _run_or_plan(args, plan_only=False)


@_command("schedule")
def cmd_schedule(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .output import echo
    from .scheduler import schedule_loop
    from .stopping import handling_stops

    with handling_stops() as stop:
        schedule_loop([Path(p) for p in args.scenarios], host=_host(args), stop=stop, max_runs=args.max_runs,
                      echo=echo)
    return 0


@_command("check")
def cmd_check(args: argparse.Namespace) -> int:
    from .check import print_checks, run_checks

    items = run_checks(args.scenario, host=_host(args))
    if args.json:
        _print_json([item.__dict__ for item in items])
    else:
        print_checks(items)
    return 0 if all(item.ok for item in items) else 1


@_command("init")
def cmd_init(args: argparse.Namespace) -> int:
    from .init import run_init

    return run_init(args, host=_host(args))


@_command("demo")
def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(args, host=_host(args))


@_command("history")
def cmd_history(args: argparse.Namespace) -> int:
    from .config import load_scenario
    from .ledger import open_ledger
    from .output import print_history
    from .secrets import redact_data

    scenario = load_scenario(args.scenario, host=_host(args), validate_components=False)
    ledger = open_ledger(scenario.model.state.url, scenario.base_dir, read_only=True).scenario(scenario.name)
    try:
        events = redact_data(ledger.history(args.order))   # also events recorded before
        runs = ledger.runs(limit=args.runs)
        setup = ledger.setup_at()
    finally:
        ledger.close()
    if args.json:
        _print_json({"scenario": scenario.name, "setup_at": setup, "runs": runs, "events": events})
    else:
        from .clock import show_iso

        tz = scenario.timezone          # every time shown in the scenario's zone, with the zone
        runs = [dict(r, started_at=show_iso(r["started_at"], tz) or None,
                     finished_at=show_iso(r["finished_at"], tz) or None) for r in runs]
        events = [dict(e, at=show_iso(e["at"], tz)) for e in events]
        if setup is not None:
            from zoneinfo import ZoneInfo

            setup = setup.astimezone(ZoneInfo(tz))
        print_history(scenario.name, setup, runs, events, order=args.order)
    return 0


# ---------------------------------------------------------------------------------------------- parser


SCENARIO_HELP = "the scenario file (TOML), e.g. main-shop.toml"
JSON_HELP = "print JSON instead of a table (for scripts)"


def _scenario_command(p: argparse.ArgumentParser, host: Any = None, *, json_help: str = JSON_HELP) -> None:
    p.add_argument("scenario", help=SCENARIO_HELP)
    p.add_argument("--json", action="store_true", help=json_help)


def _setup_demo(p: argparse.ArgumentParser, host: Any = None) -> None:
    from .demo import add_demo_arguments

    add_demo_arguments(p)


def _setup_init(p: argparse.ArgumentParser, host: Any = None) -> None:
    from .init import add_init_arguments

    add_init_arguments(p, host)


def _setup_run(p: argparse.ArgumentParser, host: Any = None) -> None:
    _scenario_command(p, json_help="print the report as JSON instead of the table (for scripts)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (e.g. in logs)")


def _setup_schedule(p: argparse.ArgumentParser, host: Any = None) -> None:
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO",
                   help="one or more scenario files (TOML); each runs by its own [schedule]")
    p.add_argument("--max-runs", type=int, default=None, metavar="N", help="stop after N runs in all (testing)")


def _setup_history(p: argparse.ArgumentParser, host: Any = None) -> None:
    _scenario_command(p)
    p.add_argument("--order", metavar="ORDER_ID", help="only this BaseLinker order id (digits, e.g. 7111001)")
    p.add_argument("--runs", type=int, default=10, metavar="N", help="how many recent runs to list (default 10)")


def _setup_plugins(p: argparse.ArgumentParser, host: Any = None) -> None:
    p.add_argument("--json", action="store_true", help=JSON_HELP)


# The core's commands in the order a user meets them; plugin commands go after the one they name in
# ``CommandSpec.after`` (default: after "history"); `plugins` closes the list.
WORKFLOW: list[tuple[str, str, Callable[[argparse.ArgumentParser, Any], None]]] = [
    ("demo", "the whole job on a demo Subiekt database and a local BaseLinker emulator", _setup_demo),
    ("init", "ask the set-up questions and write a scenario file", _setup_init),
    ("validate", "check a scenario file and print every problem (exit code 2 when there is one)",
     _scenario_command),
    ("check", "check every connection and setting of a scenario, one green or red line each; exit code 0 when "
              "all are green, 1 when any is red (an invalid file included)", _scenario_command),
    ("plan", "show what a run would do, without writing anything", _setup_run),
    ("run", "run a scenario once now", _setup_run),
    ("schedule", 'run scenarios (mode = "auto") every N minutes inside their hours and weekdays until stopped',
     _setup_schedule),
    ("history", "what happened, per order, from the ledger", _setup_history),
    ("plugins", "list installed plugins, their hooks and components", _setup_plugins),
]


def _describe_subcommands(parser: argparse.ArgumentParser) -> None:
    """Give every subcommand (plugins' nested ones too) a description line: its one-line help."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, sub in action.choices.items():
                if not sub.description and helps.get(name):
                    sub.description = str(helps[name])
                _describe_subcommands(sub)


def build_parser(host: Any | None, *, only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with ``only``, the arguments of that command alone are set up (the others are
    listed with their help line, which is all ``--help`` shows of them): ``demo`` and ``init`` import
    modules of their own to set up their arguments, which other commands need not pay for at start-up."""
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="sellintegro",
        description="Attach Subiekt GT sales documents (faktury, paragony, korekty) as PDFs to BaseLinker orders. "
                    "Commands are listed in the order of a set-up: try the demo, write a scenario, check it, "
                    "look at the plan, run, schedule.",
        epilog="Exit codes: 0 ok, 1 some documents failed, 2 configuration, 3 connection or credentials, "
               "4 deferred or stopped.")
    parser.add_argument("--version", action="version", version=f"sellintegro {__version__}")
    parser.add_argument("--strict-plugins", action="store_true",
                        help="stop when a plugin fails to load instead of skipping it")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of unexpected errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    plugin_commands: dict[str, list[Any]] = {}
    if host is not None:
        for name, (spec, _owner) in sorted(host.commands().items()):
            if name not in CORE_COMMANDS:
                after = getattr(spec, "after", "") or "history"
                plugin_commands.setdefault(after if after in CORE_COMMANDS else "history", []).append(spec)
    for name, helptext, setup in WORKFLOW:
        p = sub.add_parser(name, help=helptext, description=helptext)
        if only is None or only == name:
            setup(p, host)
        for spec in plugin_commands.get(name, []):
            p = sub.add_parser(spec.name, help=spec.help, description=spec.help)
            if only is None or only == spec.name:
                spec.setup(p)
            p.set_defaults(_plugin_run=spec.run)
    _describe_subcommands(parser)
    return parser


STOPPABLE = frozenset({"run", "plan", "schedule", "demo"})


def main(argv: Sequence[str] | None = None) -> int:
    from .collection import starting

    process_ends = argv is None   # the console script: the interpreter exits when this returns
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    with starting(command, process_ends=process_ends):
        if command in STOPPABLE:
            from .stopping import handling_stops

            # from the very start: a SIGTERM while plugins load still ends the command cleanly (exit 4 / 0)
            with handling_stops():
                return _piped(argv)
        return _piped(argv)


def _piped(argv: list[str]) -> int:
    strict = "--strict-plugins" in argv
    debug = "--debug" in argv
    from .terminal import pipe_safe_streams

    with pipe_safe_streams():  # `sellintegro plan --json | head`: the reader may go away; that is fine
        return _main(argv, strict=strict, debug=debug)


def _main(argv: list[str], *, strict: bool, debug: bool) -> int:
    try:
        from .collection import command_starts
        from .plugins import get_host, report_failures

        host = get_host(strict=strict)
        if argv[:1] != ["plugins"]:
            report_failures(host)
        command = next((a for a in argv if not a.startswith("-")), None)
        parser = build_parser(host, only=command or "")   # no command: only the list of commands is shown
        args = parser.parse_args(argv)
        command_starts(args.command)
        if args.command is None:
            parser.print_help()
            return 0
        plugin_run = getattr(args, "_plugin_run", None)
        if plugin_run is not None:
            return int(plugin_run(args) or 0)
        return CORE_COMMANDS[args.command](args)
    except Stopped as exc:  # `schedule` stopped in the middle of a run
        print(exc.message, file=sys.stderr)
        return exc.exit_code
    except SellintegroError as exc:
        _print_error(exc)
        if debug:
            raise
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - last resort: a clear line instead of a traceback
        if debug:
            raise
        from .secrets import redact
        from .terminal import plain

        print(f"error: unexpected {type(exc).__name__}: {plain(redact(str(exc)), keep_newlines=True)} (run with "
              "--debug for details)", file=sys.stderr)
        return 1


def _print_error(exc: SellintegroError) -> None:
    from .errors import ConfigError
    from .terminal import plain

    if isinstance(exc, ConfigError) and exc.errors:
        print(f"error: {plain(exc.message, keep_newlines=True)}", file=sys.stderr)
        for path, message in exc.errors:
            if not path and message == exc.message:
                continue  # already the headline
            line = f"  {path}: {message}" if path else f"  {message}"
            print(plain(line, keep_newlines=True), file=sys.stderr)
    else:
        print(f"error: {plain(exc.message, keep_newlines=True)}", file=sys.stderr)
    hint = getattr(exc, "hint", None)
    if hint:
        print(plain(hint, keep_newlines=True), file=sys.stderr)
    elif exc.exit_code == EXIT_CONFIG:
        print("fix the scenario and check it with `sellintegro validate SCENARIO`", file=sys.stderr)
    elif exc.exit_code == EXIT_CONNECTION:
        print("check the connection settings and credentials, then `sellintegro check SCENARIO`", file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
