"""``sellintegro demo``: the whole job on embedded defaults.

The plugins bring the parts (hook ``sellintegro_demo_parts``, see :mod:`sellintegro_core.demo_parts`): the
source part makes a demo database, the sink part starts a local stand-in of its system seeded with the matching
orders, the rule part adds its settings. The core writes the scenario from their sections, runs it once,
prints the per-order outcome and has the sink part save every attached file into the demo folder.

Running it again reuses the folder (database, sink state, ledger): nothing new is attached and no write is
made, which is the point of the ledger.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from pathlib import Path
from typing import Any

from .demo_parts import DemoContext, DemoPiece, ServerProcess, demo_parts
from .terminal import plain

__all__ = ["ServerProcess", "add_demo_arguments", "counts_explained", "own_run_commands", "run_demo",
           "scenario_text"]


def add_demo_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dir", default="sellintegro-demo", help="folder for the database, PDFs and state")
    p.add_argument("--documents", type=int, default=60, help="how many sales documents to generate")
    p.add_argument("--seed", type=int, default=1, help="random seed of the demo data")
    p.add_argument("--keep-running", action="store_true",
                   help="leave the emulator and the scheduler running (Ctrl-C to stop)")
    p.add_argument("--fresh", action="store_true", help="start over: delete the demo folder first")


def scenario_text(pieces: list[DemoPiece], *, name: str = "demo") -> str:
    """The demo's scenario: the core's settings, then each part's section."""
    exports = ", ".join(f"`export {variable}=...`" for variable in sorted({v for p in pieces for v in p.env}))
    head = f'''# The demo scenario written by `sellintegro demo`. What it runs on lives only while the demo does:
# start `sellintegro demo --keep-running`, which prints the exact commands to run this file yourself
# ({exports + ", then " if exports else ""}`sellintegro run` on this file).
name = {json.dumps(name)}
timezone = "Europe/Warsaw"

[window]
days_back = 14
before_setup = "include"      # the demo orders were placed before this scenario existed
before_setup_days = 7

[schedule]
mode = "auto"
every_minutes = 5
hours = "1:00-23:00"
'''
    return head + "".join("\n" + piece.section.strip("\n") + "\n" for piece in pieces if piece.section)


def run_demo(args: argparse.Namespace, *, host: Any) -> int:
    import shutil

    from .stopping import handling_stops

    parts = demo_parts(host)
    folder = Path(args.dir).expanduser().resolve()
    if args.fresh and folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    context = DemoContext(folder=folder, documents=args.documents, seed=args.seed)
    pieces: list[DemoPiece] = []
    with handling_stops() as stop:
        try:
            for part in parts:
                piece = part.start(context)
                pieces.append(piece)
                os.environ.update(piece.env)
                if piece.started:
                    print(piece.started, flush=True)
            return _demo_runs(args, host, context, pieces, stop)
        finally:
            for piece in reversed(pieces):
                if piece.stop is not None:
                    piece.stop()


