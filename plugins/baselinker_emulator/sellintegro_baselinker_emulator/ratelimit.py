"""BaseLinker's request limit: a sliding 60 s window per token, then a timed block (baselinker_api.md §3).

Durations are divided by ``time_scale`` (60 = one emulated minute per real second), so limit tests are fast;
the until-time in the message is real wall-clock time in Europe/Warsaw, so a client that waits until it
is right.
"""

from __future__ import annotations

import math
from collections import deque
from datetime import datetime
from zoneinfo import ZoneInfo

from . import errors
from .errors import ApiError

WARSAW = ZoneInfo("Europe/Warsaw")


def blocked_message(until: float) -> str:
    """``Query limit exceeded, token blocked until YYYY-MM-DD HH:MM:SS`` (Polish local time)."""
    stamp = datetime.fromtimestamp(until, WARSAW).strftime("%Y-%m-%d %H:%M:%S")
    return f"Query limit exceeded, token blocked until {stamp}"


class RateLimiter:
    """Counts calls per token; the first call over ``limit`` in any window blocks the token."""

    def __init__(self, limit: int = 100, *, window_seconds: float = 60.0, block_seconds: float = 600.0,
                 time_scale: float = 1.0, extend_block_on_call: bool = False) -> None:
        if limit < 1:
            raise ValueError("requests_per_minute must be at least 1")
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self.limit = limit
        self.window = window_seconds / time_scale
        self.block = block_seconds / time_scale
        self.extend_block_on_call = extend_block_on_call
        self._calls: dict[str, deque[float]] = {}
        self._blocked: dict[str, float] = {}

    def blocked_until(self, token: str, now: float) -> float | None:
        until = self._blocked.get(token)
        if until is not None and now >= until:
            del self._blocked[token]
            self._calls.pop(token, None)
            return None
        return until

    def block_token(self, token: str, now: float, seconds: float | None = None) -> float:
        """Block ``token`` from ``now`` for ``seconds`` real seconds (default: the scaled block duration).

        The until-time is rounded up to a whole second, as the message shows whole seconds.
        """
        until = float(math.ceil(now + (self.block if seconds is None else seconds)))
        self._blocked[token] = until
        return until

    def check(self, token: str, now: float) -> None:
        """Count one call; raise ``ERROR_BLOCKED_TOKEN`` when blocked or when this call is over the limit."""
        until = self.blocked_until(token, now)
        if until is not None:
            if self.extend_block_on_call:
                until = self.block_token(token, now)
            raise ApiError(errors.BLOCKED_TOKEN, blocked_message(until))
        calls = self._calls.setdefault(token, deque())
        while calls and calls[0] <= now - self.window:
            calls.popleft()
        if len(calls) >= self.limit:
            raise ApiError(errors.BLOCKED_TOKEN, blocked_message(self.block_token(token, now)))
        calls.append(now)

    def calls_in_window(self, token: str, now: float) -> int:
        calls = self._calls.get(token, deque())
        return sum(1 for t in calls if t > now - self.window)
