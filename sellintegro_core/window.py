"""The run's window: which orders (by BaseLinker date_add) a run looks at."""

from __future__ import annotations

from datetime import datetime, timedelta

from .config import WindowConfig
from .models import Window


def compute_window(config: WindowConfig, *, now: datetime, setup_at: datetime, timezone: str) -> Window:
    """Orders placed at most ``days_back`` days ago, and not before set-up (``skip``) or not more than
    ``before_setup_days`` before set-up (``include``) — as Sellintegro's plugin counts them."""
    start = now - timedelta(days=config.days_back)
    if config.before_setup == "skip":
        floor = setup_at
    else:
        floor = setup_at - timedelta(days=config.before_setup_days)
    return Window(start=max(start, floor), end=now, timezone=timezone, setup_at=setup_at)
