"""What one run (or plan) did: ``RunReport`` with its counts and rows, and the words shown for actions.

A run makes one ``Row`` per action, and a run over a large window makes tens of thousands. The report keeps
the counts and a bounded list of rows for the summary (``rows``: the first ``KEEP_FIRST`` rows, then failed
ones up to ``KEEP_FAILED`` more); once rows are dropped from it, every row also goes to a spool, an unnamed
temporary file (removed by the system when the process ends, however it ends), from which ``all_rows()``
and ``write_json`` stream them. The ledger keeps every action of a run too: ``sellintegro history`` reads it.
"""

from __future__ import annotations

import json
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

from .errors import EXIT_OK
from .models import Action, AttachDocument, SetField, SetStatus


@dataclass
class Row:
    """One line of the run's outcome table."""

    order_id: str
    document: str
    action: str
    outcome: str
    message: str


@dataclass
class RunReport:
    scenario: str
    plan_only: bool
    started_at: datetime
    finished_at: datetime | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    outcome: str = "ok"                 # ok | document_errors | deferred | stopped | failed
    exit_code: int = EXIT_OK
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    api_calls: int = 0
    deferred_until: datetime | None = None
    message: str = ""
    rows: list[Row] = field(default_factory=list)     # bounded: see the module's docstring
    run_id: int | None = None
    timezone: str = ""                  # the scenario's: every time shown is in it, with its zone
    rows_total: int = 0                 # rows the run made (``rows`` may hold fewer)
    _spool: IO[bytes] | None = field(default=None, repr=False, compare=False)

    def add_row(self, row: Row) -> None:
        """Record one action's row: kept for the summary while within bounds, always in ``all_rows()``."""
        self.rows_total += 1
        keep = len(self.rows) < KEEP_FIRST or (row.outcome == "failed" and len(self.rows) < KEEP_FIRST + KEEP_FAILED)
        if self._spool is None and not keep:
            self._spool = tempfile.TemporaryFile(prefix="sellintegro-rows-")   # noqa: SIM115 - lives with the report
            for kept in self.rows:
                self._spool.write(_line(kept))
        if self._spool is not None:
            self._spool.write(_line(row))
        if keep:
            self.rows.append(row)

    @property
    def rows_hidden(self) -> int:
        """Rows of the run not in ``rows`` (``--json`` and ``history`` have them)."""
        return self.rows_total - len(self.rows)

    def all_rows(self) -> Iterator[Row]:
        """Every row of the run in the order it was made, streamed (not all in memory at once)."""
        if self._spool is None:
            yield from list(self.rows)
            return
        spool = self._spool
        spool.flush()
        end = spool.tell()
        spool.seek(0)
        try:
            while spool.tell() < end:
                yield Row(**json.loads(spool.readline()))
        finally:
            spool.seek(0, 2)

    def close(self) -> None:
        """Remove the spool (it also goes when the report is garbage-collected or the process ends)."""
        if self._spool is not None:
            self._spool.close()
            self._spool = None

    def as_dict(self, *, rows: bool = True) -> dict[str, Any]:
        """The report as data; ``rows=False`` leaves the rows out (``write_json`` streams them)."""
        data = {
            "scenario": self.scenario, "plan": self.plan_only, "run_id": self.run_id, "timezone": self.timezone,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "window": {"start": self.window_start.isoformat() if self.window_start else None,
                       "end": self.window_end.isoformat() if self.window_end else None},
            "outcome": self.outcome, "exit_code": self.exit_code, "counts": dict(self.counts),
            "api_calls": self.api_calls,
            "deferred_until": self.deferred_until.isoformat() if self.deferred_until else None,
            "message": self.message,
        }
        if rows:
            data["rows"] = [row.__dict__ for row in self.rows]
        return data


KEEP_FIRST = 500       # rows kept for the summary in the order they were made
KEEP_FAILED = 500      # failed rows kept after those


def _line(row: Row) -> bytes:
    return json.dumps(row.__dict__, ensure_ascii=False).encode("utf-8") + b"\n"


def write_json(report: RunReport, out: IO[str], *, dump: Any, clean: Any) -> None:
    """Write ``report`` as JSON with every row, streaming the rows: the same text as ``dump(clean(data))`` of
    the whole report with ``indent=2`` (``dump``: the JSON writer, ``clean``: e.g. redaction, applied to the
    head and to each row)."""
    head = dump(clean(report.as_dict(rows=False)))
    if not head.endswith("\n}"):
        raise ValueError("write_json needs an indented JSON writer")
    out.write(head[:-2] + ',\n  "rows": [')
    empty = True
    for row in report.all_rows():
        item = dump(clean(row.__dict__))
        out.write(("\n" if empty else ",\n") + "\n".join("    " + line for line in item.split("\n")))
        empty = False
    out.write("]\n}\n" if empty else "\n  ]\n}\n")


def describe(action: Action) -> str:
    """The action column of a row: ``attach invoice``, ``status -> Wysłane``, ``skip (code)``."""
    if isinstance(action, AttachDocument):
        return f"attach {action.target}"
    if isinstance(action, SetStatus):
        return f"status -> {action.status}"
    if isinstance(action, SetField):
        return f"field {action.field}"
    return f"skip ({action.code})"
