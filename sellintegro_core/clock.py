"""The one place the host reads the time. ``SELLINTEGRO_NOW`` (ISO datetime) fixes it for tests and demos."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Europe/Warsaw"


def check_timezone(value: str) -> str:
    """``value`` when it names a time zone; else ``ValueError`` saying so (a pydantic field validator)."""
    from zoneinfo import ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r} (e.g. Europe/Warsaw)") from None
    return value


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


def show(moment: datetime, tz: str | None = None, *, seconds: bool = False) -> str:
    """A time for people, always with its zone: ``2026-11-25 15:01 CET`` (in ``tz`` when given).

    Every time a message shows uses this, in one zone per message (the scenario's), so "blocked until" and
    "deferred until" never mix Polish time with an unmarked UTC. A naive value is taken as UTC.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if tz is not None:
        moment = moment.astimezone(ZoneInfo(tz))
    return moment.strftime("%Y-%m-%d %H:%M:%S %Z" if seconds else "%Y-%m-%d %H:%M %Z")


def show_iso(text: str | None, tz: str | None = None) -> str:
    """``show`` for an ISO timestamp stored as text (the ledger's); anything unparsable is returned as it is."""
    if not text:
        return ""
    try:
        return show(datetime.fromisoformat(text), tz, seconds=True)
    except ValueError:
        return text
