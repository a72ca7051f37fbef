"""Issue 13: the cases a shop meets, each read back from the real PDF (pypdf text, pdfplumber word boxes,
zbarimg for QR codes) — never from the HTML."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest

from sellintegro_core.models import KsefInfo, PaidPart, Party, Payment, SalesDocument, updated

from .conftest import (
    SELLER_NIP,
    V6_HEX,
    buyer_company,
    make_eur,
    make_fs,
    make_fsd,
    make_kfs,
    make_line,
    make_renderer,
    make_zw,
    pdf_lines,
    pdf_text,
    totals_of,
    vat_table,
)


def flat(pdf: bytes) -> str:
    return " ".join(pdf_text(pdf).split())


def words_of(pdf: bytes) -> list[list[dict]]:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [page.extract_words(keep_blank_chars=False, use_text_flow=False) for page in doc.pages]


# ------------------------------------------------------------------ 1. a ZW is a correction, with signs


def test_receipt_return_prints_before_after_and_negative_difference(renderer) -> None:
    zw = make_zw()      # 1 of 2 mugs returned, 24,39 net each
    lines = pdf_lines(renderer.render(zw))
    text = " ".join(" ".join(lines).split())
    assert "przed korektą 2 szt. 24,39 48,78" in text
    assert "po korekcie 1 szt. 24,39 24,39" in text
    assert "różnica -1 szt. -24,39 23% -5,61 -30,00" in text
    assert "23% -24,39 -5,61 -30,00" in text            # VAT table row: negative
    assert "Kwota zwrotu: 30,00 zł" in text                # the refund itself is stated as an amount


# ------------------------------------------------------------------ 3. the heading is the kind, never tytuł


@pytest.mark.parametrize("factory, heading, english", [
    (make_fs, "Faktura VAT", "VAT invoice"), (make_kfs, "Faktura korygująca", "Corrective invoice"),
    (make_fsd, "Faktura do paragonu", "Invoice for a receipt"), (make_zw, "Korekta paragonu", "Receipt correction"),
])
def test_heading_is_the_kind_even_with_a_title_in_subiekt(renderer, renderer_name, factory, heading, english) -> None:
    doc = factory()
    doc = updated(doc, {"title": "B_7111315", "subtitle": "Zamówienie sklepu"})
    for template, expected in (("pl", heading), ("en", english)):
        text = pdf_text(renderer.render(doc, template))
        assert text.splitlines()[0].strip() == expected
        assert "B_7111315" not in text and "Zamówienie sklepu" not in text
    shown = pdf_text(make_renderer(renderer_name, print_title=True).render(doc)).splitlines()
    assert shown[0].strip() == heading and "B_7111315" in shown[1]


# ------------------------------------------------------------------ 4. paid documents do not ask again


def test_card_paid_invoice_says_paid_and_zero_due(renderer) -> None:
    doc = make_fsd()
    gross = doc.totals.gross
    doc = updated(doc, {"payment": Payment(form="karta", paid=gross, to_pay=Decimal("0"),
                                           paid_parts=[PaidPart(form="karta", amount=gross)])})
    text = flat(renderer.render(doc))
    assert f"Zapłacono: {gross:.2f}".replace(".", ",") in text and "(karta" in text
    assert "Do zapłaty: 0,00 zł" in text and "Pozostało do zapłaty: 0,00 zł" in text
    assert "Słownie: zero złotych zero groszy" in text


def test_partly_prepaid_invoice_shows_what_is_left(renderer) -> None:
    doc = make_fs()
    gross = doc.totals.gross
    doc = updated(doc, {"payment": Payment(form="przelew", due_date=date(2026, 4, 29), paid=Decimal("100.00"),
                          to_pay=gross - Decimal("100.00"),
                          paid_parts=[PaidPart(form="przedpłata", amount=Decimal("100.00"))])})
    text = flat(renderer.render(doc))
    left = f"{gross - 100:,.2f}".replace(",", " ").replace(".", ",")
    assert "Zapłacono: 100,00 zł (przedpłata 100,00 zł)" in text
    assert f"Do zapłaty: {left} zł" in text and f"Pozostało do zapłaty: {left} zł" in text


# ------------------------------------------------------------------ 5. 7-9 digit amounts never collide


def _overlaps(pages: list[list[dict]]) -> list[tuple[str, str]]:
    bad = []
    for words in pages:
        for i, a in enumerate(words):
            for b in words[i + 1:]:
                if a["x0"] < b["x1"] - 0.5 and b["x0"] < a["x1"] - 0.5 and a["top"] < b["bottom"] - 0.5 \
                        and b["top"] < a["bottom"] - 0.5:
                    bad.append((a["text"], b["text"]))
    return bad


def _merged(pages: list[list[dict]]) -> list[str]:
    """Words in which two amounts ran together ("283 948,801 518 508,80" reads as "948,801")."""
    import re

    return [w["text"] for words in pages for w in words
            if w["text"].count(",") > 1 or re.search(r",\d{5,}", w["text"])]


@pytest.mark.parametrize("quantity, price, currency", [
    ("12", "98765.40", "PLN"), ("1200", "123456.78", "PLN"), ("8", "99999999.99", "PLN"),
    ("1200", "123456.78", "EUR"), ("8", "99999999.99", "EUR")])
def test_large_amounts_fit_their_columns(renderer, quantity: str, price: str,
                                         currency: str) -> None:
    from .conftest import buyer_foreign

    lines = [make_line(1, "Linia produkcyjna", quantity, price, "23"),
             make_line(2, "Montaż", "1", "1234567.89", "8")]
    foreign = currency != "PLN"
    doc = make_fs(lines=lines, ksef=False, buyer=buyer_foreign() if foreign else buyer_company(),
                  currency=currency, exchange_rate="4.2813" if foreign else None)
    doc = updated(doc, {"payment.to_pay": doc.totals.gross})
    for template in ("pl", "en"):
        pdf = renderer.render(doc, template)
        pages = words_of(pdf)
        assert _overlaps(pages) == [] and _merged(pages) == []
        gross = f"{doc.totals.gross:,.2f}".replace(",", " ").replace(".", ",")
        assert gross in flat(pdf)


def test_large_correction_amounts_fit(renderer) -> None:
    kfs = make_kfs()
    before = make_line(2, "Linia produkcyjna", "8", "99999999.99", "23", side="before")
    after = make_line(2, "Linia produkcyjna", "1", "99999999.99", "23", side="after")
    kfs = updated(kfs, {"lines": [before, after]})
    from sellintegro_core.models import VatRow

    net, vat = after.net - before.net, after.vat - before.vat
    kfs = updated(kfs, {"vat_table": [VatRow(vat_symbol="23", vat_rate=Decimal("23"), net=net, vat=vat,
                                             gross=net + vat)]})
    kfs = updated(kfs, {"totals": totals_of(kfs.vat_table)})
    pages = words_of(renderer.render(kfs))
    assert _overlaps(pages) == [] and _merged(pages) == []


# ------------------------------------------------------------------ 6. corrections: dates of both documents


def test_correction_shows_corrected_invoice_dates_and_not_its_own_delivery_date(renderer) -> None:
    kfs = make_kfs()
    kfs = updated(kfs, {"corrected.sale_date": date(2026, 4, 14)})
    text = flat(renderer.render(kfs))
    assert "Data wystawienia: 2026-04-20" in text
    assert "Numer dokumentu korygowanego: FS 12/2026" in text
    assert "Data wystawienia dokumentu korygowanego: 2026-04-15" in text
    assert "Data dostawy / wykonania usługi (faktura korygowana): 2026-04-14" in text
    assert f"Numer KSeF faktury korygowanej: {kfs.corrected.ksef_number}" in text
    assert "Przyczyna korekty: Zwrot towaru przez nabywcę" in text
    assert "Data dostawy / wykonania usługi: " not in text.replace("(faktura korygowana): ", "")


# ------------------------------------------------------------------ 7. WDT / export / reverse charge


def wdt(country: str = "DE", nip: str = "DE811907980") -> SalesDocument:
    lines = [make_line(1, "Młynek ręczny żarnowy", "10", "38.26", "0")]
    rows = vat_table(lines)
    doc = make_fs(lines=lines, ksef=False, buyer=Party(name="Müller Kaffeehandel GmbH", nip=nip,
                                                       street="Königstraße 28", postcode="70173",
                                                       city="Stuttgart", country="Niemcy", country_code=country,
                                                       is_company=True))
    doc = updated(doc, {"vat_table": rows, "totals": totals_of(rows)})
    doc = updated(doc, {"payment.to_pay": doc.totals.gross})
    return doc


def test_intra_eu_supply_prints_vat_ue_numbers_and_wdt(renderer) -> None:
    text = flat(renderer.render(wdt()))
    assert f"NIP VAT UE: PL{SELLER_NIP}" in text
    assert "DE811907980" in text
    assert "0% WDT" in text and "Wewnątrzwspólnotowa dostawa towarów" in text


def test_export_is_described_as_export(renderer) -> None:
    text = flat(renderer.render(wdt("US", "US-EIN-12-3456789")))
    assert "0% eksport" in text and "Eksport towarów" in text and "WDT" not in text


def test_reverse_charge_is_worded(renderer) -> None:
    lines = [make_line(1, "Usługa montażu", "1", "1000.00", "oo")]
    doc = make_fs(lines=lines, ksef=False)
    doc = updated(doc, {"vat_table": vat_table(lines), "totals": totals_of(vat_table(lines))})
    doc = updated(doc, {"payment.to_pay": doc.totals.gross})
    assert "odwrotne obciążenie" in flat(renderer.render(doc))


# ------------------------------------------------------------------ 8. online-sent, no number yet


def test_online_sent_invoice_never_claims_offline_mode(renderer) -> None:
    doc = make_fs()
    doc = updated(doc, {"ksef": KsefInfo(state="online_pending", hash=V6_HEX)})
    text = flat(renderer.render(doc, ksef_label="offline"))
    assert "trybie offline" not in text
    assert "przesłana do KSeF, numer KSeF nie został jeszcze nadany" in text


# ------------------------------------------------------------------ 9. page breaks


def test_long_invoice_numbers_every_page_and_never_splits_a_row(renderer) -> None:
    lines = [make_line(i, f"Towar numer {i} o dość długiej nazwie, która zawija się w komórce tabeli", "3",
                       f"{10 + i}.99", "23") for i in range(1, 46)]
    doc = make_fs(lines=lines, ksef=False)
    doc = updated(doc, {"vat_table": vat_table(lines), "totals": totals_of(vat_table(lines))})
    doc = updated(doc, {"payment.to_pay": doc.totals.gross})
    pdf = renderer.render(doc)
    from pypdf import PdfReader

    pages = [" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) >= 2
    for i, page in enumerate(pages, 1):
        assert f"strona {i} z {len(pages)}" in page and "FS 12/2026" in page
    for line in lines:               # a row's name and its amounts stay on one page
        where = [i for i, page in enumerate(pages) if f"Towar numer {line.position} o dość" in page]
        gross = f"{line.gross:,.2f}".replace(",", " ").replace(".", ",")
        assert len(where) == 1 and gross in pages[where[0]], line.position
    due_page = next(i for i, p in enumerate(pages) if "Do zapłaty:" in p)
    assert "Słownie:" in pages[due_page]
    groups = "PL61 1090 1014 0000 0712 1981 2874".split()
    for words in words_of(pdf):      # the IBAN is on one visual line: every group at the same height
        tops = {round(w["top"]) for w in words if w["text"] in groups[1:]}
        if tops:
            assert len(tops) == 1 and any(w["text"] == "PL61" and round(w["top"]) in tops for w in words)


# ------------------------------------------------------------------ 10. English


def test_english_invoice_is_english_throughout(renderer) -> None:
    doc = make_eur()
    doc.lines.append(make_line(3, "Training", "1", "100.00", "zw"))
    doc = updated(doc, {"vat_table": vat_table(doc.lines, exchange_rate=doc.exchange_rate), "totals": None or totals_of(
        vat_table(doc.lines))})
    doc = updated(doc, {"payment.form": "przelew", "payment.to_pay": doc.totals.gross})
    doc = updated(doc, {"seller.bank_swift": "WBKPPLPP"})
    doc = updated(doc, {"vat_exemption_reason": "art. 43 ust. 1 pkt 29 lit. a ustawy o VAT"})
    text = flat(renderer.render(doc, "en"))
    assert "Payment method: bank transfer" in text and "Germany" in text and "exempt" in text
    assert "BIC/SWIFT: WBKPPLPP" in text
    assert "of 2026-04-14" in text             # the exchange rate's own date
    words = text.split("In words:")[1].split("Issued by")[0].lower()
    for polish in ("złot", "grosz", "euro centów", "tysiąc"):
        assert polish not in words
    for polish in ("przelew", "Niemcy", " zw "):
        assert polish not in text


def test_english_amount_in_words_in_zloty_has_no_polish(renderer) -> None:
    doc = make_fs(ksef=False)
    text = flat(renderer.render(doc, "en"))
    words = text.split("In words:")[1].split("Issued by")[0]
    assert "zlotys" in words and "/100" in words
    assert not any(polish in words.lower() for polish in ("groszy", "złot", "sto ", "dwa"))
