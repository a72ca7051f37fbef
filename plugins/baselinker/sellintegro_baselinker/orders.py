"""Reading orders with as few ``getOrders`` calls as possible (baselinker_api.md §6.2).

* **Scan** (orders placed since ``date_from``): pages of 100 on ``date_confirmed_from`` (the documented paging
  key) with ``date_from`` as a filter. The next page starts at the page's *last* confirmation second (not +1,
  which loses orders sharing the second); orders are de-duplicated by ``order_id``; a full page that is all
  one second continues with ``id_from`` inside that second only. Unconfirmed orders (``date_confirmed`` 0) are
  read only when asked for, with a separate ``id_from`` scan.
* **By order id**: one ``getOrders {order_id}`` per id when that is cheaper, or pages of 100 from
  ``id_from`` when the ids are dense enough -- decided adaptively from the id span one page covered (a page
  is chosen only when it is expected to answer at least two of the wanted ids, so it never costs more than
  single calls). An id no page returned is checked with a single call before it is reported missing.
* **By shop_order_id / external_order_id**: ``filter_shop_order_id`` / ``filter_external_order_id``, one call
  per reference.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sellintegro_core.api import Order, RetriableError

from .client import BaseLinkerClient
from .responses import ApiOrder, parse_orders

PAGE = 100


def to_unix(moment: Any) -> int | None:
    if moment is None:
        return None
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return int(moment.timestamp())
    return int(moment)


def _moment(value: int, zone: ZoneInfo, order_id: Any, field: str) -> datetime:
    """A BaseLinker unix time as an aware datetime; an impossible value is a clear error, not a crash."""
    try:
        return datetime.fromtimestamp(value, zone)
    except (OverflowError, OSError, ValueError):
        raise RetriableError(f"BaseLinker returned order {order_id} with an impossible {field} ({value}); "
                             "the run stops here and retries next time — check the order in the panel") from None


def to_order(raw: ApiOrder, timezone: str, status_name: str = "") -> Order:
    """The core's :class:`Order` from a tolerant ``getOrders`` entry."""
    zone = ZoneInfo(timezone)
    extra = {"extra_field_1": raw.extra_field_1, "extra_field_2": raw.extra_field_2}
    for key, value in raw.custom_extra_fields.items():
        if isinstance(value, dict):
            value = value.get("title") or value.get("url") or ""
        extra[str(key)] = "" if value is None else str(value)
    return Order(
        id=str(raw.order_id),
        shop_order_id="" if raw.shop_order_id in ("", "0") else raw.shop_order_id,
        external_order_id=raw.external_order_id,
        status_id=str(raw.order_status_id) if raw.order_status_id else "",
        status_name=status_name,
        date_add=_moment(raw.date_add, zone, raw.order_id, "date_add"),
        date_confirmed=_moment(raw.date_confirmed, zone, raw.order_id, "date_confirmed") if raw.date_confirmed
        else None,
        confirmed=raw.confirmed,
        source=raw.order_source,
        want_invoice=raw.want_invoice,
        buyer_nip=raw.invoice_nip,
        currency=raw.currency or "PLN",
        extra_fields=extra,
    )


