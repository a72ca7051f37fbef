"""The emulated BaseLinker account: defaults, seed loading, normalisation and persistence.

Everything is plain JSON-able data so ``--state`` can write it as is. Records keep BaseLinker's output
shape; keys starting with ``_`` are internal (files, flags) and are never sent to clients.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

STATE_FORMAT = "sellintegro-baselinker-emulator-state"
STATE_VERSION = 1

DEFAULT_STATUSES: list[dict[str, Any]] = [
    {"id": 1001, "name": "Nowe zamówienia", "name_for_customer": "Zamówienie przyjęte", "color": "#4caf50"},
    {"id": 1002, "name": "Do wysłania", "name_for_customer": "W realizacji", "color": "#2196f3"},
    {"id": 1003, "name": "Wysłane", "name_for_customer": "Paczka wysłana", "color": "#9e9e9e"},
    {"id": 1004, "name": "Anulowane", "name_for_customer": "Zamówienie anulowane", "color": "#f44336"},
    {"id": 1005, "name": "Zwroty", "name_for_customer": "Zwrot", "color": "#ff9800"},
]
DEFAULT_SERIES: list[dict[str, Any]] = [
    {"id": 1, "type": "INVOICE", "name": "Faktury", "format": "FV %N/%M/%Y"},
    {"id": 2, "type": "RECEIPT", "name": "Paragony", "format": "PAR %N/%M/%Y"},
]
DEFAULT_SOURCES: dict[str, dict[str, str]] = {"personal": {"0": "Osobiście"}, "shop": {"1": "Sklep"}}
SERIES_TYPES = ("INVOICE", "RECEIPT", "CORRECTION")
EDITOR_TYPES = ("text", "number", "select", "checkbox", "radio", "date", "file")
SEED_KEYS = ("statuses", "series", "extra_fields", "sources", "orders", "expected")

FIRST_ORDER_ID = 10_000_001
FIRST_INVOICE_ID = 2_000_001
FIRST_RECEIPT_ID = 3_000_001
FIRST_ORDER_PRODUCT_ID = 50_000_001

COUNTRY_NAMES = {"PL": "Polska", "DE": "Niemcy", "CZ": "Czechy", "SK": "Słowacja", "LT": "Litwa",
                 "GB": "Wielka Brytania", "FR": "Francja", "IT": "Włochy", "ES": "Hiszpania", "US": "USA",
                 "UA": "Ukraina", "AT": "Austria", "NL": "Holandia", "BE": "Belgia", "HU": "Węgry"}

TEXT_ORDER_FIELDS = (
    "external_order_id", "order_source_info", "user_login", "phone", "email", "user_comments", "admin_comments",
    "currency", "payment_method", "delivery_method", "delivery_package_module", "delivery_package_nr",
    "delivery_fullname", "delivery_company", "delivery_address", "delivery_postcode", "delivery_city",
    "delivery_state", "delivery_country", "delivery_country_code", "delivery_point_id", "delivery_point_name",
    "delivery_point_address", "delivery_point_postcode", "delivery_point_city", "invoice_fullname",
    "invoice_company", "invoice_nip", "invoice_address", "invoice_postcode", "invoice_city", "invoice_state",
    "invoice_country", "invoice_country_code", "extra_field_1", "extra_field_2", "order_page")


class SeedError(ValueError):
    """A seed or state file that cannot be loaded; the message names the offending entry."""


def country_name(code: str) -> str:
    return COUNTRY_NAMES.get(code.upper(), code.upper()) if code else ""


def flag(value: Any) -> str:
    """BaseLinker's ``"0"``/``"1"`` flag for a bool-ish value."""
    if isinstance(value, str):
        return "1" if value.strip().lower() in ("1", "true") else "0"
    return "1" if value else "0"


def order_page(order_id: int) -> str:
    digest = hashlib.sha1(f"sellintegro-emulator-{order_id}".encode()).hexdigest()[:10]
    return f"https://orders-d.baselinker.com/{order_id}/{digest}/"


def blank_order(order_id: int, status_id: int, now: int) -> dict[str, Any]:
    """A new order with every getOrders field at BaseLinker's empty value (§6.2)."""
    order: dict[str, Any] = {
        "order_id": order_id, "shop_order_id": "", "external_order_id": "", "order_source": "personal",
        "order_source_id": "0", "order_source_info": "-", "order_status_id": status_id, "confirmed": True,
        "date_confirmed": now, "date_add": now, "date_in_status": now,
    }
    for name in TEXT_ORDER_FIELDS:
        order.setdefault(name, "")
    order.update({"currency": "PLN", "payment_method_cod": "0", "payment_done": 0, "delivery_price": 0,
                  "want_invoice": "0", "custom_extra_fields": {}, "order_page": order_page(order_id),
                  "pick_state": 0, "pack_state": 0, "star": 0, "products": []})
    return order


