"""The ``typst_pdf`` renderer's document data: the html_pdf template context (:func:`context.build_context`)
turned into plain JSON, every value a ready-to-print string.

The typst template reads it with ``json(bytes(sys.inputs.data))`` and prints the strings as text, so ERP text
(names, addresses, remarks with ``#``, ``[``, ``$``, ``\\``...) can never become typst markup or code. The
choices of what to print (which dates, which rows, which notes) are made here, once, from the same context
the HTML templates use, so both renderers print the same legal content.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from . import formatting
from .formatting import amount, money, price, quantity

Json = dict[str, Any]


def _date(value: Any) -> str:
    return formatting.date(value)


def _pair(label: str, value: Any, *, bold: bool = True) -> Json:
    return {"label": label, "value": "" if value is None else str(value), "bold": bold}


def _header(c: Json) -> Json:
    t, doc = c["t"], c["doc"]
    meta = []
    if doc.place_of_issue:
        meta.append(_pair(t["place_of_issue"], doc.place_of_issue, bold=False))
    meta.append(_pair(t["issue_date"], _date(doc.issue_date)))
    if doc.sale_date and not c["non_fiscal"] and not c["is_correction"]:
        meta.append(_pair(t["sale_date"], _date(doc.sale_date), bold=False))
    if c["order_number"]:
        meta.append(_pair(t["order_number"], c["order_number"], bold=False))
    ksef = c["ksef"]
    return {
        "title": c["title"], "subtitles": list(c["subtitles"]), "number": f"{t['number']} {c['number']}",
        "ksef_number": _pair(t["ksef_number"], ksef["number"]) if ksef["show"] and ksef["number"] else None,
        "meta": meta, "non_fiscal": t["non_fiscal"] if c["non_fiscal"] else "",
    }


def _party(label: str, party: Json, t: dict[str, str]) -> Json:
    rows = []
    if party["tax_id"]:
        rows.append(_pair(party["tax_id_label"], party["tax_id"]))
    if party["vat_ue"]:
        rows.append(_pair(t["vat_ue"], party["vat_ue"]))
    small = []
    if party["email"]:
        small.append(f"{t['email']}: {party['email']}")
    if party["phone"]:
        small.append(f"{t['phone']}: {party['phone']}")
    return {"label": label, "name": party["name"], "address": list(party["address"]), "ids": rows, "small": small}


def _parties(c: Json) -> list[Json]:
    t = c["t"]
    out = [_party(label, party, t) for label, party in
           ((t["seller"], c["seller"]), (t["buyer"], c["buyer"]), (t["recipient"], c["recipient"])) if party]
    if not c["buyer"] and not c["is_receipt"]:
        out.append({"label": t["buyer"], "name": "", "address": [t["no_buyer"]], "ids": [], "small": []})
    return out


def _references(c: Json) -> Json | None:
    """The box under the parties: receipts of an FSd, the corrected document of a KFS/ZW, a PA's invoice."""
    t, kind = c["t"], c["kind"]
    if kind == "FSd" and c["receipts"]:
        items = [r.number + (f" {t['of_date']} {_date(r.issue_date)}" if r.issue_date else "") for r in c["receipts"]]
        return {"title": t["receipts"], "inline": "; ".join(items), "rows": []}
    if kind in ("KFS", "ZW") and (c["corrected"] or c["correction_reason"]):
        rows = []
        title = ""
        corrected = c["corrected"]
        if corrected:
            title = t["corrected_receipt"] if kind == "ZW" else t["corrected_document"]
            rows.append(_pair(t["corrected_number"], corrected.number))
            if corrected.issue_date:
                rows.append(_pair(t["corrected_date"], _date(corrected.issue_date)))
            if c["corrected_sale_date"] and kind == "KFS":
                rows.append(_pair(t["corrected_sale_date"], _date(c["corrected_sale_date"])))
            if corrected.ksef_number:
                rows.append(_pair(t["corrected_ksef"], corrected.ksef_number))
        if c["correction_reason"]:
            rows.append(_pair(t["correction_reason"], c["correction_reason"]))
        return {"title": title, "inline": "", "rows": rows}
    if kind == "PA" and c["receipt_invoice"]:
        inv = c["receipt_invoice"]
        text = inv.number + (f" {t['of_date']} {_date(inv.issue_date)}" if inv.issue_date else "")
        return {"title": t["receipt_invoice"], "inline": text, "rows": []}
    return None