def _demo_runs(args: argparse.Namespace, host: Any, context: DemoContext, pieces: list[DemoPiece],
               stop: Any) -> int:
    from .config import load_scenario
    from .output import Progress, print_report
    from .scheduler import locked_run, schedule_loop

    folder = context.folder
    sink = next(piece for piece in pieces if piece.save_files is not None or piece.writes is not None)
    scenario_file = folder / "demo.toml"
    scenario_file.write_text(scenario_text(pieces), encoding="utf-8")
    scenario = load_scenario(scenario_file, host=host)
    writes_before = sink.writes() if sink.writes else 0
    with Progress() as progress:
        report = locked_run(scenario, host=host, progress=progress.update, stop=stop)
    print_report(report)
    if report.outcome == "stopped":
        return report.exit_code
    writes = (sink.writes() if sink.writes else 0) - writes_before
    attached = [r for r in report.all_rows() if r.action.startswith("attach")
                and r.outcome in ("done", "already_done")]
    failed = [r for r in report.rows if r.outcome == "failed"]       # the summary keeps failed rows
    saved = sink.save_files(folder / "pdf") if sink.save_files else {}
    held_back = frozenset().union(*(piece.held_back_codes for piece in pieces))
    explained = _explained_skips(scenario, held_back)
    missing = [e["document_number"] for e in context.shared.get("expected", [])
               if e["document_number"] not in saved and e["document_id"] not in explained]
    print(f"\n{len(saved)} PDFs saved in {folder / 'pdf'} (this run attached {len(attached)})")
    print(counts_explained(report, writes, sink.writes_explained, sink.reads_explained))
    if saved:
        first = sorted(saved.values())[0]
        opener = "xdg-open" if sys.platform.startswith("linux") else ("open" if sys.platform == "darwin"
                                                                     else "start")
        print(f"open one: {opener} {shlex.quote(str(first))}")
    print(f"scenario: {scenario_file} — try `sellintegro history {shlex.quote(str(scenario_file))}`")
    if not args.keep_running:
        print("to run the scenario yourself, start `sellintegro demo --keep-running`: it keeps the emulator "
              "up and prints the commands")
    problems = []
    if failed:
        problems.append(f"{report.counts.get('failed', 0)} document(s) failed: "
                        + "; ".join(f"{r.document}: {r.message}" for r in failed[:5]))
    if missing:
        problems.append(f"expected PDFs missing in {scenario.plugin_name('sink')}: {', '.join(missing[:10])}")
    if report.exit_code not in (0, 1):
        problems.append(f"run ended {report.outcome}: {report.message}")
    if problems:
        print(plain("demo FAILED: " + " | ".join(problems)), file=sys.stderr)
        return 1
    print("demo OK: every document that can be sent was attached exactly once")
    if args.keep_running:
        print(f"emulator and scheduler keep running ({sink.started}); Ctrl-C to stop")
        env = {k: v for piece in pieces for k, v in piece.env.items()}
        print(own_run_commands(scenario_file, env), flush=True)
        from .output import echo

        schedule_loop([scenario_file], host=host, stop=stop, echo=echo)
    return 0


def counts_explained(report: Any, writes: int, writes_explained: str = "", reads_explained: str = "") -> str:
    """What the two counts of a demo run mean: the run's "done N" and "... calls: N" above, next to the
    demo's own "attached N" and the write calls the sink part counted."""
    from .output import CALLS_LABEL

    done = report.counts.get("done", 0)
    attached = sum(1 for r in report.all_rows() if r.action.startswith("attach") and r.outcome == "done")
    reads = max(report.api_calls - writes, 0)
    what = f" ({writes_explained})" if writes_explained else ""
    read = f" ({reads_explained})" if reads_explained else ""
    return (f'"done {done}" above counts every action the run completed: {attached} documents attached and '
            f"{done - attached} order updates (status changes, fields).\n"
            f'"{CALLS_LABEL}: {report.api_calls}" counts every call: {writes} writes{what} and '
            f"{reads} reads{read}.")


def own_run_commands(scenario: Path, env: dict[str, str]) -> str:
    """The exact commands to run the demo scenario from another terminal while the demo keeps running."""
    return "\n".join([
        "run the scenario yourself from another terminal while this one keeps running:",
        *(f"  export {name}={shlex.quote(value)}" for name, value in sorted(env.items())),
        f"  sellintegro run {shlex.quote(str(scenario))}",
        f"  sellintegro history {shlex.quote(str(scenario))}",
    ])


def _explained_skips(scenario: Any, codes: frozenset[str]) -> set[str]:
    """Document ids the ledger shows as deliberately held back (codes the rule part named)."""
    from .ledger import open_ledger

    ledger = open_ledger(scenario.model.state.url, scenario.base_dir, read_only=True)
    try:
        events = ledger.history(scenario.name)
    finally:
        ledger.close()
    return {e["document_id"] for e in events if e["code"] in codes}
