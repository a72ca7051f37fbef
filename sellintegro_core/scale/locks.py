"""One run of a scenario at a time across all hosts: a PostgreSQL session advisory lock per scenario.

Held by ``sellintegro run`` with a PostgreSQL state and by every worker job. When the holder dies (SIGKILL,
host lost) its connection ends and PostgreSQL releases the lock; procrastinate's ``lock`` (keyed by scenario)
additionally keeps queued runs of one scenario in order.
"""

from __future__ import annotations

from typing import Any

from ..errors import RetriableError
from ..ledger_pg import connect

LOCK_SPACE = 7_262_017       # first key of pg_try_advisory_lock(int, int); the second is hashtext(name)


class AlreadyRunning(RetriableError):
    """A run of this scenario holds its lock somewhere (exit 4)."""


def already_running(name: str) -> str:
    return f"{name}: already running (another run of this scenario holds its lock); this start was skipped"


class PgScenarioLock:
    def __init__(self, url: str, name: str) -> None:
        self.url = url
        self.name = name
        self._conn: Any = None

    def acquire(self) -> bool:
        conn = connect(self.url)
        got = conn.execute("SELECT pg_try_advisory_lock(%s, hashtext(%s))", (LOCK_SPACE, self.name)).fetchone()[0]
        if not got:
            conn.close()
            return False
        self._conn = conn
        return True

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()           # ends the session: the lock goes with it
            finally:
                self._conn = None

    def __enter__(self) -> PgScenarioLock:
        if not self.acquire():
            raise AlreadyRunning(already_running(self.name))
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()
