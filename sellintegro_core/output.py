"""Human output of the CLI: a progress bar while a run works, a summary table at the end, history."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

from .engine import RunReport
from .terminal import console as plain_console
from .terminal import plain, text

CALLS_LABEL = "BaseLinker calls"   # the report's count of the sink's API calls
PHASES = {"read": "reading documents", "orders": "processing orders", "done": "finishing"}
OUTCOME_STYLE = {"done": "green", "already_done": "green", "planned": "cyan", "skipped": "yellow",
                 "failed": "red", "deferred": "magenta"}


def echo(line: str) -> None:
    """One line of ``schedule`` output; values from outside in it are plain text, secrets redacted."""
    from .secrets import redact

    print(plain(redact(line), keep_newlines=True), flush=True)


class Progress:
    """A rich progress bar on stderr (only on a terminal); ``update(phase, done, total)``."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        if self.enabled:
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as RichProgress

            self._progress = RichProgress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                          TimeElapsedColumn(), console=plain_console(stderr=True), transient=True)
            self._progress.__enter__()
            self._task = self._progress.add_task("starting", total=None)
        return self

    def update(self, phase: str, done: int, total: int | None) -> None:
        if self._progress is not None:
            self._progress.update(self._task, description=PHASES.get(phase, phase), completed=done, total=total)

    def __exit__(self, *exc: Any) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)


def outcome_table_rows(report: RunReport) -> list[tuple[str, str, str, str, str, str]]:
    """One row per order and document: (order, document, action, outcome, status change, details).

    Status and field changes are shown on their order's row instead of a row of their own.
    """
    rows: list[list[str]] = []
    first_row: dict[str, list[str]] = {}
    changes: list[Any] = []
    for row in report.rows:
        if row.action.startswith(("status", "field")):
            changes.append(row)
            continue
        message = row.message
        if row.document and message.startswith(row.document + ": "):
            message = message[len(row.document) + 2:]
        cells = [row.order_id or "—", row.document, row.action, row.outcome, "", message]
        rows.append(cells)
        first_row.setdefault(row.order_id, cells)
    for row in changes:
        text = row.action if row.outcome in ("done", "already_done", "planned") else f"{row.action} ({row.outcome})"
        found = first_row.get(row.order_id)
        if found is None:
            cells = [row.order_id or "—", "", "", row.outcome, "", row.message]
            rows.append(cells)
            first_row[row.order_id] = cells
        else:
            cells = found
        cells[4] = f"{cells[4]}; {text}" if cells[4] else text
    rows.sort(key=lambda r: r[0] == "—")  # documents without an order last; otherwise in processing order
    return [tuple(r) for r in rows]  # type: ignore[misc]


def print_report(report: RunReport, *, max_rows: int = 200) -> None:
    """The outcome table and summary. Every value from outside is shown as plain text (see ``terminal``)."""
    from rich.table import Table

    console = plain_console()
    title = f"{'plan' if report.plan_only else 'run'} of {plain(report.scenario)}"
    zone = _zone(report)            # the scenario's: one zone per message
    if report.window_start and report.window_end:
        title += f" — orders placed {_fmt(report.window_start, zone)} … {_fmt(report.window_end, zone)}"
    table = Table(title=text(title))
    for column in ("order", "document", "action", "outcome", "status", "details"):
        table.add_column(column, overflow="fold")
    rows = outcome_table_rows(report)
    for order, document, action, outcome, status, message in rows[:max_rows]:
        table.add_row(text(order), text(document), text(action), text(outcome, OUTCOME_STYLE.get(outcome, "")),
                      text(status.replace("status -> ", "→ ")), text(message))
    if rows:
        console.print(table)
    if len(rows) > max_rows:
        console.print(f"… {len(rows) - max_rows} more rows (use --json for all)")
    if report.rows_hidden:
        console.print(f"… and {report.rows_hidden} more actions not listed here (this summary keeps the first "
                      f"and the failed ones): `sellintegro history SCENARIO` or `run --json` lists every one")
    counts = ", ".join(f"{k} {v}" for k, v in sorted(report.counts.items()) if v) or "nothing to do"
    console.print(f"{report.outcome}: {counts}; {CALLS_LABEL}: {report.api_calls}")
    if report.message:
        console.print(plain(report.message, keep_newlines=True))
    if report.deferred_until:
        console.print(f"deferred until {_fmt(report.deferred_until, zone)}; the next run continues from there")


def print_history(scenario: str, setup_at: datetime | None, runs: list[dict[str, Any]],
                  events: list[dict[str, Any]], *, order: str | None) -> None:
    from rich.table import Table

    console = plain_console()
    console.print(f"scenario {plain(scenario)}: set up {_fmt(setup_at) if setup_at else 'never run'}")
    if runs and order is None:
        table = Table(title="recent runs")
        for column in ("run", "started", "finished", "outcome", "counts", "API calls"):
            table.add_column(column)
        for run in runs:
            counts = ", ".join(f"{k} {v}" for k, v in sorted(run["counts"].items()))
            table.add_row(text(run["id"]), text(run["started_at"]), text(run["finished_at"]),
                          text(run["outcome"] or "(running or crashed)"), text(counts), text(run["api_calls"] or 0))
        console.print(table)
    table = Table(title=f"order {plain(order)}" if order else "events")
    for column in ("when", "order", "document", "action", "outcome", "details"):
        table.add_column(column, overflow="fold")
    for event in events:
        document = event.get("document_number") or event["document_id"]   # older ledgers kept only the id
        table.add_row(text(event["at"]), text(event["order_id"] or "—"), text(document),
                      text(event["type"]), text(event["outcome"], OUTCOME_STYLE.get(event["outcome"], "")),
                      text(event["message"]))
    if events:
        console.print(table)
    else:
        console.print("no events recorded" + (f" for order {plain(order)}" if order else ""))


def _zone(report: RunReport) -> Any:
    from zoneinfo import ZoneInfo

    if report.timezone:
        return ZoneInfo(report.timezone)
    return report.window_start.tzinfo if report.window_start else None


def _fmt(moment: datetime, zone: Any = None) -> str:
    """``2026-11-25 15:01 CET``: always with the zone (in ``zone`` when given)."""
    from .clock import show

    if zone is not None and moment.tzinfo is not None:
        moment = moment.astimezone(zone)
    return show(moment)
