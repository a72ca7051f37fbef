"""Tolerant models of BaseLinker responses (baselinker_api.md §5, §8).

BaseLinker documents ``int`` but answers numeric strings (``"31675"``), ``""`` for empty numbers, flags as
``true``/``1``/``"1"``, money as ``59.99``/``1``/``"50"``, and some field names differ between the doc sample
and reality (``pick_status`` vs ``pick_state``, ``id`` vs ``log_id``). These models accept every shape seen and
ignore unknown fields, so a new field or type change on BaseLinker's side does not stop a run.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, TypeVar

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from sellintegro_core.api import RetriableError


class WrongShape(RetriableError):
    """A SUCCESS answer whose list field is missing or not a list: never read as "no data" (run deferred)."""

    def __init__(self, method: str, field: str, value: Any, what: str, *, found: str | None = None) -> None:
        if found is None:
            found = "missing" if value is _MISSING else f"{_kind(value)}, not a list of {what}"
        super().__init__(f"BaseLinker answered {method} with SUCCESS but its field {field!r} is {found}; nothing "
                         "was taken from this answer and the run is deferred (the next run asks again)")
        self.method = method
        self.field = field


_MISSING = object()


def _kind(value: Any) -> str:
    names = {str: "text", int: "a number", float: "a number", bool: "true/false", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _to_int(value: Any) -> int:
    if value is None or value == "" or value is False:
        return 0
    if value is True:
        return 1
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else 0
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:
        try:
            return int(float(text.replace(",", ".")))
        except (ValueError, OverflowError):  # "inf", "nan", "1e999"
            return 0


def _to_float(value: Any) -> float:
    if value is None or value == "" or isinstance(value, bool):
        return float(bool(value)) if isinstance(value, bool) else 0.0
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip().replace(",", "."))
    except ValueError:
        return 0.0


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, int | float):
        return value != 0
    return str(value).strip().lower() in ("1", "true", "yes", "t", "y")


def _to_str(value: Any) -> str:
    if value is None or value is False:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


as_int = _to_int
Int = Annotated[int, BeforeValidator(_to_int)]
M = TypeVar("M", bound=BaseModel)
Float = Annotated[float, BeforeValidator(_to_float)]
Flag = Annotated[bool, BeforeValidator(_to_bool)]
Text = Annotated[str, BeforeValidator(_to_str)]


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class ApiProduct(_Lenient):
    name: Text = ""
    sku: Text = ""
    ean: Text = ""
    order_product_id: Text = ""
    product_id: Text = ""
    variant_id: Text = ""
    price_brutto: Float = 0.0
    tax_rate: Float = 0.0
    quantity: Int = 0


class ApiOrder(_Lenient):
    """One order of ``getOrders`` (§6.2)."""

    order_id: Int
    shop_order_id: Text = ""
    external_order_id: Text = ""
    order_source: Text = ""
    order_source_id: Text = ""
    order_status_id: Int = 0
    confirmed: Flag = True
    date_add: Int = 0
    date_confirmed: Int = 0
    date_in_status: Int = 0
    currency: Text = "PLN"
    email: Text = ""
    want_invoice: Flag = False
    invoice_fullname: Text = ""
    invoice_company: Text = ""
    invoice_nip: Text = ""
    invoice_country_code: Text = ""
    payment_method_cod: Flag = False
    payment_done: Float = 0.0
    extra_field_1: Text = ""
    extra_field_2: Text = ""
    custom_extra_fields: dict[str, Any] = Field(default_factory=dict)
    pick_state: Int = Field(0, validation_alias=AliasChoices("pick_state", "pick_status"))
    pack_state: Int = Field(0, validation_alias=AliasChoices("pack_state", "pack_status"))
    products: list[ApiProduct] = Field(default_factory=list)

    @field_validator("custom_extra_fields", mode="before")
    @classmethod
    def _object_or_empty(cls, value: Any) -> Any:
        return value if isinstance(value, dict) else {}  # PHP encodes an empty array as []

    @field_validator("products", mode="before")
    @classmethod
    def _product_list(cls, value: Any) -> Any:
        return _items(value)


class ApiStatus(_Lenient):
    """One entry of ``getOrderStatusList`` (§6.3)."""

    id: Int
    name: Text = ""
    name_for_customer: Text = ""
    color: Text = ""


class ApiSeries(_Lenient):
    """One entry of ``getSeries`` (§6.9)."""

    id: Int
    type: Text = ""
    name: Text = ""
    format: Text = ""


class ApiExtraField(_Lenient):
    """One entry of ``getOrderExtraFields`` (§6.7)."""

    extra_field_id: Int = Field(validation_alias=AliasChoices("extra_field_id", "id"))
    name: Text = ""
    editor_type: Text = ""
    options: list[Any] = Field(default_factory=list)

    @field_validator("options", mode="before")
    @classmethod
    def _options(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return list(value.values())
        return value if isinstance(value, list) else []


class ApiInvoice(_Lenient):
    """One invoice or correction of ``getInvoices`` (§6.10)."""

    invoice_id: Int
    order_id: Int = 0
    series_id: Int = 0
    type: Text = "normal"
    number: Text = ""
    date_add: Int = 0
    currency: Text = ""
    total_price_brutto: Float = 0.0
    correcting_to_invoice_id: Int = 0
    external_invoice_number: Text = ""
    external_id: Text = ""
    issuer: Text = ""                 # a correction placeholder's fv_person: the claim tag (claims.py)
    gov_id: Text = ""                 # KSeF data, with get_government_data (Base's own KSeF sending)
    gov_status: Int = 0

    @property
    def is_correction(self) -> bool:
        return self.type.lower().startswith("correct") or self.correcting_to_invoice_id != 0


class ApiReceipt(_Lenient):
    """``getReceipt`` (§6.16): the fields sit next to ``status`` at the top level."""

    receipt_id: Int
    order_id: Int = 0
    series_id: Int = 0
    receipt_full_nr: Text = ""
    date_add: Int = 0
    external_receipt_number: Text = ""


class ApiJournalEntry(_Lenient):
    """One ``getJournalList`` entry: the id is ``id`` in the doc table, ``log_id`` in samples (§6.18)."""

    log_id: Int = Field(validation_alias=AliasChoices("log_id", "id"))
    log_type: Int = 0
    order_id: Int = 0
    object_id: Int = 0
    date: Int = 0


def _valid(model: type[M], items: list[dict[str, Any]]) -> list[M]:
    """The entries that make sense (an entry without its id is dropped rather than stopping the run)."""
    out = []
    for item in items:
        try:
            out.append(model.model_validate(item))
        except ValidationError:
            continue
    return out


def parse_orders(body: dict[str, Any]) -> list[ApiOrder]:
    return [o for o in _valid(ApiOrder, _listed(body, "getOrders", "orders", "orders")) if o.order_id > 0]


def parse_statuses(body: dict[str, Any]) -> list[ApiStatus]:
    return _valid(ApiStatus, _listed(body, "getOrderStatusList", "statuses", "statuses"))


def parse_series(body: dict[str, Any]) -> list[ApiSeries]:
    return _valid(ApiSeries, _listed(body, "getSeries", "series", "series"))


def parse_extra_fields(body: dict[str, Any]) -> list[ApiExtraField]:
    """Accepts an object keyed by id (``{"135": {...}}``) or a list (both shapes are described, §6.7)."""
    raw = body.get("extra_fields", _MISSING)
    out = []
    if not isinstance(raw, dict | list):
        raise WrongShape("getOrderExtraFields", "extra_fields", raw, "extra fields")
    if isinstance(raw, dict):
        for key, item in raw.items():
            if isinstance(item, dict):
                data = dict(item)
                data.setdefault("extra_field_id", key)
                out.extend(_valid(ApiExtraField, [data]))
    else:
        out = _valid(ApiExtraField, _listed(body, "getOrderExtraFields", "extra_fields", "extra fields"))
    return out


def parse_invoices(body: dict[str, Any]) -> list[ApiInvoice]:
    return [i for i in _valid(ApiInvoice, _listed(body, "getInvoices", "invoices", "invoices")) if i.invoice_id > 0]


def parse_receipt(body: dict[str, Any]) -> ApiReceipt | None:
    """The receipt of a ``getReceipt`` answer, or None when the answer carries none."""
    data = body.get("receipt") if isinstance(body.get("receipt"), dict) else body
    if not isinstance(data, dict) or _to_int(data.get("receipt_id")) == 0:
        return None
    found = _valid(ApiReceipt, [data])
    return found[0] if found else None


def parse_receipts(body: dict[str, Any]) -> list[ApiReceipt]:
    """The receipts of a ``getReceipts`` answer (§6.19)."""
    return [r for r in _valid(ApiReceipt, _listed(body, "getReceipts", "receipts", "receipts")) if r.receipt_id > 0]


def parse_journal(body: dict[str, Any]) -> list[ApiJournalEntry]:
    return _valid(ApiJournalEntry, _listed(body, "getJournalList", "logs", "journal entries"))


def _listed(body: dict[str, Any], method: str, field: str, what: str) -> list[dict[str, Any]]:
    """The objects of a top-level list field of a SUCCESS answer (or of an object keyed by id).

    A missing field, a field of another type (``"orders": "notalist"``) or entries that are not objects raise
    :class:`WrongShape`: an answer that cannot be read is never taken as an empty list.
    """
    value = body.get(field, _MISSING) if isinstance(body, dict) else _MISSING
    if isinstance(value, dict):
        value = list(value.values())
    if not isinstance(value, list):
        raise WrongShape(method, field, value, what)
    for entry in value:
        if not isinstance(entry, dict):
            raise WrongShape(method, field, value, what,
                             found=f"a list holding {_kind(entry)} where each of its {what} should be an object")
    return value


def _items(value: Any) -> list[dict[str, Any]]:
    """A JSON list of objects, or the values of a JSON object keyed by id; anything else is empty."""
    if isinstance(value, dict):
        value = list(value.values())
    if not isinstance(value, list):
        return []
    return [x for x in value if isinstance(x, dict)]
