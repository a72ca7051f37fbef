"""The ``sellintegro`` command line (argparse; heavy modules are imported inside commands)."""

from __future__ import annotations

import argparse
import json
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

    print(json.dumps(redact_data(data), ensure_ascii=False, indent=2, default=str))


# ---------------------------------------------------------------------------------------------- commands


@_command("plugins")
def cmd_plugins(args: argparse.Namespace) -> int:
    host = _host(args)
    infos = host.plugin_infos()
    if args.json:
        _print_json({"plugins": [info.__dict__ for info in infos],
                     "failed": [f.__dict__ for f in host.failures]})
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title="sellintegro plugins")
    for column in ("name", "version", "hooks", "components"):
        table.add_column(column)
    for info in infos:
        table.add_row(info.name, info.version, "\n".join(info.hooks), "\n".join(info.components))
    console = Console()
    console.print(table)
    for failure in host.failures:
        console.print(f"[red]failed to load[/red] {failure.name}: {failure.error}")
    return 0


@_command("validate")
def cmd_validate(args: argparse.Namespace) -> int:
    from .config import load_scenario

    scenario = load_scenario(args.scenario, host=_host(args))
    if args.json:
        _print_json({"valid": True, "scenario": scenario.name})
    else:
        print(f"{args.scenario}: valid (scenario {scenario.name!r})")
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
        _print_json(report.as_dict())
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

    from .scheduler import schedule_loop
    from .stopping import handling_stops

    with handling_stops() as stop:
        schedule_loop([Path(p) for p in args.scenarios], host=_host(args), stop=stop, max_runs=args.max_runs,
                      echo=lambda line: print(line, flush=True))
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
    ledger = open_ledger(scenario.model.state.url, scenario.base_dir, read_only=True)
    try:
        events = redact_data(ledger.history(scenario.name, args.order))   # also events recorded before
        runs = ledger.runs(scenario.name, limit=args.runs)
        setup = ledger.setup_at(scenario.name)
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


def build_parser(host: Any | None) -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="sellintegro",
        description="Attach Subiekt GT sales documents (faktury, paragony, korekty) as PDFs to BaseLinker orders.")
    parser.add_argument("--version", action="version", version=f"sellintegro {__version__}")
    parser.add_argument("--strict-plugins", action="store_true",
                        help="stop when a plugin fails to load instead of skipping it")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of unexpected errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("demo", help="the whole job on a demo Subiekt database and a local BaseLinker emulator")
    from .demo import add_demo_arguments

    add_demo_arguments(p)

    p = sub.add_parser("plugins", help="list installed plugins, their hooks and components")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser("validate", help="check a scenario file and print every problem")
    p.add_argument("scenario")
    p.add_argument("--json", action="store_true")

    for name, helptext in (("plan", "show what a run would do, without writing anything"),
                           ("run", "run a scenario once now")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("scenario")
        p.add_argument("--json", action="store_true", help="print the report as JSON")
        p.add_argument("--no-progress", action="store_true", help="no progress bar")

    p = sub.add_parser("schedule", help="run scenarios (mode = \"auto\") at their times until stopped")
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO")
    p.add_argument("--max-runs", type=int, default=None, help="stop after this many runs (testing)")

    p = sub.add_parser("check", help="check every connection and setting of a scenario (green/red)")
    p.add_argument("scenario")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("init", help="ask the set-up questions and write a scenario file")
    from .init import add_init_arguments

    add_init_arguments(p)

    p = sub.add_parser("history", help="what happened, per order, from the ledger")
    p.add_argument("scenario")
    p.add_argument("--order", help="only this BaseLinker order id")
    p.add_argument("--runs", type=int, default=10, help="how many recent runs to show")
    p.add_argument("--json", action="store_true")

    if host is not None:
        for name, (spec, _owner) in sorted(host.commands().items()):
            if name in CORE_COMMANDS:
                continue
            p = sub.add_parser(name, help=spec.help)
            spec.setup(p)
            p.set_defaults(_plugin_run=spec.run)
    return parser


STOPPABLE = frozenset({"run", "plan", "schedule", "demo"})


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    if command in STOPPABLE:
        from .stopping import handling_stops

        # from the very start: a SIGTERM while plugins load still ends the command cleanly (exit 4 / 0)
        with handling_stops():
            return _main(argv)
    return _main(argv)


def _main(argv: list[str]) -> int:
    strict = "--strict-plugins" in argv
    debug = "--debug" in argv
    try:
        from .plugins import get_host, report_failures

        host = get_host(strict=strict)
        if argv[:1] != ["plugins"]:
            report_failures(host)
        parser = build_parser(host)
        args = parser.parse_args(argv)
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

        print(f"error: unexpected {type(exc).__name__}: {redact(str(exc))} (run with --debug for details)",
              file=sys.stderr)
        return 1


def _print_error(exc: SellintegroError) -> None:
    from .errors import ConfigError

    if isinstance(exc, ConfigError) and exc.errors:
        print(f"error: {exc.message}", file=sys.stderr)
        for path, message in exc.errors:
            if not path and message == exc.message:
                continue  # already the headline
            print(f"  {path}: {message}" if path else f"  {message}", file=sys.stderr)
    else:
        print(f"error: {exc.message}", file=sys.stderr)
    if exc.exit_code == EXIT_CONFIG:
        print("fix the scenario and check it with `sellintegro validate SCENARIO`", file=sys.stderr)
    elif exc.exit_code == EXIT_CONNECTION:
        print("check the connection settings and credentials, then `sellintegro check SCENARIO`", file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
