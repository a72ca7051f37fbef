"""Mapping Subiekt GT rows (one page of headers and their batch-loaded details) to :class:`SalesDocument`.

:class:`DocumentMapper` is the half of the ``subiekt_gt`` source that only converts: the queries live in
``reader.py``. A ZW (return to a receipt) is printed as a correction of the receipt: each returned line
becomes a before/after pair (the receipt's line, and what is left of it), and its totals and VAT table,
stored positive by Subiekt, become negative differences.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, cast
from zoneinfo import ZoneInfo

from sellintegro_core.api import (
    DocumentKind,
    DocumentLine,
    DocumentRef,
    KsefInfo,
    KsefState,
    PaidPart,
    Party,
    Payment,
    SalesDocument,
    Totals,
    VatRow,
)

from .convert import Row, as_date, as_datetime, dec, dec0, flag, kind_of, text

NOT_NUMERIC_RATES = ("zw", "np", "oo", "nd")
KSEF_STATUS = {0: "brak", 1: "do wysłania", 2: "e-faktura wygenerowana", 3: "w trakcie wysyłania",
               4: "przetwarzana w KSeF", 5: "zarejestrowano w KSeF", 6: "odrzucono w KSeF",
               7: "nie spełnia wymagań KSeF", 8: "błąd komunikacji z KSeF"}
ZERO = Decimal("0.0000")


@dataclass
class Page:
    """Everything batch-loaded for one page of headers (keyed by Subiekt ids)."""

    lines: dict[int, list[Row]] = field(default_factory=dict)          # dok_Id -> line rows
    vat: dict[int, list[Row]] = field(default_factory=dict)            # dok_Id -> dok_Vat rows
    related: dict[int, Row] = field(default_factory=dict)              # dok_Id -> header (page + linked)
    receipts: dict[int, list[int]] = field(default_factory=dict)       # FSd id -> PA ids
    invoices: dict[int, list[int]] = field(default_factory=dict)       # PA id -> FSd ids
    snapshots: dict[int, Row] = field(default_factory=dict)            # adrh_Id -> address
    customers: dict[int, Row] = field(default_factory=dict)            # kh_Id -> customer
    current: dict[int, Row] = field(default_factory=dict)              # kh_Id -> current address
    banks: dict[int, Row] = field(default_factory=dict)                # rb_Id -> bank account
    prints: dict[int, Row] = field(default_factory=dict)               # dok_Id -> KSeF print data
    corrected_lines: dict[int, Row] = field(default_factory=dict)      # ob_Id -> line a ZW returns from


class DocumentMapper:
    """Row -> model conversion; the source supplies ``tz``, ``matcher``, ``payment_forms()``, ``exemptions()``."""

    tz: ZoneInfo
    matcher: Any

    def payment_forms(self) -> dict[int, str]:  # pragma: no cover - provided by the source
        raise NotImplementedError

    def exemptions(self) -> dict[int, str]:  # pragma: no cover - provided by the source
        raise NotImplementedError

    def _aware(self, value: Any) -> datetime | None:
        moment = as_datetime(value)
        if moment is None:
            return None
        return moment.replace(tzinfo=self.tz) if moment.tzinfo is None else moment.astimezone(self.tz)

    @staticmethod
    def _party(row: Row, *, company: bool | None = None, customer: Row | None = None) -> Party:
        street = text(row.get("a_Adres"))
        if not street:
            street = " ".join(p for p in (text(row.get("a_Ulica")), text(row.get("a_NrDomu"))) if p)
            if text(row.get("a_NrLokalu")):
                street += "/" + text(row.get("a_NrLokalu"))
        nip = text(row.get("a_NIP")) or None
        if company is None:
            person = customer.get("kh_Osoba") if customer else None
            company = bool(nip) if person is None else not flag(person)
        return Party(name=text(row.get("a_NazwaPelna")) or text(row.get("a_Nazwa")), nip=nip, street=street,
                     postcode=text(row.get("a_Kod")), city=text(row.get("a_Miejscowosc")),
                     country=text(row.get("a_Panstwo")), country_code=(text(row.get("a_KodPanstwa")) or "PL").upper(),
                     is_company=company, email=text(customer.get("kh_EMail")) or None if customer else None,
                     phone=text(row.get("a_Telefon")) or None)

    def _buyer(self, header: Row, snapshots: dict[int, Row], customers: dict[int, Row],
               current: dict[int, Row]) -> Party | None:
        kh = header.get("dok_PlatnikId")
        customer = customers.get(kh) if kh else None
        row = snapshots.get(header.get("dok_PlatnikAdreshId") or 0) or (current.get(kh) if kh else None)
        if row is not None:
            party = self._party(row, customer=customer)
            if not party.nip and text(header.get("dok_NrIdentNabywcy")):
                party = party.model_copy(update={"nip": text(header.get("dok_NrIdentNabywcy"))})
            return party
        if text(header.get("dok_NrIdentNabywcy")):      # receipt with the buyer's NIP only
            return Party(nip=text(header.get("dok_NrIdentNabywcy")), is_company=True)
        return None

    @staticmethod
    def _line(r: Row, position: int, side: str | None) -> DocumentLine:
        symbol = text(r.get("vat_Symbol"))
        rate = dec(r.get("ob_VatProc"))
        if not symbol:
            symbol = f"{rate.normalize():f}" if rate is not None else ""
        numeric = symbol.lower() not in NOT_NUMERIC_RATES
        gtu = r.get("ob_OznaczenieGTU")
        name = text(r.get("tw_Nazwa")) or text(r.get("ob_Opis")) or "(pozycja bez nazwy)"
        return DocumentLine(
            position=position, name=name, symbol=text(r.get("tw_Symbol")),
            unit=text(r.get("ob_Jm")) or text(r.get("tw_JednMiary")) or "szt.",
            quantity=dec0(r.get("ob_Ilosc")), unit_net=dec0(r.get("ob_CenaNetto")),
            unit_gross=dec0(r.get("ob_CenaBrutto")), discount_percent=dec0(r.get("ob_Rabat")),
            vat_symbol=symbol, vat_rate=rate if numeric else None, net=dec0(r.get("ob_WartNetto")),
            vat=dec0(r.get("ob_WartVat")), gross=dec0(r.get("ob_WartBrutto")),
            pkwiu=text(r.get("pkwiu")) or None, gtu=f"GTU_{int(gtu):02d}" if gtu else None,
            correction_side=side)  # type: ignore[arg-type]

    def _lines(self, rows: list[Row]) -> tuple[list[DocumentLine], str]:
        paired = any((r.get("ob_Znak") or 1) < 0 for r in rows)
        out, reason = [], ""
        for i, r in enumerate(rows):
            side = None
            if paired:
                side = "before" if (r.get("ob_Znak") or 1) < 0 else "after"
            out.append(self._line(r, int(r.get("ob_DokHanLp") or i + 1), side))
            reason = reason or text(r.get("pkr_Nazwa"))
        return out, reason

    def _return_lines(self, rows: list[Row], sold: dict[int, Row]) -> tuple[list[DocumentLine], str]:
        """ZW: each returned line -> (the receipt's line, what is left of it). Without the receipt's line the
        pair is (the returned quantity, nothing left), so the difference is still the return, negative."""
        out, reason = [], ""
        for i, r in enumerate(rows):
            position = int(r.get("ob_DokHanLp") or i + 1)
            returned = self._line(r, position, "after")
            original = sold.get(r.get("ob_DoId") or 0)
            before = self._line(original, position, "before") if original is not None else None
            if before is None:
                before = returned.model_copy(update={"correction_side": "before"})
                left = {"quantity": ZERO, "net": ZERO, "vat": ZERO, "gross": ZERO}
            else:
                left = {attr: getattr(before, attr) - abs(getattr(returned, attr))
                        for attr in ("quantity", "net", "vat", "gross")}
            out += [before, returned.model_copy(update=left)]
            reason = reason or text(r.get("pkr_Nazwa"))
        return out, reason

    @staticmethod
    def _vat(rows: list[Row], foreign: bool) -> list[VatRow]:
        out = []
        for r in rows:
            rate = dec(r.get("vt_VatProc"))
            symbol = text(r.get("vat_Symbol")) or (f"{rate.normalize():f}" if rate is not None else "")
            numeric = symbol.lower() not in NOT_NUMERIC_RATES
            in_currency = foreign and r.get("vt_WartNettoWaluta") is not None
            if in_currency:
                out.append(VatRow(vat_symbol=symbol, vat_rate=rate if numeric else None,
                                  net=dec0(r.get("vt_WartNettoWaluta")), vat=dec0(r.get("vt_WartVatWaluta")),
                                  gross=dec0(r.get("vt_WartBruttoWaluta")), net_pln=dec0(r.get("vt_WartNetto")),
                                  vat_pln=dec0(r.get("vt_WartVat")), gross_pln=dec0(r.get("vt_WartBrutto"))))
            else:
                out.append(VatRow(vat_symbol=symbol, vat_rate=rate if numeric else None,
                                  net=dec0(r.get("vt_WartNetto")), vat=dec0(r.get("vt_WartVat")),
                                  gross=dec0(r.get("vt_WartBrutto"))))
        return out

    def _payment(self, h: Row, gross: Decimal, bank: Row | None) -> Payment:
        """Forms, what is paid and how (card and cash at once, the rest of the paid amount in advance by
        transfer), and what is left (``dok_KwDoZaplaty``)."""
        forms = self.payment_forms()
        parts = []
        for amount, form_id, default in ((h.get("dok_KwPrzelew"), h.get("dok_PlatId"), "przelew"),
                                         (h.get("dok_KwGotowka"), None, "gotówka"),
                                         (h.get("dok_KwKarta"), h.get("dok_KartaId"), "karta"),
                                         (h.get("dok_KwKredyt"), h.get("dok_KredytId"), "pobranie")):
            if (dec(amount) or 0) != 0:
                name = forms.get(form_id) if form_id is not None else None
                if name not in parts:
                    parts.append(name or default)
        to_pay = dec(h.get("dok_KwDoZaplaty"))
        paid = max(gross - to_pay, ZERO) if to_pay is not None and gross > 0 else ZERO
        paid_parts: list[PaidPart] = []
        left = paid
        for column, how in (("dok_KwKarta", "karta"), ("dok_KwGotowka", "gotówka")):
            part = min(abs(dec0(h.get(column))), left)
            if part > 0:
                paid_parts.append(PaidPart(form=how, amount=part))
                left -= part
        if left > 0:
            paid_parts.append(PaidPart(form="przedpłata", amount=left))
        return Payment(form=", ".join(p for p in parts if p), due_date=as_date(h.get("dok_PlatTermin")),
                       paid=paid, to_pay=to_pay, paid_parts=paid_parts,
                       bank_account=text(bank.get("rb_Numer")) or None if bank else None)

    def _ksef(self, h: Row, kind: str) -> KsefInfo:
        number = text(h.get("numer_ksef")) or None
        status = h.get("dok_StatusKSeF")
        status_text = f"{status} {KSEF_STATUS.get(status, '')}".strip() if status is not None else None
        form = h.get("dok_FormaDokumentowania") or 0
        error = text(h.get("dok_BladKSeF"))
        if error and status in (6, 7, 8):
            status_text = f"{status_text}: {error[:200]}"
        state: KsefState
        if kind in ("PA", "ZW"):
            state = "not_in_ksef"
        elif number:
            state = "numbered"
        elif form in (2, 3):
            state = "offline_pending"
        elif form == 1 or (status or 0) > 0 or flag(h.get("dok_CzekaNaKSeF")):
            state = "online_pending"
        else:
            state = "not_in_ksef"
        return KsefInfo(state=state, number=number, hash=text(h.get("hash_ksef")) or None, status=status_text,
                        issued_at=self._aware(h.get("data_numeru_ksef")),
                        sent_at=self._aware(h.get("dok_DataWystawieniaKSeF")))

    def _ref(self, row: Row, *, ksef_number: str | None = None) -> DocumentRef:
        """The link to the document in ``row``; ``ksef_number`` (e.g. as the correction names it) wins."""
        return DocumentRef(id=str(row["dok_Id"]), kind=kind_of(row) or "", number=text(row.get("dok_NrPelny")),
                           issue_date=as_date(row.get("dok_DataWyst")),
                           sale_date=as_date(row.get("dok_DataZakonczenia")) or as_date(row.get("dok_DataWyst")),
                           ksef_number=ksef_number or text(row.get("numer_ksef")) or None)

    def _exemption(self, h: Row, lines: list[DocumentLine]) -> str | None:
        """The legal basis of a VAT exemption (``dok_IdPrzyczynyZwolnieniaZVAT`` → ``sl_ZwolnienieZVAT``)."""
        reason_id = h.get("dok_IdPrzyczynyZwolnieniaZVAT")
        if not reason_id:
            return None
        return self.exemptions().get(int(reason_id)) or None

    def _document(self, h: Row, *, seller: Party, page: Page) -> SalesDocument:
        kind = cast(DocumentKind, kind_of(h) or "FS")
        currency = text(h.get("dok_Waluta")).upper() or "PLN"
        foreign = currency != "PLN"
        issue = as_datetime(h["dok_DataWyst"])
        assert issue is not None
        rows = page.lines.get(h["dok_Id"], [])
        if kind == "ZW" and not any((r.get("ob_Znak") or 1) < 0 for r in rows):
            doc_lines, reason = self._return_lines(rows, page.corrected_lines)
        else:
            doc_lines, reason = self._lines(rows)
        bank = page.banks.get(h.get("dok_NrRachunkuBankowegoPdm") or 0)
        if bank:
            seller = seller.model_copy(update={"bank_account": text(bank.get("rb_Numer")) or None,
                                               "bank_name": text(bank.get("rb_Bank")) or None,
                                               "bank_swift": text(bank.get("rb_SWIFT")) or None})
        totals = Totals(net=dec0(h.get("dok_WartNetto")), vat=dec0(h.get("dok_WartVat")),
                        gross=dec0(h.get("dok_WartBrutto")))
        vat_table = self._vat(page.vat.get(h["dok_Id"], []), foreign)
        if kind == "ZW":      # Subiekt stores a return's amounts positive: on the correction they are negative
            totals = Totals(net=-abs(totals.net), vat=-abs(totals.vat), gross=-abs(totals.gross))
            vat_table = [row.model_copy(update={k: -abs(v) for k, v in row.model_dump().items()
                                                if isinstance(v, Decimal) and k != "vat_rate"})
                         for row in vat_table]
        buyer = self._buyer(h, page.snapshots, page.customers, page.current)
        recipient = None
        rec_id = h.get("dok_OdbiorcaAdreshId")
        if rec_id and rec_id != h.get("dok_PlatnikAdreshId") and rec_id in page.snapshots:
            recipient = self._party(page.snapshots[rec_id],
                                    customer=page.customers.get(h.get("dok_OdbiorcaId") or 0))
        corrected = None
        if kind in ("KFS", "ZW"):
            parent = page.related.get(h.get("dok_DoDokId") or 0)
            if parent is not None:
                corrected = self._ref(parent, ksef_number=text(h.get("numer_ksef_korygowanej")) or None)
            elif text(h.get("dok_DoDokNrPelny")):
                corrected = DocumentRef(id=str(h.get("dok_DoDokId") or ""), kind="FS" if kind == "KFS" else "PA",
                                        number=text(h.get("dok_DoDokNrPelny")),
                                        issue_date=as_date(h.get("dok_DoDokDataWyst")),
                                        ksef_number=text(h.get("numer_ksef_korygowanej")) or None)
        related = page.related
        receipt_refs = [self._ref(related[i]) for i in page.receipts.get(h["dok_Id"], []) if i in related]
        invoice = next((self._ref(related[i]) for i in page.invoices.get(h["dok_Id"], [])
                        if i in related and related[i].get("dok_Status") != 2), None)
        order_ref, match = self.matcher.match(h, related, page.receipts)
        extra: dict[str, Any] = {"subiekt": {"dok_Typ": h.get("dok_Typ"), "dok_Podtyp": h.get("dok_Podtyp") or 0,
                                             "dok_Status": h.get("dok_Status")}}
        printed = page.prints.get(h["dok_Id"])
        if printed and kind not in ("PA", "ZW"):
            if text(printed.get("wydk_link")):
                extra["ksef_kod1_url"] = text(printed.get("wydk_link"))
            if text(printed.get("wydk_linkCert")):
                extra["ksef_kod2_url"] = text(printed.get("wydk_linkCert"))
        sale = issue.date() if kind in ("PA", "ZW") else (as_date(h.get("dok_DataZakonczenia")) or issue.date())
        rate = dec(h.get("dok_WalutaKurs")) if foreign else None
        return SalesDocument(
            id=str(h["dok_Id"]), kind=kind, number=text(h.get("dok_NrPelny")), issue_date=issue.date(),
            issued_at=self._aware(h.get("dok_DataWystawieniaKSeF")) or self._aware(issue), sale_date=sale,
            place_of_issue=text(h.get("dok_MscWyst")), issued_by=text(h.get("dok_Wystawil")), seller=seller,
            buyer=buyer, recipient=recipient, lines=doc_lines, vat_table=vat_table, totals=totals,
            currency=currency, exchange_rate=rate,
            exchange_rate_date=as_date(h.get("dok_WalutaDataKursu")) if foreign else None,
            payment=self._payment(h, abs(totals.gross), bank), remarks=text(h.get("dok_Uwagi")),
            title=text(h.get("dok_Tytul")), subtitle=text(h.get("dok_Podtytul")),
            original_number=text(h.get("dok_NrPelnyOryg")), order_ref=order_ref, match=match, corrected=corrected,
            correction_reason=reason, receipts=receipt_refs, invoice=invoice, ksef=self._ksef(h, kind),
            split_payment=flag(h.get("dok_MechanizmPodzielonejPlatnosci")),
            simplified=flag(h.get("dok_FakturaUproszczona")), cash_accounting=flag(h.get("dok_MetodaKasowa")),
            margin_scheme=flag(h.get("dok_VatMarza")) or bool(h.get("dok_ProceduraMarzy")),
            reverse_charge=flag(h.get("dok_VatRozliczanyPrzezUslugobiorce")),
            vat_exemption_reason=self._exemption(h, doc_lines), extra=extra)
