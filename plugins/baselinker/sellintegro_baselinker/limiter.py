"""Proactive rate limiter and token-block memory for BaseLinker calls (baselinker_api.md §3).

* Never more than ``per_minute`` calls in any ``window`` seconds (sliding), counting calls of earlier runs of
  the same scenario: the timestamps of recent calls live in the scenario's state store, so a restart within a
  minute does not start from zero.
* After ``ERROR_BLOCKED_TOKEN`` the until-time is remembered (also in the state store) and no call is made
  before it: :meth:`CallLimiter.acquire` raises :class:`RateLimitBlocked` instead.

Wall-clock time (``time.time``) is used on purpose: ``SELLINTEGRO_NOW`` fixes the *business* clock for tests
and demos, but a rate limit needs real seconds to pass.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sellintegro_core.api import MemoryState, RateLimitBlocked

WARSAW = ZoneInfo("Europe/Warsaw")
CALLS_KEY = "baselinker.recent_calls"
BLOCK_KEY = "baselinker.blocked_until"
UNPARSABLE_BLOCK = timedelta(minutes=10)
BLOCK_MARGIN = timedelta(seconds=3)
WINDOW_MARGIN = 0.5            # seconds added to a 60 s window for safety
_UNTIL = re.compile(r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})")


def parse_block_until(message: str, now: datetime) -> datetime:
    """The until-time of a ``token blocked until YYYY-MM-DD HH:MM:SS`` message, as an aware UTC datetime.

    The time is Polish local time (Europe/Warsaw, §3). A few seconds of margin are added. When the time is
    missing, unparsable, already past or more than an hour away (a sign the zone guess is wrong), the result is
    ``now + 10 minutes``.
    """
    now = now.astimezone(UTC)
    fallback = now + UNPARSABLE_BLOCK
    found = _UNTIL.findall(message or "")
    if not found:
        return fallback
    try:
        local = datetime.strptime(found[-1], "%Y-%m-%d %H:%M:%S").replace(tzinfo=WARSAW)
    except ValueError:
        return fallback
    until = local.astimezone(UTC) + BLOCK_MARGIN
    if until <= now or until - now > timedelta(hours=1):
        return fallback
    return until


def _parse(until: Any) -> datetime | None:
    if not isinstance(until, str) or not until:
        return None
    try:
        parsed = datetime.fromisoformat(until)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class CallLimiter:
    """Sliding-window limiter with persisted call times and block until-time.

    ``state`` is a ``StateStore`` (``get_state``/``set_state``); None keeps everything in memory.
    ``clock`` returns unix seconds, ``sleep`` waits (both injectable for tests).
    ``shared`` (a :class:`sellintegro_core.budget.Budgets`) with ``budget`` (the token's budget key) makes the
    window and the block shared by every scenario and host using that token; slots are then taken atomically in
    the shared store and ``state`` is not used for them.
    """

    def __init__(self, per_minute: int = 60, state: Any | None = None, *, window: float = 60.0,
                 clock: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep,
                 shared: Any | None = None, budget: str = "") -> None:
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self.per_minute = per_minute
        self.window = window + (WINDOW_MARGIN if window >= 10 else 0.0)
        self.state = state if state is not None else MemoryState()
        self.clock = clock
        self.sleep = sleep
        self.waited = 0.0          # seconds spent waiting for a free slot (for reports/benchmarks)
        self.shared = shared if budget else None
        self.budget = budget
        self._slot: int | None = None
        raw = self.state.get_state(CALLS_KEY)
        self._calls: list[float] = [float(t) for t in raw] if isinstance(raw, list) else []
        self._blocked_until: datetime | None = None
        until = self.shared.blocked_until(budget) if self.shared is not None else self.state.get_state(BLOCK_KEY)
        if isinstance(until, str) and until:
            try:
                parsed = datetime.fromisoformat(until)
                self._blocked_until = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
            except ValueError:
                self._blocked_until = None

    # ------------------------------------------------------------------ blocks
    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    @property
    def blocked_until(self) -> datetime | None:
        """The until-time of a block still in force, else None."""
        if self.shared is not None:
            self._blocked_until = _parse(self.shared.blocked_until(self.budget))
        if self._blocked_until is not None and self.now() >= self._blocked_until:
            self._blocked_until = None
            if self.shared is None:
                self.state.set_state(BLOCK_KEY, "")
        return self._blocked_until

    def block(self, until: datetime) -> None:
        """Remember a block (persisted, so the next run honours it too)."""
        self._blocked_until = until.astimezone(UTC)
        if self.shared is not None:
            self.shared.block(self.budget, self._blocked_until.isoformat())
        else:
            self.state.set_state(BLOCK_KEY, self._blocked_until.isoformat())

    def raise_if_blocked(self) -> None:
        until = self.blocked_until
        if until is not None:
            local = until.astimezone(WARSAW)
            raise RateLimitBlocked(
                f"BaseLinker blocked the API token until {local:%Y-%m-%d %H:%M:%S %Z} (Polish time) for exceeding "
                "100 calls a minute; no call is made before then and the run is deferred", until=until)

    # ------------------------------------------------------------------ slots
    def calls_in_window(self) -> int:
        if self.shared is not None:
            return int(self.shared.count(self.budget, self.window))
        cutoff = self.clock() - self.window
        return sum(1 for t in self._calls if t > cutoff)

    def acquire(self) -> None:
        """Wait for a free slot in the window, then count one call (persisted). Raises when blocked."""
        self.raise_if_blocked()
        if self.shared is not None:
            self._acquire_shared()
            return
        while True:
            now = self.clock()
            cutoff = now - self.window
            self._calls = [t for t in self._calls if t > cutoff]
            if len(self._calls) < self.per_minute:
                break
            wait = self._calls[len(self._calls) - self.per_minute] + self.window - now
            wait = max(wait, 0.01)
            self.waited += wait
            self.sleep(wait)
        self._calls.append(self.clock())
        self._persist()

    def finished(self) -> None:
        """The answer of the last call arrived: count it from now.

        BaseLinker saw the call somewhere between sending and answering; counting it from the answer makes
        the window safe whatever the network delay was.
        """
        if self.shared is not None:
            if self._slot is not None:
                self.shared.finished(self.budget, self._slot)
                self._slot = None
            return
        if self._calls:
            self._calls[-1] = max(self._calls[-1], self.clock())
            self._persist()

    def _acquire_shared(self) -> None:
        shared = self.shared
        if shared is None:
            raise RuntimeError("no shared budget store")
        while True:
            slot, wait = shared.take(self.budget, self.per_minute, self.window)
            if slot is not None:
                self._slot = slot
                return
            self.waited += wait
            self.sleep(wait)
            self.raise_if_blocked()     # another scenario on this token may have been blocked meanwhile

    def _persist(self) -> None:
        self.state.set_state(CALLS_KEY, [round(t, 3) for t in self._calls])
