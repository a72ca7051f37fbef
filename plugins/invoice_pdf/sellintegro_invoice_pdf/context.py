"""The template context: everything a template may use, built from one SalesDocument.

The variables are documented in docs/templates.md; built-in and user templates get the same context.
Amounts stay ``Decimal`` (format them with the ``amount``/``money`` filters); prepared values (titles,
party addresses, correction rows, amount in words, KSeF data with the QR code) are ready to print.
"""

from __future__ import annotations

from dataclasses import asdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sellintegro_core.api import DocumentError, DocumentLine, Party, SalesDocument, VatRow

from . import formatting
from .ksef import KsefMark, nip_checksum_ok
from .labels import COUNTRIES_EN, PAYMENT_FORMS_EN

CENT = Decimal("0.01")
RECEIPT_KINDS = ("PA", "ZW")


def _q(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def party_view(party: Party | None, t: dict[str, str]) -> dict[str, Any] | None:
    """A party ready to print: ``name``, ``address`` (list of lines), ``tax_id`` and its label, contacts."""
    if party is None:
        return None
    address = [line for line in (party.street, " ".join(x for x in (party.postcode, party.city) if x)) if line]
    country = party.country
    if t.get("lang") == "en":
        country = COUNTRIES_EN.get(party.country_code.upper(), country)
    if party.is_foreign and country:
        address.append(country)
    tax_id, tax_label = "", t["nip"]
    raw = (party.nip or "").strip()
    if raw:
        digits = raw.replace("-", "").replace(" ", "")
        if digits[:2].upper() == "PL":
            digits = digits[2:]
        if not party.is_foreign and digits.isdigit() and len(digits) == 10:
            tax_id = digits
        else:
            tax_id, tax_label = raw, (t["vat_id"] if party.is_foreign else t["tax_id"])
    return {
        "name": party.name, "address": address, "street": party.street, "postcode": party.postcode,
        "city": party.city, "country": country, "country_code": party.country_code,
        "tax_id": tax_id, "tax_id_label": tax_label, "nip_valid": nip_checksum_ok(tax_id),
        "email": party.email or "", "phone": party.phone or "", "bank_account": party.bank_account or "",
        "bank_name": party.bank_name or "", "is_company": party.is_company, "is_foreign": party.is_foreign,
        "vat_ue": "",
    }


def correction_rows(lines: list[DocumentLine]) -> list[dict[str, Any]]:
    """Pair ``before``/``after`` lines by position; each row has ``before``, ``after`` and ``diff``."""
    rows: dict[int, dict[str, Any]] = {}
    for line in lines:
        row = rows.setdefault(line.position, {"position": line.position, "name": line.name, "before": None,
                                              "after": None})
        side = line.correction_side or "after"
        row[side] = line
        if side == "after":
            row["name"] = line.name
    out = []
    for position in sorted(rows):
        row = rows[position]
        before, after = row["before"], row["after"]
        zero = Decimal("0")

        def val(line: DocumentLine | None, attr: str, _zero: Decimal = zero) -> Decimal:
            return getattr(line, attr) if line is not None else _zero

        row["diff"] = {attr: val(after, attr) - val(before, attr) for attr in ("quantity", "net", "vat", "gross")}
        ref = after or before
        row["unit"] = ref.unit
        row["vat_symbol"] = ref.vat_symbol
        out.append(row)
    return out


def vat_rows_of(document: SalesDocument) -> list[VatRow]:
    """The document's VAT table, or one built from its lines when the source gave none."""
    if document.vat_table:
        return list(document.vat_table)
    sums: dict[str, list[Decimal]] = {}
    rates: dict[str, Decimal | None] = {}
    for line in document.lines:
        sign = -1 if line.correction_side == "before" else 1
        acc = sums.setdefault(line.vat_symbol, [Decimal("0")] * 3)
        acc[0] += sign * line.net
        acc[1] += sign * line.vat
        acc[2] += sign * line.gross
        rates[line.vat_symbol] = line.vat_rate
    return [VatRow(vat_symbol=s, vat_rate=rates[s], net=v[0], vat=v[1], gross=v[2]) for s, v in sums.items()]


def _exchange(document: SalesDocument, rows: list[VatRow]) -> dict[str, Any] | None:
    if (document.currency or "PLN").upper() == "PLN":
        return None
    rate = document.exchange_rate
    pln_rows: list[dict[str, Any]] = []
    for row in rows:
        vat_pln = row.vat_pln
        if vat_pln is None:
            if rate is None:
                raise DocumentError(
                    f"{document.number} is in {document.currency} but has neither an exchange rate nor VAT in PLN; "
                    f"a Polish invoice must show the VAT in złoty (art. 106e ust. 11) — set the rate in Subiekt",
                    code="exchange_rate_missing")
            vat_pln = _q(row.vat * rate)
        net_pln = row.net_pln if row.net_pln is not None else (_q(row.net * rate) if rate is not None else None)
        pln_rows.append({"vat_symbol": row.vat_symbol, "vat_rate": row.vat_rate, "net_pln": net_pln,
                         "vat_pln": vat_pln})
    return {
        "currency": document.currency.upper(), "rate": rate, "date": document.exchange_rate_date,
        "table": document.exchange_rate_table or "", "rows": pln_rows,
        "vat_pln_total": sum((r["vat_pln"] for r in pln_rows), Decimal("0")),
        "net_pln_total": (sum((r["net_pln"] for r in pln_rows), Decimal("0"))
                          if all(r["net_pln"] is not None for r in pln_rows) else None),
    }


def _title(document: SalesDocument, t: dict[str, str]) -> str:
    """The heading is always the document's kind in words; Subiekt's tytuł never replaces it."""
    if document.kind == "FS" and document.simplified:
        return t["title_FS_simplified"]
    return t[f"title_{document.kind}"]


def _subtitles(document: SalesDocument, print_title: bool) -> list[str]:
    """Tytuł and podtytuł under the heading, only with ``[renderer] print_title = true``."""
    if not print_title:
        return []
    return [value.strip()[:200] for value in (document.title, document.subtitle) if value and value.strip()]


def _amount_due(document: SalesDocument, t: dict[str, str]) -> tuple[str, Decimal]:
    """The bold amount: what is left to pay (0,00 when paid), the refund of a correction, a receipt's sum."""
    gross = document.totals.gross
    if document.kind == "PA":
        return t["total_receipt"], gross
    if document.kind == "ZW":
        return t["amount_refund_receipt"], abs(gross)
    if gross < 0:
        return t["amount_refund"], -gross
    to_pay = document.payment.to_pay
    if to_pay is not None:
        return t["amount_due"], min(max(to_pay, Decimal("0")), gross)
    return t["amount_due"], gross


def _paid_view(document: SalesDocument, t: dict[str, str]) -> list[dict[str, Any]]:
    """What was paid and how (card, cash, transfer, prepayment), translated."""
    if document.is_correction or document.kind == "PA":
        return []
    parts = [{"form": t.get(f"paid_{p.form}", p.form), "amount": p.amount} for p in document.payment.paid_parts]
    if not parts and document.payment.paid:
        parts = [{"form": "", "amount": document.payment.paid}]
    return parts


EU = frozenset("AT BE BG CY CZ DE DK EE EL ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK XI".split())


def supply_kind(document: SalesDocument) -> str:
    """``"wdt"`` (intra-EU supply to an EU business), ``"export"`` (buyer outside the EU) or ``""``."""
    buyer = document.buyer
    if buyer is None or not buyer.is_foreign:
        return ""
    if not any(line.vat_symbol.strip() in ("0", "0%") for line in document.lines):
        return ""
    if buyer.country_code.upper() in EU:
        return "wdt" if (buyer.nip or "").strip() else ""
    return "export"


def rate_labeller(document: SalesDocument, t: dict[str, str]) -> Any:
    """``rate_label(symbol)`` for templates: "23%", "0% WDT" / "0% eksport", "zw" ("exempt" in English)."""
    kind = supply_kind(document)

    def rate_label(symbol: Any) -> str:
        text = formatting.rate(symbol)
        key = str(symbol or "").strip().lower()
        if key in ("0", "0%") and kind:
            return f"{text} {t['rate_' + kind]}"
        return t.get(f"rate_{key}", text) if key in ("zw", "np", "oo") else text

    return rate_label


def _vat_ue(party: dict[str, Any] | None, document: SalesDocument) -> str:
    """The seller's VAT-UE number (PL + NIP) on an intra-EU supply."""
    if party is None or supply_kind(document) != "wdt" or not party["tax_id"].isdigit():
        return ""
    return "PL" + party["tax_id"]


def _annotations(document: SalesDocument, t: dict[str, str]) -> list[str]:
    out = []
    if document.cash_accounting:
        out.append(t["cash_accounting"])
    if document.extra.get("self_billing"):
        out.append(t["self_billing"])
    if document.reverse_charge or any(line.vat_symbol.strip().lower() == "oo" for line in document.lines):
        out.append(t["reverse_charge"])
    if document.split_payment:
        out.append(t["split_payment"])
    if document.margin_scheme:
        out.append(str(document.extra.get("margin_scheme_text") or t["margin_scheme"]))
    return out


def ksef_view(mark: KsefMark, *, slots: bool = False) -> dict[str, Any]:
    """KSeF data for templates.

    ``qr_svg``/``kod2_svg`` print the codes as inline vector SVG (made only when a template prints them);
    with ``slots`` the built-in templates instead leave boxes with the ids ``slot``/``kod2_slot`` that the
    renderer fills with the same symbols as PDF vector rectangles (faster).
    """
    from .qr import SLOT_KOD1, SLOT_KOD2, LazySvg

    view = asdict(mark)
    view["qr_svg"] = LazySvg(mark.url if mark.show else None)
    view["kod2_svg"] = LazySvg(mark.kod2_url if mark.show else None)
    view["slot"] = SLOT_KOD1 if slots and mark.show and mark.url else ""
    view["kod2_slot"] = SLOT_KOD2 if slots and mark.show and mark.kod2_url else ""
    return view


def build_context(document: SalesDocument, *, mark: KsefMark, t: dict[str, str],
                  qr_slots: bool = False, print_title: bool = False) -> dict[str, Any]:
    """All template variables for ``document`` (see docs/templates.md for the list)."""
    lang = t.get("lang", "pl")
    rows = vat_rows_of(document)
    is_correction = document.kind in ("KFS", "ZW")
    due_label, due = _amount_due(document, t)
    payment_form = document.payment.form
    if lang == "en":
        payment_form = ", ".join(PAYMENT_FORMS_EN.get(p.strip().lower(), p.strip())
                                 for p in payment_form.split(",") if p.strip())
    seller = party_view(document.seller, t)
    if seller is not None:
        seller["vat_ue"] = _vat_ue(seller, document)
    zw_rows = any(r.vat_symbol.lower() == "zw" for r in rows) or any(
        line.vat_symbol.lower() == "zw" for line in document.lines)
    return {
        "doc": document,
        "lang": lang,
        "t": t,
        "kind": document.kind,
        "title": _title(document, t),
        "subtitles": _subtitles(document, print_title),
        "rate_label": rate_labeller(document, t),
        "supply_kind": supply_kind(document),
        "paid_parts": _paid_view(document, t),
        "swift": (document.seller.bank_swift or "") if (document.currency or "PLN").upper() != "PLN" else "",
        "number": document.number,
        "is_correction": is_correction,
        "is_receipt": document.kind in RECEIPT_KINDS,
        "non_fiscal": document.kind in RECEIPT_KINDS,
        "seller": seller,
        "buyer": party_view(document.buyer, t),
        "recipient": party_view(document.recipient, t),
        "lines": [line for line in document.lines if line.correction_side is None] if not is_correction
        else list(document.lines),
        "correction_rows": correction_rows(document.lines) if is_correction else [],
        "show_discount": any(line.discount_percent for line in document.lines),
        "vat_rows": rows,
        "totals": document.totals,
        "currency": (document.currency or "PLN").upper(),
        "currency_label": formatting.currency_label(document.currency),
        "foreign_currency": (document.currency or "PLN").upper() != "PLN",
        "exchange": _exchange(document, rows),
        "amount_due_label": due_label,
        "amount_due": due,
        "amount_in_words": formatting.words(due, document.currency or "PLN", lang),
        "corrected_sale_date": document.corrected.sale_date if document.corrected else None,
        "payment": document.payment,
        "payment_form": payment_form,
        "annotations": _annotations(document, t),
        "exemption": document.vat_exemption_reason or "",
        "has_exempt_lines": zw_rows,
        "corrected": document.corrected,
        "correction_reason": document.correction_reason,
        "receipts": list(document.receipts),
        "receipt_invoice": document.invoice,
        "order_number": document.order_ref.value if document.order_ref else "",
        "ksef": ksef_view(mark, slots=qr_slots),
    }
