"""The run's window: which orders (by BaseLinker date_add) a run looks at."""

from __future__ import annotations

from datetime import datetime, timedelta

from .clock import DEFAULT_TZ
from .config import WindowConfig
from .models import Window
from .vocabulary import DAYS_BACK


def compute_window(config: WindowConfig, *, now: datetime, setup_at: datetime, timezone: str) -> Window:
    """Orders placed at most ``days_back`` days ago, and not before set-up (``skip``) or not more than
    ``before_setup_days`` before set-up (``include``) — as Sellintegro's plugin counts them."""
    start = now - timedelta(days=config.days_back)
    if config.before_setup == "skip":
        floor = setup_at
    else:
        floor = setup_at - timedelta(days=config.before_setup_days)
    return Window(start=max(start, floor), end=now, timezone=timezone, setup_at=setup_at)


def recent_window(now: datetime, *, days: int = DAYS_BACK, setup_at: datetime | None = None,
                  timezone: str = DEFAULT_TZ) -> Window:
    """The default window ending at ``now``: the last ``days`` days (a check's sample, the conformance kit)."""
    return Window(start=now - timedelta(days=days), end=now, timezone=timezone, setup_at=setup_at)
