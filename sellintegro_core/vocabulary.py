"""The words the core and its plugins share, defined once (light: no pydantic, imported by `--help`).

Document kinds, weekdays, the window's default bounds and the schedule's hours. Plugins get them through
:mod:`sellintegro_core.api`.
"""

from __future__ import annotations

from typing import Literal, get_args

DocumentKind = Literal["FS", "PA", "KFS", "ZW", "FSd"]
"""Sales document kinds: faktura, paragon, korekta faktury, zaliczka (ZW), faktura do paragonu (FSd)."""
DOCUMENT_KINDS: tuple[str, ...] = get_args(DocumentKind)

OrderKey = Literal["order_id", "shop_order_id", "external_order_id"]
"""The order field a document's reference names: BaseLinker's order id, the shop's or the marketplace's number."""
ORDER_KEYS: tuple[str, ...] = get_args(OrderKey)

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = get_args(Weekday)
"""Weekdays as scenario files write them, Monday first (``WEEKDAYS[date.weekday()]``)."""

DAYS_BACK = 14
"""Default and cap of ``window.days_back``: orders placed at most this many days ago."""
BEFORE_SETUP_DAYS = 7
"""Default and cap of ``window.before_setup_days``."""

SCHEDULE_EARLIEST = 60        # 1:00, minutes after midnight
SCHEDULE_LATEST = 23 * 60     # 23:00
SCHEDULE_HOURS = "1:00-23:00"
"""The widest ``schedule.hours`` (and the default): scheduled runs start within these hours."""

__all__ = ["BEFORE_SETUP_DAYS", "DAYS_BACK", "DOCUMENT_KINDS", "ORDER_KEYS", "SCHEDULE_EARLIEST", "SCHEDULE_HOURS",
           "SCHEDULE_LATEST", "WEEKDAYS", "DocumentKind", "OrderKey", "Weekday"]
