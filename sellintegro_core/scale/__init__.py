"""Scale-out on PostgreSQL + procrastinate: deployed scenarios, workers on many hosts, one budget per token.

Public entry points (for the CLI and for other front ends such as the web panel):

* :func:`enqueue_run` — queue a run of a deployed scenario on the workers now (what ``sellintegro enqueue``
  and the panel's *Run now* do when the state is PostgreSQL);
* :func:`is_distributed` — whether a ``[state] url`` names a PostgreSQL state.

The heavy modules (procrastinate, psycopg) are imported only when these are called. Needs
``pip install 'sellintegro[postgresql]'``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["enqueue_run", "is_distributed"]


def is_distributed(state_url: str) -> bool:
    """True when ``state_url`` is a PostgreSQL URL (runs go through the workers)."""
    return state_url.startswith(("postgresql://", "postgres://"))


def enqueue_run(state_url: str, name: str) -> Any:
    """Queue a run of the deployed scenario ``name`` now. Returns an :class:`~.jobs.Enqueued` (``job_id``).

    Raises :class:`~sellintegro_core.errors.RetriableError` (exit 4, "already running") when a run of that
    scenario is queued or running, :class:`~sellintegro_core.errors.ConfigError` when it is not deployed.
    """
    from .jobs import enqueue

    return enqueue(state_url, name)