def _lines(c: Json) -> Json:
    t, rate = c["t"], c["rate_label"]
    discount = c["show_discount"]
    head = [t["lp"], t["item"], t["quantity"], t["unit"]]
    head += [t["discount"], t["unit_net_after_discount"]] if discount else [t["unit_net"]]
    head += [t["net_value"], t["vat_rate"], t["vat_amount"], t["gross_value"]]
    rows = []
    for line in c["lines"]:
        row = [str(line.position), line.name, quantity(line.quantity), line.unit]
        if discount:
            row.append(f"{quantity(line.discount_percent)}%" if line.discount_percent else "")
        row += [price(line.unit_net), amount(line.net), rate(line.vat_symbol), amount(line.vat), amount(line.gross)]
        rows.append({"cells": row, "note": f"{t['pkwiu']}: {line.pkwiu}" if line.pkwiu else ""})
    return {"head": head, "rows": rows, "discount": discount}


def _correction_rows(c: Json) -> Json:
    t, rate = c["t"], c["rate_label"]
    head = [t["lp"], t["item"], "", t["quantity"], t["unit"], t["unit_net"], t["net_value"], t["vat_rate"],
            t["vat_amount"], t["gross_value"]]
    groups = []
    for row in c["correction_rows"]:
        sides = []
        for side in ("before", "after"):
            line = row[side]
            if line is not None:
                cells = [quantity(line.quantity), line.unit, price(line.unit_net), amount(line.net),
                         rate(line.vat_symbol), amount(line.vat), amount(line.gross)]
            else:
                cells = ["0", "", "", amount(Decimal(0)), "", amount(Decimal(0)), amount(Decimal(0))]
            sides.append({"label": t[side], "cells": cells})
        d = row["diff"]
        sides.append({"label": t["difference"], "cells": [quantity(d["quantity"]), row["unit"], "", amount(d["net"]),
                                                          rate(row["vat_symbol"]), amount(d["vat"]),
                                                          amount(d["gross"])]})
        groups.append({"position": str(row["position"]), "name": row["name"], "sides": sides})
    return {"title": t["correction_lines"], "head": head, "groups": groups}


def _payment(c: Json) -> list[Json]:
    t, payment, currency = c["t"], c["payment"], c["currency"]
    out = []
    if c["payment_form"]:
        out.append(_pair(t["payment_form"], c["payment_form"]))
    if payment.due_date and c["amount_due"]:
        out.append(_pair(t["due_date"], _date(payment.due_date)))
    if c["paid_parts"]:
        parts = [f"{p['form']} {money(p['amount'], currency)}" for p in c["paid_parts"] if p["form"]]
        value = money(payment.paid, currency)
        out.append({**_pair(t["paid"], value), "after": f" ({', '.join(parts)})" if parts else ""})
        out.append(_pair(t["to_pay"], money(c["amount_due"], currency)))
    seller = c["seller"]
    account = payment.bank_account or (seller["bank_account"] if seller else "")
    if account and not c["is_receipt"] and c["amount_due"]:
        bank = f" ({seller['bank_name']})" if seller and seller["bank_name"] else ""
        out.append({**_pair(t["bank_account"], account), "nowrap": True, "after": bank})
        if c["swift"]:
            out.append(_pair(t["swift"], c["swift"]))
    return out


def _annotations(c: Json) -> Json:
    t = c["t"]
    notes = list(c["annotations"])
    plain = []
    if c["has_exempt_lines"] and c["exemption"]:
        plain.append(f"{t['exemption']}: {c['exemption']}")
    if c["supply_kind"]:
        plain.append(t[c["supply_kind"] + "_note"])
    return {"bold": notes, "plain": plain}


