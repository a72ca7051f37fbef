"""The ``connector.php`` methods: one function per method, ``handler(ctx, parameters) -> response fields``.

Handlers raise :class:`~.errors.ApiError` for BaseLinker-style errors and mutate ``ctx.account`` only after
every check passed (a rejected call changes nothing).
"""

from __future__ import annotations

from typing import Any

from sellintegro_baselinker.write_methods import WRITE_METHODS

from . import errors
from .context import JOURNAL_DAYS, PAGE_SIZE, Context, Handler, order_param, status_param
from .errors import ApiError
from .invoice_methods import (
    add_invoice,
    add_invoice_correction,
    add_order_invoice_file,
    add_order_receipt_file,
    add_receipt,
    get_invoice_file,
    get_invoices,
    get_receipt,
    get_series,
)
from .params import (
    as_bool,
    as_float,
    as_int,
    as_int_list,
    as_number,
    as_text,
    decode_file,
    opt_bool,
    opt_int,
    require,
)
from .store import blank_order, country_name, flag, normalize_product, public

__all__ = ["METHODS", "PAGE_SIZE", "WRITE_METHODS", "Context", "Handler"]

# --- order fields shared by addOrder and setOrderFields (§6.1, §6.8) -----------------------------------------

_ORDER_TEXT = {
    "payment_method": 30, "user_comments": 510, "admin_comments": 200, "email": 150, "phone": 100,
    "user_login": 30, "delivery_method": 30, "delivery_fullname": 100, "delivery_company": 100,
    "delivery_address": 156, "delivery_postcode": 100, "delivery_city": 100, "delivery_state": 100,
    "delivery_point_id": 40, "delivery_point_name": 100, "delivery_point_address": 100,
    "delivery_point_postcode": 100, "delivery_point_city": 100, "invoice_fullname": 100, "invoice_company": 100,
    "invoice_nip": 100, "invoice_address": 100, "invoice_postcode": 100, "invoice_city": 100,
    "invoice_state": 100, "extra_field_1": 50, "extra_field_2": 50,
}
_ADD_ORDER_TEXT = {**_ORDER_TEXT, "delivery_state": 20, "invoice_state": 20}
_ORDER_FLAGS = ("payment_method_cod", "want_invoice")
_COUNTRY_CODES = ("delivery_country_code", "invoice_country_code")
_PRODUCT_TEXT = {"storage": 9, "storage_id": 50, "product_id": 50, "variant_id": 30, "name": 200, "sku": 50,
                 "ean": 32, "location": 50, "attributes": 350}


def _order_fields(params: dict[str, Any], limits: dict[str, int]) -> dict[str, Any]:
    """Validated common order fields present in ``params``, in BaseLinker's stored/output form."""
    out: dict[str, Any] = {}
    for name, limit in limits.items():
        if name in params:
            out[name] = as_text(name, params[name], limit)
    for name in _ORDER_FLAGS:
        if name in params:
            out[name] = flag(as_bool(name, params[name]))
    for name in _COUNTRY_CODES:
        if name in params:
            code = as_text(name, params[name], 2, exact=2).upper()
            out[name] = code
            out[name.replace("_code", "")] = country_name(code)
    if "delivery_price" in params:
        out["delivery_price"] = as_float("delivery_price", params["delivery_price"])
    return out


def _custom_extra_fields(ctx: Context, value: Any, current: dict[str, Any]) -> dict[str, Any]:
    """New ``custom_extra_fields`` after applying ``value`` ({id: value}; "" removes)."""
    if not isinstance(value, dict):
        raise ApiError(errors.INVALID_PARAMETER, "Parameter 'custom_extra_fields' must be an object {id: value}")
    result = dict(current)
    for key, val in value.items():
        fid = str(as_int("custom_extra_fields key", key))
        field = ctx.account.extra_fields.get(fid)
        if field is None:
            raise ApiError(errors.NOT_FOUND, f"Extra field {fid} does not exist (see getOrderExtraFields)")
        name = f"custom_extra_fields[{fid}]"
        if val == "" or val is None:
            result.pop(fid, None)
            continue
        if field["editor_type"] == "file":
            if not isinstance(val, dict) or "file" not in val:
                raise ApiError(errors.INVALID_PARAMETER, f"{name}: a file field takes {{\"title\", \"file\"}}")
            title = as_text(f"{name}.title", val.get("title", "plik"), 40)
            data = decode_file(f"{name}.file", val["file"], 2 * 1024 * 1024)
            result[fid] = {"title": title, "url": f"https://upload.cdn.baselinker.com/order_files/{fid}/{title}",
                           "_size": len(data)}
            continue
        text = as_text(name, val)
        if field["editor_type"] in ("select", "radio") and field.get("options") and text not in field["options"]:
            raise ApiError(errors.INVALID_PARAMETER,
                           f"{name}: {text!r} is not one of the options {field['options']}")
        if field["editor_type"] == "number":
            as_float(name, text)
        result[fid] = text
    return result



