"""Building BaseLinker invoices, corrections and receipts from an order (numbering, items, totals)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from .store import Account

WARSAW = ZoneInfo("Europe/Warsaw")
SELLER = "Sklep Emulator sp. z o.o.\nul. Testowa 1\n00-001 Warszawa\nNIP: 5260250274\n"
VAT_CODES = {"EXPT": -1, "ZW": -1, "NP": -0.02, "OO": -0.03}


def number_parts(account: Account, series: dict[str, Any], now: int) -> tuple[str, int, int, int]:
    """Next number in ``series`` at time ``now``: (full number, sub_id, month, year); month 0 = yearly."""
    local = datetime.fromtimestamp(now, WARSAW)
    fmt = series["format"]
    month = local.month if "%M" in fmt else 0
    sub_id = account.next_number(series["id"], local.year, month)
    number = fmt.replace("%N", str(sub_id)).replace("%M", str(local.month)).replace("%Y", str(local.year))
    return number, sub_id, month, local.year


def net(gross: float, rate: float) -> float:
    return round(gross / (1 + rate / 100), 2) if rate > 0 else round(gross, 2)


def order_items(order: dict[str, Any], vat: float | None = None) -> list[dict[str, Any]]:
    """Invoice/receipt items: the order's products plus a shipping line (``vat`` overrides every rate)."""
    items = []
    for p in order.get("products", []):
        rate = vat if vat is not None else (p.get("tax_rate") or 0)
        gross = p.get("price_brutto") or 0
        items.append({"name": p.get("name", ""), "sku": p.get("sku", ""), "ean": p.get("ean", ""),
                      "price_brutto": gross, "price_netto": net(float(gross), float(rate)), "tax_rate": rate,
                      "quantity": int(p.get("quantity") or 0), "is_shipment": False,
                      "order_product_id": int(p["order_product_id"]) if str(p.get("order_product_id", "")).isdigit()
                      else 0})
    delivery = float(order.get("delivery_price") or 0)
    if delivery:
        rate = vat if vat is not None else 23
        items.append({"name": "Wysyłka", "sku": "", "ean": "", "price_brutto": delivery,
                      "price_netto": net(delivery, rate), "tax_rate": rate, "quantity": 1, "is_shipment": True,
                      "order_product_id": 0})
    return items


def totals(items: list[dict[str, Any]]) -> tuple[float, float]:
    gross = round(sum(float(i["price_brutto"]) * i["quantity"] for i in items), 2)
    netto = round(sum(i["price_netto"] * i["quantity"] for i in items), 2)
    return gross, netto


def new_invoice(account: Account, order: dict[str, Any], series: dict[str, Any], now: int, *,
                vat: float | None = None) -> dict[str, Any]:
    """A normal invoice record (getInvoices shape plus internal ``_`` keys)."""
    number, sub_id, month, year = number_parts(account, series, now)
    items = order_items(order, vat)
    gross, netto = totals(items)
    return {
        "invoice_id": account.next_id("invoice_id"), "order_id": order["order_id"], "series_id": series["id"],
        "type": "normal", "number": number, "sub_id": sub_id, "month": month, "year": year, "postfix": "",
        "date_add": now, "date_sell": now, "date_pay_to": 0, "currency": order.get("currency") or "PLN",
        "total_price_brutto": gross, "total_price_netto": netto, "payment": order.get("payment_method", ""),
        "additional_info": "",
        "invoice_fullname": order.get("invoice_fullname", ""), "invoice_company": order.get("invoice_company", ""),
        "invoice_nip": order.get("invoice_nip", ""), "invoice_address": order.get("invoice_address", ""),
        "invoice_city": order.get("invoice_city", ""), "invoice_postcode": order.get("invoice_postcode", ""),
        "invoice_country": order.get("invoice_country", ""),
        "invoice_country_code": order.get("invoice_country_code", ""),
        "seller": SELLER, "issuer": "", "correcting_to_invoice_id": 0, "correcting_reason": "",
        "correcting_items": False, "correcting_data": False, "external_invoice_number": "", "external_id": "",
        "exchange_currency": "", "exchange_rate": "", "exchange_date": "", "exchange_info": "",
        "items": items, "_external_file": None,
    }


def new_receipt(account: Account, order: dict[str, Any], series: dict[str, Any], now: int) -> dict[str, Any]:
    """A receipt record (getReceipt shape plus internal ``_`` keys)."""
    number, sub_id, month, year = number_parts(account, series, now)
    items = [{k: i[k] for k in ("name", "sku", "ean", "price_brutto", "tax_rate", "quantity")}
             for i in order_items(order)]
    gross = round(sum(float(i["price_brutto"]) * i["quantity"] for i in items), 2)
    return {
        "receipt_id": account.next_id("receipt_id"), "series_id": series["id"], "receipt_full_nr": number,
        "year": year, "month": month, "sub_id": sub_id, "order_id": order["order_id"], "date_add": now,
        "payment_method": order.get("payment_method", ""), "nip": order.get("invoice_nip", ""),
        "currency": order.get("currency") or "PLN", "total_price_brutto": gross, "external_receipt_number": "",
        "items": items, "_external_file": None,
    }