def _vat(c: Json) -> Json:
    t, rate, ex, totals = c["t"], c["rate_label"], c["exchange"], c["totals"]
    head = [t["rate"], t["net"], t["vat"], t["gross"]] + ([t["vat_pln"]] if ex else [])
    rows = []
    for i, row in enumerate(c["vat_rows"]):
        cells = [rate(row.vat_symbol), amount(row.net), amount(row.vat), amount(row.gross)]
        if ex:
            cells.append(amount(ex["rows"][i]["vat_pln"]))
        rows.append(cells)
    total = [t["total"], amount(totals.net), amount(totals.vat), amount(totals.gross)]
    if ex:
        total.append(amount(ex["vat_pln_total"]))
    return {"title": t["correction_vat"] if c["is_correction"] else "", "head": head, "rows": rows, "total": total}


def _totals(c: Json) -> Json:
    t, totals, currency, ex = c["t"], c["totals"], c["currency"], c["exchange"]
    rows = [_pair(t["total_net"], money(totals.net, currency)), _pair(t["total_vat"], money(totals.vat, currency)),
            _pair(t["total_gross"], money(totals.gross, currency))]
    if ex:
        rows.append(_pair(t["vat_in_pln"], money(ex["vat_pln_total"], "PLN")))
    return {"rows": rows, "due": f"{c['amount_due_label']}: {money(c['amount_due'], currency)}",
            "words": f"{t['in_words']}: {c['amount_in_words']}"}


def _currency(c: Json) -> Json | None:
    ex, t = c["exchange"], c["t"]
    if not ex:
        return None
    rate = ""
    if ex["rate"]:
        rate = t["exchange_rate_text"].format(currency=c["currency"], rate=formatting.exchange_rate(ex["rate"]))
    tail = ""
    if ex["rate"]:
        tail = (f", {t['exchange_table']} {ex['table']}" if ex["table"] else "") + (
            f" {t['of_date']} {_date(ex['date'])}" if ex["date"] else "") + "."
    return {"currency": _pair(t["currency"], c["currency"]), "rate": _pair(t["exchange_rate"], rate) if rate else None,
            "rate_tail": tail, "vat_pln": _pair(t["vat_in_pln"], money(ex["vat_pln_total"], "PLN"))}


def _ksef(c: Json, qr: dict[str, str]) -> Json | None:
    ksef, t = c["ksef"], c["t"]
    if not ksef["show"]:
        return None
    note = t["ksef_online_pending_note"] if ksef["sent_online"] else (t["ksef_offline_note"] if ksef["offline"]
                                                                       else "")
    url = ksef["url"] or ""
    cut = url.find("/invoice/") + len("/invoice/") if "/invoice/" in url else len(url)
    return {"url": url, "url_parts": [part for part in (url[:cut], url[cut:]) if part],
            "label": ksef["label"] or "", "check": t["ksef_check"], "note": note,
            "qr": qr.get("kod1", ""), "kod2_url": ksef["kod2_url"] or "", "kod2_qr": qr.get("kod2", ""),
            "kod2_label": "CERTYFIKAT", "kod2_note": t["ksef_certificate"]}


def document_data(c: Json, qr: dict[str, str]) -> Json:
    """The JSON the typst template prints, from the html_pdf context ``c``; ``qr`` holds the SVG of each QR code
    (``kod1``, ``kod2``) drawn from its matrix."""
    t, doc = c["t"], c["doc"]
    return {
        "lang": c["lang"], "kind": c["kind"], "number": c["number"], "is_correction": c["is_correction"],
        "page": {"of": t["page_of"], "of_total": t["page_of_total"]},
        "meta": {"title": f"{c['title']} {c['number']}", "author": c["seller"]["name"] if c["seller"] else ""},
        "header": _header(c), "parties": _parties(c), "references": _references(c),
        "lines": None if c["is_correction"] else _lines(c),
        "correction": _correction_rows(c) if c["is_correction"] else None,
        "payment": _payment(c), "annotations": _annotations(c), "vat": _vat(c), "totals": _totals(c),
        "currency": _currency(c),
        "remarks": _pair(t["remarks"], doc.remarks) if doc.remarks else None,
        "issued_by": f"{t['issued_by']}: {doc.issued_by}" if doc.issued_by else "",
        "ksef": _ksef(c, qr),
    }
