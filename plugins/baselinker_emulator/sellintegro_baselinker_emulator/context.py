"""What every ``connector.php`` handler shares: the call's context, the page size, and the look-ups of an
order, a status and a series that raise BaseLinker-style errors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import errors
from .errors import ApiError
from .params import (
    as_int,
    opt_int,
    require,
)
from .store import Account

PAGE_SIZE = 100
JOURNAL_DAYS = 3


@dataclass
class Context:
    """What a handler works on: the account (under the emulator's lock) and the call's time."""

    account: Account
    now: int
    max_file_bytes: int = 2 * 1024 * 1024
    journal_enabled: bool = True


Handler = Callable[[Context, dict[str, Any]], dict[str, Any]]

def order_param(ctx: Context, params: dict[str, Any], name: str = "order_id") -> dict[str, Any]:
    order_id = as_int(name, require(params, name))
    order = ctx.account.orders.get(order_id)
    if order is None:
        raise ApiError(errors.NOT_FOUND, f"Order {order_id} does not exist")
    return order


def status_param(ctx: Context, params: dict[str, Any]) -> int:
    status_id = as_int("status_id", require(params, "status_id"))
    if ctx.account.status(status_id) is None:
        raise ApiError(errors.NOT_FOUND, f"Order status {status_id} does not exist (see getOrderStatusList)")
    return status_id


def series_param(ctx: Context, params: dict[str, Any], kind: str, *, required: bool,
            fallback: dict[str, Any] | None = None) -> dict[str, Any]:
    series_id = as_int("series_id", require(params, "series_id")) if required else opt_int(params, "series_id")
    if series_id is None:
        series = ctx.account.first_series(kind) or fallback
        if series is None:
            raise ApiError(errors.INVALID_PARAMETER, f"The account has no {kind} series; give 'series_id'")
        return series
    series = ctx.account.series_by_id(series_id)
    if series is None:
        raise ApiError(errors.INVALID_PARAMETER, f"Series {series_id} does not exist (see getSeries)")
    if series["type"] != kind:
        raise ApiError(errors.INVALID_PARAMETER,
                       f"Series {series_id} is a {series['type']} series; this method needs a {kind} series")
    return series

