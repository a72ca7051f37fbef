"""The invoice and receipt methods of ``connector.php`` (§6.10-§6.18): series, invoices, corrections,
receipts and their files. Handlers raise :class:`~.errors.ApiError` and change the account only after every
check passed."""

from __future__ import annotations

import base64
from typing import Any

from . import errors
from .context import PAGE_SIZE, Context, order_param, series_param
from .documents import VAT_CODES, new_invoice, new_receipt
from .errors import ApiError
from .params import (
    as_float,
    as_int,
    as_text,
    decode_file,
    opt_bool,
    opt_int,
    require,
)
from .pdf import simple_pdf
from .store import country_name, public

# --- invoices ----------------------------------------------------------------------------------------------


def get_series(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    from .government import public_series

    return {"series": [public_series(s) for s in ctx.account.series]}


def _invoice(ctx: Context, p: dict[str, Any], name: str = "invoice_id") -> dict[str, Any]:
    invoice_id = as_int(name, require(p, name))
    invoice = ctx.account.invoices.get(invoice_id)
    if invoice is None:
        raise ApiError(errors.NOT_FOUND, f"Invoice {invoice_id} does not exist")
    return invoice


def get_invoices(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    invoice_id = opt_int(p, "invoice_id")
    order_id = opt_int(p, "order_id")
    date_from = opt_int(p, "date_from")
    id_from = opt_int(p, "id_from")
    series_id = opt_int(p, "series_id")
    external = opt_bool(p, "get_external_invoices", True)
    government = opt_bool(p, "get_government_data", False)
    found = [i for i in ctx.account.invoices.values()
             if (invoice_id is None or i["invoice_id"] == invoice_id)
             and (order_id is None or i["order_id"] == order_id)
             and (date_from is None or i["date_add"] >= date_from)
             and (id_from is None or i["invoice_id"] >= id_from)
             and (series_id is None or i["series_id"] == series_id)
             and (external or i["_external_file"] is None)]
    found.sort(key=lambda i: i["invoice_id"])
    out = []
    for invoice in found[:PAGE_SIZE]:
        item = public(invoice)
        if government:
            from .government import government_data

            item.update(government_data(ctx.account, invoice, ctx.now))
        out.append(item)
    return {"invoices": out}


def add_invoice(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    order = order_param(ctx, p)
    series = series_param(ctx, p, "INVOICE", required=True)
    vat: float | None = None
    if "vat_rate" in p and p["vat_rate"] not in (None, "", "DEFAULT", "ITEM"):
        raw = p["vat_rate"]
        if isinstance(raw, str) and raw.upper() in VAT_CODES:
            vat = VAT_CODES[raw.upper()]
        else:
            try:
                vat = as_float("vat_rate", raw)
            except ApiError:
                raise ApiError(errors.INVALID_PARAMETER, "Parameter 'vat_rate' must be DEFAULT, ITEM, EXPT, ZW, "
                               "NP, OO or a number 0-100") from None
            if not 0 <= vat <= 100:
                raise ApiError(errors.INVALID_PARAMETER, "Parameter 'vat_rate' must be between 0 and 100")
    existing = [i for i in ctx.account.invoices.values()
                if i["order_id"] == order["order_id"] and i["type"] == "normal"]
    if existing:
        raise ApiError(errors.DOCUMENT_EXISTS, f"Order {order['order_id']} already has an invoice "
                       f"({existing[0]['number']}, invoice_id {existing[0]['invoice_id']})")
    invoice = new_invoice(ctx.account, order, series, ctx.now, vat=vat)
    ctx.account.invoices[invoice["invoice_id"]] = invoice
    ctx.account.log(7, order["order_id"], invoice["invoice_id"], ctx.now)
    return {"invoice_id": invoice["invoice_id"]}


_CORRECTION_TEXT = {"invoice_fullname": 100, "invoice_company": 100, "invoice_address": 100,
                    "invoice_postcode": 100, "invoice_city": 100, "invoice_state": 100, "invoice_nip": 100}


def add_invoice_correction(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    if p.get("return_order_id") not in (None, ""):
        return_id = as_int("return_order_id", p["return_order_id"])
        raise ApiError(errors.NOT_FOUND, f"Return {return_id} does not exist (the emulator has no returns)")
    if p.get("original_invoice_id") in (None, ""):
        raise ApiError(errors.MISSING_PARAMETER, "Give 'original_invoice_id' or 'return_order_id'")
    original = _invoice(ctx, p, "original_invoice_id")
    if original["type"] != "normal":
        raise ApiError(errors.INVALID_PARAMETER, f"Invoice {original['invoice_id']} is itself a correction")
    fallback = ctx.account.series_by_id(original["series_id"])
    series = series_param(ctx, p, "CORRECTION", required=False, fallback=fallback)
    date_sell = opt_int(p, "date_sell") or ctx.now
    reason = opt_int(p, "correcting_reason")
    if reason is not None and not 1 <= reason <= 9:
        raise ApiError(errors.INVALID_PARAMETER, "Parameter 'correcting_reason' must be 1-9")
    buyer = {k: as_text(k, p[k], limit) for k, limit in _CORRECTION_TEXT.items() if k in p}
    if "invoice_country_code" in p:
        buyer["invoice_country_code"] = as_text("invoice_country_code", p["invoice_country_code"], 2, exact=2)
        buyer["invoice_country"] = country_name(buyer["invoice_country_code"])
    items_in = p.get("items", [])
    if not isinstance(items_in, list) or not all(isinstance(x, dict) for x in items_in):
        raise ApiError(errors.INVALID_PARAMETER, "Parameter 'items' must be an array of objects")
    items: list[dict[str, Any]] = []
    for i, raw in enumerate(items_in):
        rate = as_float(f"items[{i}].tax_rate", raw.get("tax_rate", 23))
        gross = as_float(f"items[{i}].price_brutto", raw.get("price_brutto", 0))
        items.append({"name": as_text(f"items[{i}].name", raw.get("name", ""), 200),
                      "sku": as_text(f"items[{i}].sku", raw.get("sku", ""), 50),
                      "ean": as_text(f"items[{i}].ean", raw.get("ean", ""), 32), "price_brutto": gross,
                      "price_netto": round(gross / (1 + rate / 100), 2) if rate > 0 else gross, "tax_rate": rate,
                      "quantity": as_int(f"items[{i}].quantity", raw.get("quantity", 1)), "is_shipment": False,
                      "order_product_id": opt_int(raw, "order_product_id") or 0})
    payment = as_text("fv_payment", p["fv_payment"], 100) if "fv_payment" in p else None
    person = as_text("fv_person", p["fv_person"], 100) if "fv_person" in p else None
    correcting_items = opt_bool(p, "correcting_items", bool(items))
    correcting_data = opt_bool(p, "correcting_data", bool(buyer))
    order = ctx.account.orders.get(original["order_id"], {"order_id": original["order_id"]})
    correction = new_invoice(ctx.account, {**order, "products": [], "delivery_price": 0}, series, ctx.now)
    gross = round(sum(x["price_brutto"] * x["quantity"] for x in items), 2)
    netto = round(sum(x["price_netto"] * x["quantity"] for x in items), 2)
    correction.update(buyer)
    correction.update({"type": "correcting", "date_sell": date_sell, "correcting_to_invoice_id":
                       original["invoice_id"], "correcting_reason": reason if reason is not None else "",
                       "correcting_items": correcting_items, "correcting_data": correcting_data,
                       "items": items, "total_price_brutto": gross, "total_price_netto": netto})
    if payment is not None:
        correction["payment"] = payment
    if person is not None:
        correction["issuer"] = person
    ctx.account.invoices[correction["invoice_id"]] = correction
    ctx.account.log(7, correction["order_id"], correction["invoice_id"], ctx.now)
    return {"invoice_id": correction["invoice_id"]}


def add_order_invoice_file(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    invoice = _invoice(ctx, p)
    data = decode_file("file", require(p, "file"), ctx.max_file_bytes)
    number = as_text("external_invoice_number", p["external_invoice_number"], 30) \
        if p.get("external_invoice_number") not in (None, "") else None
    invoice["_external_file"] = base64.b64encode(data).decode("ascii")
    if number is not None:
        invoice["external_invoice_number"] = number
    return {}


def get_invoice_file(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    invoice = _invoice(ctx, p)
    if opt_bool(p, "get_external", False) and invoice["_external_file"] is not None:
        return {"invoice": "data:" + invoice["_external_file"],
                "invoice_number": invoice["external_invoice_number"] or invoice["number"]}
    title = "Faktura korygujaca" if invoice["type"] == "correcting" else "Faktura VAT"
    pdf = simple_pdf([f"{title} {invoice['number']}", f"Zamowienie {invoice['order_id']}",
                      f"Razem brutto: {invoice['total_price_brutto']:.2f} {invoice['currency']}",
                      "(BaseLinker emulator rendering)"])
    return {"invoice": "data:" + base64.b64encode(pdf).decode("ascii"), "invoice_number": invoice["number"]}


# --- receipts ----------------------------------------------------------------------------------------------


def add_receipt(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    order = order_param(ctx, p)
    series = series_param(ctx, p, "RECEIPT", required=False)
    existing = [r for r in ctx.account.receipts.values() if r["order_id"] == order["order_id"]]
    if existing:
        raise ApiError(errors.DOCUMENT_EXISTS, f"Order {order['order_id']} already has a receipt "
                       f"({existing[0]['receipt_full_nr']}, receipt_id {existing[0]['receipt_id']})")
    receipt = new_receipt(ctx.account, order, series, ctx.now)
    ctx.account.receipts[receipt["receipt_id"]] = receipt
    ctx.account.log(8, order["order_id"], receipt["receipt_id"], ctx.now)
    return {"receipt_id": receipt["receipt_id"]}


def get_receipt(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    receipt_id = opt_int(p, "receipt_id")
    order_id = opt_int(p, "order_id")
    if receipt_id is None and order_id is None:
        raise ApiError(errors.MISSING_PARAMETER, "Give 'receipt_id' or 'order_id'")
    found = next((r for r in ctx.account.receipts.values()
                  if (receipt_id is None or r["receipt_id"] == receipt_id)
                  and (order_id is None or r["order_id"] == order_id)), None)
    if found is None:
        what = f"receipt {receipt_id}" if receipt_id is not None else f"a receipt for order {order_id}"
        raise ApiError(errors.NOT_FOUND, f"There is no {what}")
    out = public(found)
    # Emulator extension (not BaseLinker): BaseLinker's API has no way to download a receipt's file.
    if opt_bool(p, "get_external_file", False) and found["_external_file"] is not None:
        out["receipt_file"] = "data:" + found["_external_file"]
    return out


def add_order_receipt_file(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    receipt_id = as_int("receipt_id", require(p, "receipt_id"))
    receipt = ctx.account.receipts.get(receipt_id)
    if receipt is None:
        raise ApiError(errors.NOT_FOUND, f"Receipt {receipt_id} does not exist")
    data = decode_file("file", require(p, "file"), ctx.max_file_bytes, allow_jws=True)
    number = as_text("external_receipt_number", p["external_receipt_number"], 20) \
        if p.get("external_receipt_number") not in (None, "") else None
    receipt["_external_file"] = base64.b64encode(data).decode("ascii")
    if number is not None:
        receipt["external_receipt_number"] = number
    return {}