class Account:
    """All data of one emulated BaseLinker account (not thread-safe; the Emulator holds the lock)."""

    def __init__(self) -> None:
        self.statuses: list[dict[str, Any]] = copy.deepcopy(DEFAULT_STATUSES)
        self.series: list[dict[str, Any]] = copy.deepcopy(DEFAULT_SERIES)
        self.extra_fields: dict[str, dict[str, Any]] = {}
        self.sources: dict[str, dict[str, str]] = copy.deepcopy(DEFAULT_SOURCES)
        self.orders: dict[int, dict[str, Any]] = {}
        self.invoices: dict[int, dict[str, Any]] = {}
        self.receipts: dict[int, dict[str, Any]] = {}
        self.journal: list[dict[str, Any]] = []
        self.counters: dict[str, Any] = {"order_id": FIRST_ORDER_ID, "invoice_id": FIRST_INVOICE_ID,
                                         "receipt_id": FIRST_RECEIPT_ID, "log_id": 1,
                                         "order_product_id": FIRST_ORDER_PRODUCT_ID, "numbers": {}}

    # --- ids and lookups -------------------------------------------------------------------------------

    def next_id(self, kind: str) -> int:
        value = int(self.counters[kind])
        self.counters[kind] = value + 1
        return value

    def next_number(self, series_id: int, year: int, month: int) -> int:
        key = f"{series_id}:{year}:{month}"
        numbers = self.counters["numbers"]
        numbers[key] = int(numbers.get(key, 0)) + 1
        return numbers[key]

    def status(self, status_id: int) -> dict[str, Any] | None:
        return next((s for s in self.statuses if s["id"] == status_id), None)

    def series_by_id(self, series_id: int) -> dict[str, Any] | None:
        return next((s for s in self.series if s["id"] == series_id), None)

    def first_series(self, series_type: str) -> dict[str, Any] | None:
        return next((s for s in self.series if s["type"] == series_type), None)

    def log(self, log_type: int, order_id: int, object_id: int, date: int) -> None:
        """Append a journal event (getJournalList)."""
        self.journal.append({"log_id": self.next_id("log_id"), "log_type": log_type, "order_id": order_id,
                             "object_id": object_id, "date": date})

    def add_product_ids(self, products: list[dict[str, Any]]) -> None:
        for product in products:
            if not product.get("order_product_id"):
                product["order_product_id"] = str(self.next_id("order_product_id"))

    def insert_order(self, order: dict[str, Any]) -> None:
        self.orders[order["order_id"]] = order
        if order["order_id"] >= self.counters["order_id"]:
            self.counters["order_id"] = order["order_id"] + 1

    # --- seed ------------------------------------------------------------------------------------------

    def apply_seed(self, seed: dict[str, Any], now: int) -> None:
        """Add a seed (statuses, series, extra fields, sources, orders) to this account; see seed_format."""
        if not isinstance(seed, dict):
            raise SeedError("the seed must be a JSON object")
        unknown = sorted(set(seed) - set(SEED_KEYS))
        if unknown:
            raise SeedError(f"unknown seed keys: {', '.join(unknown)} (allowed: {', '.join(SEED_KEYS)})")
        for i, entry in enumerate(_list(seed, "statuses")):
            self._seed_status(i, entry)
        for i, entry in enumerate(_list(seed, "series")):
            self._seed_series(i, entry)
        for i, entry in enumerate(_list(seed, "extra_fields")):
            self._seed_extra_field(i, entry)
        sources = seed.get("sources", {})
        if not isinstance(sources, dict):
            raise SeedError("sources must be an object {type: {id: name}}")
        for kind, entries in sources.items():
            if not isinstance(entries, dict):
                raise SeedError(f"sources.{kind} must be an object {{id: name}}")
            self.sources.setdefault(str(kind), {}).update({str(k): str(v) for k, v in entries.items()})
        for i, entry in enumerate(_list(seed, "orders")):
            self._seed_order(i, entry, now)

    def _seed_status(self, i: int, entry: Any) -> None:
        where = f"statuses[{i}]"
        if not isinstance(entry, dict) or "name" not in entry or "id" not in entry:
            raise SeedError(f"{where}: a status needs \"id\" and \"name\"")
        sid = _int(where + ".id", entry["id"])
        if (existing := self.status(sid)) is not None:
            raise SeedError(f"{where}: status id {sid} already exists ({existing['name']!r})")
        self.statuses.append({"id": sid, "name": str(entry["name"]),
                              "name_for_customer": str(entry.get("name_for_customer", entry["name"])),
                              "color": str(entry.get("color", "#607d8b"))})

    def _seed_series(self, i: int, entry: Any) -> None:
        where = f"series[{i}]"
        if not isinstance(entry, dict) or "id" not in entry or "name" not in entry:
            raise SeedError(f"{where}: a series needs \"id\" and \"name\"")
        sid = _int(where + ".id", entry["id"])
        if (existing_series := self.series_by_id(sid)) is not None:
            raise SeedError(f"{where}: series id {sid} already exists ({existing_series['name']!r})")
        stype = str(entry.get("type", "INVOICE")).upper()
        if stype not in SERIES_TYPES:
            raise SeedError(f"{where}.type: {stype!r} is not one of {', '.join(SERIES_TYPES)}")
        series = {"id": sid, "type": stype, "name": str(entry["name"]), "format": str(entry.get("format", "%N/%M/%Y"))}
        if "ksef" in entry:  # Base sends this series to KSeF itself (emulator/government.py)
            if not isinstance(entry["ksef"], bool):
                raise SeedError(f"{where}.ksef: expected true or false, got {entry['ksef']!r}")
            series["ksef"] = entry["ksef"]
        self.series.append(series)

    def _seed_extra_field(self, i: int, entry: Any) -> None:
        where = f"extra_fields[{i}]"
        if not isinstance(entry, dict) or "extra_field_id" not in entry or "name" not in entry:
            raise SeedError(f"{where}: an extra field needs \"extra_field_id\" and \"name\"")
        fid = _int(where + ".extra_field_id", entry["extra_field_id"])
        if str(fid) in self.extra_fields:
            raise SeedError(f"{where}: extra field id {fid} already exists")
        editor = str(entry.get("editor_type", "text"))
        if editor not in EDITOR_TYPES:
            raise SeedError(f"{where}.editor_type: {editor!r} is not one of {', '.join(EDITOR_TYPES)}")
        field: dict[str, Any] = {"extra_field_id": fid, "name": str(entry["name"]), "editor_type": editor}
        if editor in ("select", "checkbox", "radio"):
            field["options"] = [str(o) for o in entry.get("options", [])]
        self.extra_fields[str(fid)] = field

    def _seed_order(self, i: int, entry: Any, now: int) -> None:
        where = f"orders[{i}]"
        if not isinstance(entry, dict):
            raise SeedError(f"{where}: an order must be an object")
        data = dict(entry)
        order_id = _int(where + ".order_id", data.pop("order_id")) if "order_id" in data else \
            self.counters["order_id"]
        if order_id in self.orders:
            raise SeedError(f"{where}: order_id {order_id} is used twice")
        if "status" in data and "order_status_id" in data:
            raise SeedError(f"{where}: give either \"status\" (a name) or \"order_status_id\", not both")
        if "status" in data:
            name = data.pop("status")
            match = next((s for s in self.statuses if s["name"] == name), None)
            if match is None:
                names = ", ".join(repr(s["name"]) for s in self.statuses)
                raise SeedError(f"{where}.status: unknown status name {name!r}; known: {names}")
            status_id = match["id"]
        elif "order_status_id" in data:
            status_id = _int(where + ".order_status_id", data.pop("order_status_id"))
            if self.status(status_id) is None:
                raise SeedError(f"{where}.order_status_id: no status with id {status_id}")
        else:
            status_id = self.statuses[0]["id"]
        date_add = _int(where + ".date_add", data.pop("date_add")) if "date_add" in data else now
        confirmed = flag(data.pop("confirmed")) == "1" if "confirmed" in data else True
        order = blank_order(order_id, status_id, date_add)
        order["confirmed"] = confirmed
        order["date_confirmed"] = _int(where + ".date_confirmed", data.pop("date_confirmed")) \
            if "date_confirmed" in data else (date_add if confirmed else 0)
        order["date_in_status"] = _int(where + ".date_in_status", data.pop("date_in_status")) \
            if "date_in_status" in data else (order["date_confirmed"] or date_add)
        for key in ("want_invoice", "payment_method_cod"):
            if key in data:
                order[key] = flag(data.pop(key))
        if "order_source_id" in data:
            order["order_source_id"] = str(data.pop("order_source_id"))
        if "shop_order_id" in data:
            value = data.pop("shop_order_id")
            order["shop_order_id"] = "" if value in ("", None) else _int(where + ".shop_order_id", value)
        for key in ("delivery_country_code", "invoice_country_code"):
            if key in data:
                order[key.replace("_code", "")] = country_name(str(data[key]))
        if "custom_extra_fields" in data:
            cef = data.pop("custom_extra_fields")
            if not isinstance(cef, dict):
                raise SeedError(f"{where}.custom_extra_fields must be an object {{extra_field_id: value}}")
            for fid in cef:
                if str(fid) not in self.extra_fields:
                    raise SeedError(f"{where}.custom_extra_fields: no extra field with id {fid}")
            order["custom_extra_fields"] = {str(k): v for k, v in cef.items()}
        products = data.pop("products", [])
        if not isinstance(products, list) or not all(isinstance(p, dict) for p in products):
            raise SeedError(f"{where}.products must be a list of objects")
        order["products"] = [normalize_product(p) for p in products]
        self.add_product_ids(order["products"])
        order.update(data)  # the rest as given (unknown keys are echoed back by getOrders)
        self.insert_order(order)

    # --- persistence -----------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {"format": STATE_FORMAT, "version": STATE_VERSION, "statuses": self.statuses,
                "series": self.series, "extra_fields": self.extra_fields, "sources": self.sources,
                "orders": list(self.orders.values()), "invoices": list(self.invoices.values()),
                "receipts": list(self.receipts.values()), "journal": self.journal, "counters": self.counters}

    @classmethod
    def from_json(cls, data: Any) -> Account:
        if not isinstance(data, dict) or data.get("format") != STATE_FORMAT:
            raise SeedError("not an emulator state file (use --seed for seed files)")
        if data.get("version") != STATE_VERSION:
            raise SeedError(f"unsupported state file version {data.get('version')!r}")
        acc = cls()
        acc.statuses = data["statuses"]
        acc.series = data["series"]
        acc.extra_fields = data["extra_fields"]
        acc.sources = data["sources"]
        acc.orders = {o["order_id"]: o for o in data["orders"]}
        acc.invoices = {d["invoice_id"]: d for d in data["invoices"]}
        acc.receipts = {d["receipt_id"]: d for d in data["receipts"]}
        acc.journal = data["journal"]
        acc.counters = data["counters"]
        return acc

    def save(self, path: Path) -> None:
        """Write the state atomically (temp file + rename)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self.to_json(), fh, ensure_ascii=False)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path) -> Account:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise SeedError(f"state file {path} is not valid JSON: {exc}") from exc
        return cls.from_json(data)


def normalize_product(product: dict[str, Any]) -> dict[str, Any]:
    """A product with BaseLinker's output types (string ids, ``"0"`` variant) and defaults."""
    out: dict[str, Any] = {"storage": "db", "storage_id": "0", "order_product_id": "", "product_id": "",
                           "variant_id": "0", "name": "", "attributes": "", "sku": "", "ean": "",
                           "location": "", "warehouse_id": 0, "auction_id": "", "price_brutto": 0,
                           "tax_rate": 23, "quantity": 1, "weight": 0.0, "bundle_id": 0}
    out.update(product)
    for key in ("storage_id", "order_product_id", "product_id", "variant_id", "auction_id"):
        out[key] = "" if out[key] is None else str(out[key])
    for key in ("price_brutto", "tax_rate", "weight"):
        if isinstance(out[key], str):
            try:
                out[key] = float(out[key])
            except ValueError:
                raise SeedError(f"product {out['name']!r}: {key} must be a number, got {out[key]!r}") from None
    if isinstance(out["quantity"], str) and out["quantity"].strip().isdigit():
        out["quantity"] = int(out["quantity"])
    return out


def public(record: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of a record without internal (``_``-prefixed) keys."""
    return {k: copy.deepcopy(v) for k, v in record.items() if not k.startswith("_")}


def _list(seed: dict[str, Any], key: str) -> list[Any]:
    value = seed.get(key, [])
    if not isinstance(value, list):
        raise SeedError(f"{key} must be a list")
    return value


def _int(where: str, value: Any) -> int:
    if isinstance(value, bool):
        raise SeedError(f"{where}: expected an integer, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise SeedError(f"{where}: expected an integer, got {value!r}")
