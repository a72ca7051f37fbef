"""Names -> ids for order statuses, numbering series and extra fields, each read once per run (lazily).

An id given as a number is used as it is (no call needed); a name is looked up with ``getOrderStatusList``,
``getSeries`` or ``getOrderExtraFields`` the first time one is needed. An unknown name is a
:class:`ConfigError` that lists the valid names.
"""

from __future__ import annotations

from typing import Any

from sellintegro_core.api import ConfigError, did_you_mean

from .client import BaseLinkerClient
from .responses import (
    ApiExtraField,
    ApiSeries,
    ApiStatus,
    parse_extra_fields,
    parse_series,
    parse_statuses,
)

SERIES_TYPES = {"invoice": "INVOICE", "receipt": "RECEIPT", "correction": "CORRECTION"}
# setOrderFields parameters a SetField action may name directly (baselinker_api.md §6.8)
ORDER_FIELDS = frozenset({
    "admin_comments", "user_comments", "payment_method", "email", "phone", "user_login", "delivery_method",
    "delivery_fullname", "delivery_company", "delivery_address", "delivery_postcode", "delivery_city",
    "delivery_state", "delivery_country_code", "delivery_point_id", "delivery_point_name",
    "delivery_point_address", "delivery_point_postcode", "delivery_point_city", "invoice_fullname",
    "invoice_company", "invoice_nip", "invoice_address", "invoice_postcode", "invoice_city", "invoice_state",
    "invoice_country_code", "extra_field_1", "extra_field_2",
})


def _as_id(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _fold(name: str) -> str:
    return " ".join(name.split()).casefold()


class Lookups:
    """Per-run cache of the account's statuses, series and extra fields."""

    def __init__(self, client: BaseLinkerClient) -> None:
        self.client = client
        self._statuses: list[ApiStatus] | None = None
        self._series: list[ApiSeries] | None = None
        self._fields: list[ApiExtraField] | None = None

    # ------------------------------------------------------------------ raw lists
    @property
    def has_statuses(self) -> bool:
        """True when the status list was already read in this run (names are then free)."""
        return self._statuses is not None

    def statuses(self) -> list[ApiStatus]:
        if self._statuses is None:
            self._statuses = parse_statuses(self.client.call("getOrderStatusList"))
        return self._statuses

    def series(self) -> list[ApiSeries]:
        if self._series is None:
            self._series = parse_series(self.client.call("getSeries"))
        return self._series

    def extra_fields(self) -> list[ApiExtraField]:
        if self._fields is None:
            self._fields = parse_extra_fields(self.client.call("getOrderExtraFields"))
        return self._fields

    # ------------------------------------------------------------------ resolution
    def status_id(self, value: str | int) -> int:
        """The id of a status given by id or name (case and spacing insensitive)."""
        as_id = _as_id(value)
        if as_id is not None:
            return as_id
        wanted = _fold(str(value))
        for status in self.statuses():
            if _fold(status.name) == wanted:
                return status.id
        valid = ", ".join(f"{s.name!r} ({s.id})" for s in self.statuses()) or "none"
        hint = did_you_mean(str(value), [s.name for s in self.statuses()])
        raise ConfigError(f"BaseLinker has no order status named {str(value)!r}{hint}; the account's statuses are: "
                          f"{valid}. Fix the name in the scenario (or give the status id).")

    def status_name(self, status_id: int) -> str:
        for status in self.statuses():
            if status.id == status_id:
                return status.name
        return ""

    def series_id(self, value: str | int, kind: str, setting: str) -> int:
        """The id of a series of ``kind`` (invoice/receipt/correction) given by id or name."""
        as_id = _as_id(value)
        if as_id is not None:
            return as_id
        wanted_type = SERIES_TYPES[kind]
        wanted = _fold(str(value))
        matches = [s for s in self.series() if _fold(s.name) == wanted]
        typed = [s for s in matches if s.type.upper() == wanted_type]
        if typed:
            return typed[0].id
        valid = ", ".join(f"{s.name!r} ({s.id})" for s in self.series() if s.type.upper() == wanted_type) or "none"
        if matches:
            raise ConfigError(f"sink.{setting}: the BaseLinker series {str(value)!r} is a {matches[0].type} series, "
                              f"not {wanted_type}; {wanted_type} series on the account: {valid}")
        hint = did_you_mean(str(value), [s.name for s in self.series() if s.type.upper() == wanted_type])
        raise ConfigError(f"sink.{setting}: BaseLinker has no {wanted_type} series named {str(value)!r}{hint}; "
                          f"{wanted_type} series on the account: {valid}. Create it in BaseLinker (Zamówienia -> "
                          "Ustawienia -> Faktury/Paragony -> serie numeracji) or fix the name.")

    def extra_field_id(self, value: str | int, setting: str = "field") -> int:
        as_id = _as_id(value)
        if as_id is not None:
            return as_id
        wanted = _fold(str(value))
        for field in self.extra_fields():
            if _fold(field.name) == wanted:
                return field.extra_field_id
        valid = ", ".join(f"{f.name!r} ({f.extra_field_id})" for f in self.extra_fields()) or "none"
        hint = did_you_mean(str(value), [f.name for f in self.extra_fields()])
        raise ConfigError(f"{setting}: BaseLinker has no order extra field named {str(value)!r}{hint}; extra fields on "
                          f"the account: {valid}. Create it in BaseLinker (Zamówienia -> Ustawienia -> Pola "
                          "dodatkowe) or fix the name.")

    def order_field(self, value: str | int, setting: str = "field") -> tuple[str, int | None]:
        """``("admin_comments", None)`` for a standard setOrderFields field, ``("custom", id)`` for an extra
        field given by name or id."""
        if isinstance(value, str) and value.strip() in ORDER_FIELDS:
            return value.strip(), None
        return "custom", self.extra_field_id(value, setting)
