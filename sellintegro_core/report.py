"""What one run (or plan) did: ``RunReport`` with one ``Row`` per action, and the words shown for actions."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

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
    rows: list[Row] = field(default_factory=list)
    run_id: int | None = None
    timezone: str = ""                  # the scenario's: every time shown is in it, with its zone

    def as_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario, "plan": self.plan_only, "run_id": self.run_id, "timezone": self.timezone,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "window": {"start": self.window_start.isoformat() if self.window_start else None,
                       "end": self.window_end.isoformat() if self.window_end else None},
            "outcome": self.outcome, "exit_code": self.exit_code, "counts": dict(self.counts),
            "api_calls": self.api_calls,
            "deferred_until": self.deferred_until.isoformat() if self.deferred_until else None,
            "message": self.message,
            "rows": [row.__dict__ for row in self.rows],
        }


def describe(action: Action) -> str:
    """The action column of a row: ``attach invoice``, ``status -> Wysłane``, ``skip (code)``."""
    if isinstance(action, AttachDocument):
        return f"attach {action.target}"
    if isinstance(action, SetStatus):
        return f"status -> {action.status}"
    if isinstance(action, SetField):
        return f"field {action.field}"
    return f"skip ({action.code})"