class OrderReader:
    """Order reading strategies over one client. ``pages`` and ``singles`` count the calls by kind."""

    def __init__(self, client: BaseLinkerClient, *, include_unconfirmed: bool = False) -> None:
        self.client = client
        self.include_unconfirmed = include_unconfirmed
        self.pages = 0
        self.singles = 0

    def _get(self, params: dict[str, Any]) -> list[ApiOrder]:
        params = {**params, "include_custom_extra_fields": True}
        return parse_orders(self.client.call("getOrders", params))

    # ------------------------------------------------------------------ scan
    def scan(self, date_from: Any, *, status_id: int | None = None,
             include_unconfirmed: bool = False) -> Iterator[ApiOrder]:
        """Every order placed since ``date_from`` (confirmed ones; unconfirmed too when asked)."""
        start = to_unix(date_from) or 0
        base: dict[str, Any] = {"date_from": start}
        if status_id is not None:
            base["status_id"] = status_id
        seen: set[int] = set()
        yield from self._scan_confirmed(base, start, seen)
        if include_unconfirmed or self.include_unconfirmed:
            yield from self._scan_ids({**base, "get_unconfirmed_orders": True}, None, seen,
                                      only_unconfirmed=True)

    def _scan_confirmed(self, base: dict[str, Any], start: int, seen: set[int]) -> Iterator[ApiOrder]:
        second = start
        id_from: int | None = None          # set only while paging inside one crowded second
        while True:
            params = {**base, "date_confirmed_from": second}
            if id_from is not None:
                params["id_from"] = id_from
            page = self._get(params)
            self.pages += 1
            if id_from is not None:
                # only the crowded second is complete in this answer (id_from also hides later seconds' orders
                # with lower ids)
                inside = [o for o in page if o.date_confirmed == second]
                for order in inside:
                    if order.order_id not in seen:
                        seen.add(order.order_id)
                        yield order
                if len(inside) >= PAGE:
                    id_from = max(o.order_id for o in inside) + 1
                    continue
                second, id_from = second + 1, None
                continue
            for order in page:
                if order.order_id not in seen:
                    seen.add(order.order_id)
                    yield order
            if len(page) < PAGE:
                return
            first = min(o.date_confirmed for o in page)
            last = max(o.date_confirmed for o in page)
            if first == last:            # a full page inside one second: continue by id within it
                second, id_from = last, max(o.order_id for o in page) + 1
            else:
                second = last            # not +1: the rest of that second comes again and is de-duplicated

    def _scan_ids(self, base: dict[str, Any], start_id: int | None, seen: set[int], *,
                  only_unconfirmed: bool = False) -> Iterator[ApiOrder]:
        id_from = start_id
        while True:
            params = dict(base)
            if id_from is not None:
                params["id_from"] = id_from
            page = self._get(params)
            self.pages += 1
            for order in page:
                if order.order_id in seen or (only_unconfirmed and order.confirmed):
                    continue
                seen.add(order.order_id)
                yield order
            if len(page) < PAGE:
                return
            id_from = max(o.order_id for o in page) + 1

    # ------------------------------------------------------------------ by reference
    def by_order_ids(self, ids: Iterable[int], *, include_unconfirmed: bool = False) -> Iterator[ApiOrder]:
        """The orders with these ids that exist, choosing pages or single calls adaptively.

        An id a page suggests does not exist is confirmed with a single call at the end (BaseLinker does not
        document the order of an ``id_from`` answer, so a page alone never declares an order missing).
        """
        wanted = sorted(set(ids))
        extra: dict[str, Any] = {}
        if include_unconfirmed or self.include_unconfirmed:
            extra["get_unconfirmed_orders"] = True
        span: float | None = None       # ids covered by one full page, learnt from the last full page
        absent: list[int] = []
        i = 0
        while i < len(wanted):
            current = wanted[i]
            remaining = len(wanted) - i
            use_page = remaining >= 2 and (
                span is None or bisect.bisect_left(wanted, current + span) - i >= 2)
            if not use_page:
                yield from self._single(current, extra)
                i += 1
                continue
            page = self._get({**extra, "id_from": current})
            self.pages += 1
            by_id = {o.order_id: o for o in page}
            if len(page) < PAGE:
                j = len(wanted)
            else:
                top = max(by_id)
                span = max(top - current + 1, PAGE)
                j = bisect.bisect_right(wanted, top)
            for wid in wanted[i:j]:
                if wid in by_id:
                    yield by_id[wid]
                else:
                    absent.append(wid)
            i = j
        for wid in absent:
            yield from self._single(wid, extra)

    def _single(self, order_id: int, extra: dict[str, Any]) -> Iterator[ApiOrder]:
        found = self._get({**extra, "order_id": order_id})
        self.singles += 1
        for order in found:
            if order.order_id == order_id:
                yield order
                return

    def by_filter(self, key: str, values: Iterable[str], *,
                  include_unconfirmed: bool = False) -> Iterator[ApiOrder]:
        """Orders by ``shop_order_id`` or ``external_order_id``: one filtered call per value (the first match
        when several orders share a value)."""
        param = {"shop_order_id": "filter_shop_order_id", "external_order_id": "filter_external_order_id"}[key]
        extra: dict[str, Any] = {}
        if include_unconfirmed or self.include_unconfirmed:
            extra["get_unconfirmed_orders"] = True
        for value in dict.fromkeys(values):
            text = str(value).strip()
            if not text:
                continue
            if key == "shop_order_id":
                if not text.isdigit():
                    continue
                query: Any = int(text)
            else:
                query = text
            found = self._get({**extra, param: query})
            self.singles += 1
            match = [o for o in found if (o.shop_order_id if key == "shop_order_id" else o.external_order_id)
                     == text]
            if match:
                yield min(match, key=lambda o: o.order_id)