# --- orders ------------------------------------------------------------------------------------------------


def add_order(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    acc = ctx.account
    status_id = opt_int(p, "order_status_id")
    if status_id is None:
        status_id = acc.statuses[0]["id"]
    elif acc.status(status_id) is None:
        raise ApiError(errors.NOT_FOUND, f"Order status {status_id} does not exist (see getOrderStatusList)")
    date_add = opt_int(p, "date_add") or ctx.now
    fields = _order_fields(p, _ADD_ORDER_TEXT)
    if "currency" in p:
        fields["currency"] = as_text("currency", p["currency"], 3, exact=3).upper()
    source_id = opt_int(p, "custom_source_id")
    if source_id is not None and str(source_id) not in acc.sources.get("personal", {}):
        raise ApiError(errors.NOT_FOUND, f"Custom order source {source_id} does not exist (see getOrderSources)")
    paid = opt_bool(p, "paid", False)
    products_in = p.get("products", [])
    if not isinstance(products_in, list) or not all(isinstance(x, dict) for x in products_in):
        raise ApiError(errors.INVALID_PARAMETER, "Parameter 'products' must be an array of objects")
    products = []
    for i, raw in enumerate(products_in):
        product: dict[str, Any] = {}
        for key, limit in _PRODUCT_TEXT.items():
            if key in raw:
                product[key] = as_text(f"products[{i}].{key}", raw[key], limit)
        for key in ("price_brutto", "tax_rate", "weight"):
            if key in raw:
                product[key] = as_number(f"products[{i}].{key}", raw[key])
        for key in ("quantity", "warehouse_id"):
            if key in raw:
                product[key] = as_int(f"products[{i}].{key}", raw[key])
        products.append(normalize_product(product))
    custom = _custom_extra_fields(ctx, p["custom_extra_fields"], {}) if "custom_extra_fields" in p else {}

    order = blank_order(acc.next_id("order_id"), status_id, ctx.now)
    order.update(fields)
    order["date_add"] = date_add
    order["custom_extra_fields"] = custom
    if source_id is not None:
        order["order_source_id"] = str(source_id)
    order["products"] = products
    acc.add_product_ids(products)
    if paid:
        total = sum(float(x["price_brutto"]) * x["quantity"] for x in products) + float(order["delivery_price"])
        order["payment_done"] = round(total, 2)
    acc.insert_order(order)
    acc.log(1, order["order_id"], 0, ctx.now)
    acc.log(2, order["order_id"], 0, ctx.now)
    return {"order_id": order["order_id"]}


def get_orders(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    order_id = opt_int(p, "order_id")
    date_confirmed_from = opt_int(p, "date_confirmed_from")
    date_from = opt_int(p, "date_from")
    id_from = opt_int(p, "id_from")
    status_id = opt_int(p, "status_id")
    unconfirmed = opt_bool(p, "get_unconfirmed_orders", False)
    include_custom = opt_bool(p, "include_custom_extra_fields", False)
    email = as_text("filter_email", p["filter_email"], 50) if p.get("filter_email") else None
    source = as_text("filter_order_source", p["filter_order_source"], 20) if p.get("filter_order_source") else None
    source_id = opt_int(p, "filter_order_source_id") if source else None
    shop_order_id = opt_int(p, "filter_shop_order_id")
    external = as_text("filter_external_order_id", p["filter_external_order_id"], 50) \
        if p.get("filter_external_order_id") else None

    def wanted(o: dict[str, Any]) -> bool:
        return ((unconfirmed or o["confirmed"])
                and (order_id is None or o["order_id"] == order_id)
                and (date_confirmed_from is None or o["date_confirmed"] >= date_confirmed_from)
                and (date_from is None or o["date_add"] >= date_from)
                and (id_from is None or o["order_id"] >= id_from)
                and (status_id is None or o["order_status_id"] == status_id)
                and (email is None or o.get("email") == email)
                and (source is None or o.get("order_source") == source)
                and (source_id is None or str(o.get("order_source_id")) == str(source_id))
                and (shop_order_id is None or str(o.get("shop_order_id")) == str(shop_order_id))
                and (external is None or o.get("external_order_id") == external))

    found = [o for o in ctx.account.orders.values() if wanted(o)]
    if date_confirmed_from is not None:
        found.sort(key=lambda o: (o["date_confirmed"], o["order_id"]))
    else:
        found.sort(key=lambda o: o["order_id"])
    orders = []
    for o in found[:PAGE_SIZE]:
        out = public(o)
        if include_custom:
            out["custom_extra_fields"] = {k: (public(v) if isinstance(v, dict) else v)
                                          for k, v in o.get("custom_extra_fields", {}).items()}
        else:
            out.pop("custom_extra_fields", None)
        orders.append(out)
    return {"orders": orders}


def get_order_status_list(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    return {"statuses": [dict(s) for s in ctx.account.statuses]}


def _change_status(ctx: Context, order: dict[str, Any], status_id: int) -> None:
    if order["order_status_id"] == status_id:
        return  # no-op success, no journal event (§6.4)
    order["order_status_id"] = status_id
    order["date_in_status"] = ctx.now
    ctx.account.log(18, order["order_id"], status_id, ctx.now)


def set_order_status(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    order = order_param(ctx, p)
    _change_status(ctx, order, status_param(ctx, p))
    return {}


def set_order_statuses(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    ids = as_int_list("order_ids", require(p, "order_ids"))
    if not ids:
        raise ApiError(errors.MISSING_PARAMETER, "Parameter 'order_ids' is empty")
    status_id = status_param(ctx, p)
    missing = [i for i in ids if i not in ctx.account.orders]
    if missing:
        raise ApiError(errors.NOT_FOUND, f"Orders do not exist: {', '.join(map(str, missing))}")
    for order_id in dict.fromkeys(ids):
        _change_status(ctx, ctx.account.orders[order_id], status_id)
    return {}


def get_order_sources(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    return {"sources": {k: dict(v) for k, v in ctx.account.sources.items()}}


def get_order_extra_fields(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    return {"extra_fields": {k: dict(v) for k, v in ctx.account.extra_fields.items()}}


def set_order_fields(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    order = order_param(ctx, p)
    fields = _order_fields(p, _ORDER_TEXT)
    for name in ("pick_state", "pack_state", "star"):
        if name in p:
            fields[name] = as_int(name, p[name])
    if "star" in fields and not 0 <= fields["star"] <= 5:
        raise ApiError(errors.INVALID_PARAMETER, "Parameter 'star' must be 0-5")
    if "custom_extra_fields" in p:
        fields["custom_extra_fields"] = _custom_extra_fields(ctx, p["custom_extra_fields"],
                                                             order.get("custom_extra_fields", {}))
    order.update(fields)
    ctx.account.log(16, order["order_id"], 0, ctx.now)
    return {}


# --- journal -----------------------------------------------------------------------------------------------


def get_journal_list(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    last_log_id = opt_int(p, "last_log_id")
    order_id = opt_int(p, "order_id")
    types = as_int_list("logs_types", p["logs_types"]) if p.get("logs_types") not in (None, "") else None
    if not ctx.journal_enabled:
        return {"logs": []}
    since = ctx.now - JOURNAL_DAYS * 86400
    logs = [dict(e) for e in ctx.account.journal
            if e["date"] >= since
            and (last_log_id is None or e["log_id"] > last_log_id)
            and (order_id is None or e["order_id"] == order_id)
            and (types is None or e["log_type"] in types)]
    return {"logs": logs[:PAGE_SIZE]}


METHODS: dict[str, Handler] = {
    "addOrder": add_order,
    "getOrders": get_orders,
    "getOrderStatusList": get_order_status_list,
    "setOrderStatus": set_order_status,
    "setOrderStatuses": set_order_statuses,
    "getOrderSources": get_order_sources,
    "getOrderExtraFields": get_order_extra_fields,
    "setOrderFields": set_order_fields,
    "getSeries": get_series,
    "getInvoices": get_invoices,
    "addInvoice": add_invoice,
    "addInvoiceCorrection": add_invoice_correction,
    "addOrderInvoiceFile": add_order_invoice_file,
    "getInvoiceFile": get_invoice_file,
    "addReceipt": add_receipt,
    "getReceipt": get_receipt,
    "addOrderReceiptFile": add_order_receipt_file,
    "getJournalList": get_journal_list,
}


def _register_extra_methods() -> None:
    from .government import get_receipts

    METHODS["getReceipts"] = get_receipts


_register_extra_methods()
