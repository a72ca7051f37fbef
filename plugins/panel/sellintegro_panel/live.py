"""Documents handled so far by the runs this panel started (fed by the ``sellintegro_action_applied`` hook).

Import-free on purpose: the hook lives in the plugin module, which every ``sellintegro`` command loads.
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
_active: dict[str, list[Any]] = {}      # scenario name -> runs in progress (objects with ``documents_done``)


def watch(scenario: str, run: Any) -> None:
    with _lock:
        _active.setdefault(scenario, []).append(run)


def unwatch(scenario: str, run: Any) -> None:
    with _lock:
        runs = _active.get(scenario, [])
        if run in runs:
            runs.remove(run)


def action_applied(scenario: str, action: Any) -> None:
    """Count one document handled (attached, skipped or failed); status and field changes are not documents."""
    if not getattr(action, "document_id", ""):
        return
    with _lock:
        for run in _active.get(scenario, []):
            run.documents_done += 1
