"""The one place the host reads the time. ``SELLINTEGRO_NOW`` (ISO datetime) fixes it for tests and demos."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Europe/Warsaw"


def now(tz: str = DEFAULT_TZ) -> datetime:
    """Aware current time in ``tz``; ``SELLINTEGRO_NOW`` overrides (naive values are taken in ``tz``)."""
    zone = ZoneInfo(tz)
    fixed = os.environ.get("SELLINTEGRO_NOW")
    if fixed:
        moment = datetime.fromisoformat(fixed)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zone)
        return moment.astimezone(zone)
    return datetime.now(UTC).astimezone(zone)
