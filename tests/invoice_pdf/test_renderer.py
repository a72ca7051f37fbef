"""Both renderers (html_pdf, typst_pdf): real PDFs read back (pdfplumber/pypdf), QR codes decoded (zbarimg)."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from pypdf import PdfReader

from sellintegro_core.errors import DocumentError
from sellintegro_core.models import KsefInfo, SalesDocument, updated
from sellintegro_invoice_pdf.formatting import amount, words

from .conftest import (
    V6_HEX,
    V6_URL,
    V7_URL_0420,
    decode_qr,
    fs_ksef_number,
    make_eur,
    make_fs,
    make_fsd,
    make_kfs,
    make_line,
    make_pa,
    make_renderer,
    make_zw,
    pdf_lines,
    pdf_text,
)

AMOUNT = r"-?\d{1,3}(?: \d{3})*,\d{2}"
MAX_BYTES = 2 * 1024 * 1024



def flat(text: str) -> str:
    """Whitespace collapsed, for phrases that may wrap."""
    return " ".join(text.split())


def dec(printed: str) -> Decimal:
    return Decimal(printed.replace(" ", "").replace(",", "."))


def printed(value: Decimal) -> str:
    return amount(value).replace("\u00a0", " ")


def line_rows(lines: list[str]) -> list[dict[str, str]]:
    """Rows of the lines table as printed: position ... net, rate, VAT, gross."""
    pattern = re.compile(rf"^(\d+) (.+?) (\d[\d ]*(?:,\d+)?) (\S+) (?:(\d+(?:,\d+)?)% )?({AMOUNT}) ({AMOUNT}) "
                         rf"(\d+%|zw|np|oo) ({AMOUNT}) ({AMOUNT})$")
    rows = []
    for line in lines:
        m = pattern.match(line.strip())
        if m:
            rows.append({"position": m[1], "name": m[2], "quantity": m[3], "unit": m[4], "discount": m[5] or "",
                         "unit_net": m[6], "net": m[7], "rate": m[8], "vat": m[9], "gross": m[10]})
    return rows


def vat_rows(lines: list[str]) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
    """The VAT summary as printed: rate -> (net, VAT, gross)."""
    out = {}
    for line in lines:
        m = re.search(rf"(?:^| )(\d+%|zw|np|oo) ({AMOUNT}) ({AMOUNT}) ({AMOUNT})$", line.strip())
        if m:
            out[m[1]] = (dec(m[2]), dec(m[3]), dec(m[4]))
    return out


# ------------------------------------------------------------------------------------------ invoice (FS)


def test_invoice_shows_every_art_106e_element(renderer, fs_doc: SalesDocument) -> None:
    text = flat(pdf_text(renderer.render(fs_doc, "pl")))
    expected = [
        "Faktura VAT", "Nr FS 12/2026",                                   # pkt 2: number
        "Data wystawienia: 2026-04-15",                                   # pkt 1: issue date
        "Miejsce wystawienia: Warszawa",
        "Data dostawy / wykonania usługi: 2026-04-14",                    # pkt 6: date of supply
        "Sklep Żółta Łódź sp. z o.o.", "ul. Świętokrzyska 12/4", "00-916 Warszawa",   # pkt 3: seller
        "NIP: 5265877635",                                                # pkt 4: seller NIP (normalised)
        "Hurtownia Gęś i Syn S.A.", "ul. Źródlana 7", "30-001 Kraków",    # pkt 3: buyer
        "NIP: 1111111111",                                                # pkt 5: buyer NIP
        "Czajnik elektryczny „Żuraw” 1,7 l", "Kawa ziarnista 1 kg", "Książka „Pan Tadeusz”",  # pkt 7
        "Usługa transportu", "Szkolenie zwolnione z VAT",
        "Forma płatności: przelew", "Termin płatności: 2026-04-29",
        "Rachunek bankowy: PL61 1090 1014 0000 0712 1981 2874",
        "Podstawa zwolnienia z podatku: art. 43 ust. 1 pkt 29 lit. c ustawy o VAT",   # pkt 19
        "Wartość netto razem: 787,38 zł", "Kwota VAT razem: 68,90 zł", "Wartość brutto razem: 856,28 zł",
        "Do zapłaty: 856,28 zł",                                          # pkt 15
        "Słownie: osiemset pięćdziesiąt sześć złotych dwadzieścia osiem groszy",
        f"Numer KSeF: {fs_ksef_number()}",
    ]
    for phrase in expected:
        assert phrase in text, phrase


def test_invoice_lines_as_printed_match_the_document(renderer, fs_doc: SalesDocument) -> None:
    rows = line_rows(pdf_lines(renderer.render(fs_doc)))
    assert [r["position"] for r in rows] == ["1", "2", "3", "4", "5"]
    for row, line in zip(rows, fs_doc.lines, strict=True):
        assert line.name.startswith(row["name"])
        assert dec(row["quantity"]) == line.quantity                       # pkt 8
        assert row["unit"] == line.unit
        assert dec(row["unit_net"]) == line.unit_net                       # pkt 9 (after the discount)
        assert (dec(row["discount"].replace(",", ".")) if row["discount"] else Decimal(0)) == line.discount_percent
        assert dec(row["net"]) == line.net                                 # pkt 11
        assert row["rate"] == (f"{line.vat_symbol}%" if line.vat_symbol.isdigit() else line.vat_symbol)  # pkt 12
        assert dec(row["vat"]) == line.vat
        assert dec(row["gross"]) == line.gross
    assert rows[0]["discount"] == "10"                                     # pkt 10
    assert rows[0]["unit_net"] == "116,99" and rows[0]["net"] == "233,98"
    assert "Cena netto po rabacie" in flat(pdf_text(renderer.render(fs_doc)))


def test_lines_vat_table_and_totals_agree_to_the_grosz(renderer, fs_doc: SalesDocument) -> None:
    pdf = renderer.render(fs_doc)
    text = pdf_text(pdf)
    rows = line_rows(pdf_lines(pdf))
    table = vat_rows(pdf_lines(pdf))
    assert set(table) == {"23%", "8%", "5%", "0%", "zw"}                  # pkt 13/14: every rate, exempt too
    for rate, (net, vat, gross) in table.items():
        line_nets = sum((dec(r["net"]) for r in rows if r["rate"] == rate), Decimal(0))
        assert net == line_nets, rate
        assert net + vat == gross, rate
        if rate.endswith("%"):
            assert vat == (net * Decimal(rate[:-1]) / 100).quantize(Decimal("0.01")), rate
    total = re.search(rf"Razem ({AMOUNT}) ({AMOUNT}) ({AMOUNT})", text)
    assert total
    assert dec(total[1]) == sum(v[0] for v in table.values()) == fs_doc.totals.net
    assert dec(total[2]) == sum(v[1] for v in table.values()) == fs_doc.totals.vat
    assert dec(total[3]) == sum(v[2] for v in table.values()) == fs_doc.totals.gross
    due = re.search(rf"Do zapłaty: ({AMOUNT}) zł", text)
    assert due and dec(due[1]) == fs_doc.totals.gross


def test_numbered_invoice_carries_kod1_with_the_number_under_it(renderer, fs_doc: SalesDocument,
                                                                tmp_path) -> None:
    pdf = renderer.render(fs_doc)
    assert decode_qr(pdf, tmp_path) == [V6_URL]
    text = pdf_text(pdf)
    lines = [line.strip() for line in text.splitlines()]
    assert fs_ksef_number() in lines                       # the label: the number alone on its line
    assert "OFFLINE" not in text
    assert "Sprawdź, czy Twoja faktura znajduje się w KSeF!" in text
    assert V6_URL in flat(text).replace("invoice/ ", "invoice/")   # the link is printed as well


def test_kod1_is_a_clickable_link(renderer, fs_doc: SalesDocument) -> None:
    reader = PdfReader(io.BytesIO(renderer.render(fs_doc)))
    uris = []
    for annot in reader.pages[0].get("/Annots") or []:
        obj = annot.get_object()
        if obj.get("/Subtype") == "/Link" and "/A" in obj:
            uris.append(obj["/A"].get("/URI"))
    assert V6_URL in uris


def test_pdf_is_a4_with_embedded_polish_font_and_selectable_text(renderer,
                                                                 fs_doc: SalesDocument) -> None:
    pdf = renderer.render(fs_doc)
    reader = PdfReader(io.BytesIO(pdf))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    fonts = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            fonts.add(str(font.get_object().get("/BaseFont")))
    assert any("DejaVu" in f or "Noto" in f or "Liberation" in f for f in fonts), fonts
    text = pdf_text(pdf)
    assert "Żółta Łódź" in text and "Gęś" in text and "Świętokrzyska" in text
    assert len(pdf) < MAX_BYTES


def test_test_environment_uses_the_test_host(renderer_name: str, fs_doc: SalesDocument, tmp_path) -> None:
    renderer = make_renderer(renderer_name, ksef_environment="test")
    assert decode_qr(renderer.render(fs_doc), tmp_path) == [V6_URL.replace("//qr.", "//qr-test.")]


def test_online_pending_after_the_wait_prints_offline(renderer, fs_doc: SalesDocument,
                                                      tmp_path) -> None:
    fs_doc = updated(fs_doc, {"ksef": KsefInfo(state="online_pending", hash=V6_HEX)})
    with pytest.raises(DocumentError) as info:
        renderer.render(fs_doc)
    assert info.value.code == "ksef_pending"
    pdf = renderer.render(fs_doc, ksef_label="offline")
    assert decode_qr(pdf, tmp_path) == [V6_URL]            # same URL as once numbered; only the label differs
    text = pdf_text(pdf)
    assert "OFFLINE" in [line.strip() for line in text.splitlines()]
    assert "Numer KSeF:" not in text


def test_offline_pending_is_refused(renderer, fs_doc: SalesDocument) -> None:
    fs_doc = updated(fs_doc, {"ksef": KsefInfo(state="offline_pending", hash=V6_HEX)})
    with pytest.raises(DocumentError) as info:
        renderer.render(fs_doc, ksef_label="offline")
    assert info.value.code == "ksef_offline"
    assert info.value.message.startswith("FS 12/2026: ")


KOD2 = ("https://qr.ksef.mf.gov.pl/certificate/Nip/5265877635/5265877635/01F20A5D352AE590/"
        "2sSUY81wUwCfFHAJyricRHEt03HzUM-1qa8m7kOLsKs/" + "mSkm_XmM9fq7PgAJwiL32L9ujhyguOEV48cDB0ncemD2r9TMGa3l" * 6)


def test_offline_invoice_with_kod2_shows_both_codes(renderer, fs_doc: SalesDocument,
                                                    tmp_path) -> None:
    fs_doc = updated(fs_doc, {"ksef": KsefInfo(state="offline_pending", hash=V6_HEX)})
    fs_doc.extra["ksef_kod2_url"] = KOD2
    pdf = renderer.render(fs_doc, ksef_label="offline")
    assert sorted(decode_qr(pdf, tmp_path)) == sorted([V6_URL, KOD2])
    lines = [line.strip() for line in pdf_text(pdf).splitlines()]
    assert "OFFLINE" in lines and "CERTYFIKAT" in lines


@pytest.mark.parametrize("number,stored_hash,code", [
    ("5265877635-20260415-0100004A1B2C-00", V6_HEX, "ksef_number"),        # CRC mismatch
    ("1111111111-20260201-0100000A1B2C-D2", V6_HEX, "ksef_number"),        # another seller's number
    ("5265877635-20260415-010000-4A1B2C-49", V6_HEX, "ksef_number"),       # 36-character KSeF 1.0 form
    (None, V6_HEX, "ksef_number"),
    ("FS", V6_HEX[:62], "ksef_number"),
    ("VALID", V6_HEX[:62], "ksef_hash"),                                    # 31-byte digest
    ("VALID", "11f6ad8ec52a2984abaafd7c3b516503785c2072", "ksef_hash"),     # SHA-1
    ("VALID", None, "ksef_hash"),
])
def test_bad_ksef_data_is_a_document_error(renderer, number: str | None, stored_hash: str | None,
                                           code: str) -> None:
    doc = make_fs()
    doc = updated(doc, {"ksef": KsefInfo(state="numbered", number=fs_ksef_number() if number == "VALID" else number,
                                         hash=stored_hash)})
    with pytest.raises(DocumentError) as info:
        renderer.render(doc)
    assert info.value.code == code
    assert info.value.message


def test_bad_seller_nip_is_a_document_error(renderer, fs_doc: SalesDocument) -> None:
    fs_doc = updated(fs_doc, {"seller.nip": "526-587-76-36"})
    with pytest.raises(DocumentError) as info:
        renderer.render(fs_doc)
    assert info.value.code == "ksef_nip"


def test_invoice_outside_ksef_has_no_qr_and_no_ksef_wording(renderer, b2c_doc: SalesDocument,
                                                            tmp_path) -> None:
    pdf = renderer.render(b2c_doc)
    assert decode_qr(pdf, tmp_path) == []
    text = pdf_text(pdf)
    assert "ksef" not in text.lower() and "OFFLINE" not in text
    assert "Jan Kowalski" in text and "Faktura VAT" in text
    assert "Słownie: trzydzieści złotych zero groszy" in flat(text)


# ------------------------------------------------------------------------------------------ receipt (PA)


def test_receipt_copy_is_clearly_non_fiscal_without_qr(renderer, pa_doc: SalesDocument,
                                                       tmp_path) -> None:
    pdf = renderer.render(pa_doc)
    text = flat(pdf_text(pdf))
    assert "Kopia paragonu — dokument niefiskalny" in text
    assert "Dokument niefiskalny — nie jest paragonem fiskalnym ani fakturą" in text
    assert "Nr PA 55/2026" in text and "Suma: 79,45 zł" in text
    assert "ksef" not in text.lower() and "OFFLINE" not in text
    assert decode_qr(pdf, tmp_path) == []
    assert "Faktura VAT" not in text


def test_receipt_ignores_ksef_data_it_cannot_have(renderer, pa_doc: SalesDocument,
                                                  tmp_path) -> None:
    pa_doc = updated(pa_doc, {"ksef": KsefInfo(state="numbered", number=fs_ksef_number(), hash=V6_HEX)})
    pdf = renderer.render(pa_doc)
    assert decode_qr(pdf, tmp_path) == []
    assert "ksef" not in pdf_text(pdf).lower()


def test_receipt_copy_in_english(renderer, pa_doc: SalesDocument) -> None:
    text = flat(pdf_text(renderer.render(pa_doc, "en")))
    assert "Copy of receipt — not a fiscal receipt" in text
    assert "seventy-nine zlotys 45/100" in text


# ------------------------------------------------------------------------------------------ corrections


def test_correction_shows_before_after_reason_and_corrected_invoice(renderer,
                                                                    kfs_doc: SalesDocument, tmp_path) -> None:
    pdf = renderer.render(kfs_doc)
    text = flat(pdf_text(pdf))
    for phrase in ["Faktura korygująca", "Nr KFS 3/2026", "Data wystawienia: 2026-04-20",
                   "Numer dokumentu korygowanego: FS 12/2026",
                   "Data wystawienia dokumentu korygowanego: 2026-04-15",
                   f"Numer KSeF faktury korygowanej: {fs_ksef_number()}",
                   "Przyczyna korekty: Zwrot towaru przez nabywcę",
                   "przed korektą 3 szt. 54,50 163,50 8% 13,08 176,58",
                   "po korekcie 1 szt. 54,50 54,50 8% 4,36 58,86",
                   "różnica -2 szt. -109,00 8% -8,72 -117,72",
                   "8% -109,00 -8,72 -117,72",
                   "Do zwrotu: 117,72 zł",
                   "Słownie: sto siedemnaście złotych siedemdziesiąt dwa grosze",
                   f"Numer KSeF: {kfs_doc.ksef.number}"]:
        assert phrase in text, phrase
    # KOD I of a correction: the correction's own hash and issue date, its own number under the code
    assert decode_qr(pdf, tmp_path) == [V7_URL_0420]
    assert kfs_doc.ksef.number in [line.strip() for line in pdf_text(pdf).splitlines()]


def test_correction_in_english(renderer, kfs_doc: SalesDocument) -> None:
    text = flat(pdf_text(renderer.render(kfs_doc, "en")))
    for phrase in ["Corrective invoice", "Number of the corrected document: FS 12/2026",
                   "Reason for correction: Zwrot towaru przez nabywcę", "before correction", "after correction",
                   "Amount to be refunded: 117,72 zł", "KSeF number of the corrected invoice"]:
        assert phrase in text, phrase


def test_receipt_return_refers_to_the_receipt_without_ksef(renderer, zw_doc: SalesDocument,
                                                           tmp_path) -> None:
    pdf = renderer.render(zw_doc)
    text = flat(pdf_text(pdf))
    for phrase in ["Korekta paragonu", "Dokument niefiskalny", "Nr ZW 7/2026", "Dotyczy paragonu:",
                   "Numer dokumentu korygowanego: PA 55/2026", "Data wystawienia dokumentu korygowanego: 2026-04-16",
                   "Przyczyna korekty: Zwrot towaru (uszkodzony)", "Kwota zwrotu: 30,00 zł",
                   "Słownie: trzydzieści złotych zero groszy"]:
        assert phrase in text, phrase
    assert "ksef" not in text.lower()
    assert decode_qr(pdf, tmp_path) == []


# ------------------------------------------------------------------------------------------ FSd, currencies


def test_invoice_for_receipts_lists_them(renderer, fsd_doc: SalesDocument, tmp_path) -> None:
    pdf = renderer.render(fsd_doc)
    text = flat(pdf_text(pdf))
    assert "Faktura do paragonu" in text
    assert ("Faktura wystawiona do paragonu (paragonów): PA 55/2026 z dnia 2026-04-10; PA 56/2026 z dnia 2026-04-11"
            in text)
    assert len(decode_qr(pdf, tmp_path)) == 1


def test_foreign_currency_shows_rate_and_vat_in_pln(renderer, eur_doc: SalesDocument) -> None:
    text = flat(pdf_text(renderer.render(eur_doc, "en")))
    vat_pln = (eur_doc.totals.vat * Decimal("4.2813")).quantize(Decimal("0.01"))
    for phrase in ["VAT invoice", "No. FS 13/2026", "Müller Handels GmbH", "Hauptstraße 1", "10115 Berlin", "Germany",
                   "VAT ID: DE123456789", "Currency: EUR.",
                   "Exchange rate: 1 EUR = 4,2813 PLN, table 072/A/NBP/2026 of 2026-04-14. VAT in PLN: 201,86 zł",
                   f"VAT in PLN: {printed(vat_pln)} zł", "Total gross: 252,15 EUR", "Amount due: 252,15 EUR",
                   "In words: two hundred and fifty-two euro fifteen cents", "Payment method: bank transfer",
                   "Check that your invoice is in KSeF"]:
        assert phrase in text, phrase
    assert printed(vat_pln) == "201,86"


def test_foreign_currency_in_polish_template(renderer, eur_doc: SalesDocument) -> None:
    text = flat(pdf_text(renderer.render(eur_doc, "pl")))
    assert "Kurs waluty: 1 EUR = 4,2813 PLN, tabela 072/A/NBP/2026 z dnia 2026-04-14." in text
    assert "Podatek VAT w PLN: 201,86 zł" in text
    assert "Słownie: dwieście pięćdziesiąt dwa euro piętnaście centów" in text


def test_foreign_currency_without_rate_or_pln_vat_is_refused(renderer,
                                                             eur_doc: SalesDocument) -> None:
    eur_doc = updated(eur_doc, {"exchange_rate": None,
                                "vat_table": [updated(row, {"vat_pln": None}) for row in eur_doc.vat_table]})
    with pytest.raises(DocumentError) as info:
        renderer.render(eur_doc)
    assert info.value.code == "exchange_rate_missing"


def test_english_invoice_for_a_foreign_buyer(renderer, fs_doc: SalesDocument) -> None:
    text = flat(pdf_text(renderer.render(fs_doc, "en")))
    for phrase in ["VAT invoice", "Issue date: 2026-04-15", "Seller".upper(), "Buyer".upper(),
                   "Legal basis of the VAT exemption: art. 43 ust. 1 pkt 29 lit. c ustawy o VAT",
                   "Amount due: 856,28 zł", "eight hundred and fifty-six zlotys 28/100"]:
        assert phrase in text, phrase


def test_legal_annotations_are_printed(renderer, fs_doc: SalesDocument) -> None:
    fs_doc = updated(fs_doc, {"split_payment": True, "cash_accounting": True, "reverse_charge": True})
    text = flat(pdf_text(renderer.render(fs_doc)))
    for phrase in ["mechanizm podzielonej płatności", "metoda kasowa", "odwrotne obciążenie"]:
        assert phrase in text


# ------------------------------------------------------------------------------------------ size, pages


def test_long_invoice_spans_pages_and_stays_small(renderer, tmp_path) -> None:
    lines = [make_line(i, f"Towar numer {i} — śrubka ocynkowana M{i % 12 + 3}", str(i % 7 + 1), "3.33", "23")
             for i in range(1, 151)]
    doc = make_fs(lines=lines)
    pdf = renderer.render(doc)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) > 1
    assert len(pdf) < MAX_BYTES
    text = pdf_text(pdf)
    assert len(line_rows(pdf_lines(pdf))) == 150
    assert f"Do zapłaty: {printed(doc.totals.gross)} zł" in text
    found = [decode_qr(pdf, tmp_path, page=n) for n in range(1, len(reader.pages) + 1)]
    assert [url for page in found for url in page] == [V6_URL]


@pytest.mark.parametrize("factory", [make_fs, make_pa, make_fsd, make_kfs, make_zw, make_eur])
@pytest.mark.parametrize("template", ["pl", "en"])
def test_every_sample_renders_under_2_mb(renderer, factory, template: str) -> None:
    pdf = renderer.render(factory(), template)
    assert pdf.startswith(b"%PDF-") and len(pdf) < MAX_BYTES


def test_unit_prices_keep_their_precision(renderer) -> None:
    doc = make_fs(lines=[make_line(1, "Podkładka M3", "1000", "0.0125", "23", unit="szt.")])
    assert "1 Podkładka M3 1 000 szt. 0,0125 12,50 23% 2,88 15,38" in pdf_lines(renderer.render(doc))


def test_amount_in_words_helper() -> None:
    assert words(Decimal("856.28")) == "osiemset pięćdziesiąt sześć złotych dwadzieścia osiem groszy"
    assert words(Decimal("1.01")) == "jeden złoty jeden grosz"
    assert words(Decimal("22.50")) == "dwadzieścia dwa złote pięćdziesiąt groszy"
    assert words(Decimal("-117.72")) == "minus sto siedemnaście złotych siedemdziesiąt dwa grosze"
    assert amount(Decimal("1234567.5")).replace("\u00a0", " ") == "1 234 567,50"


def test_text_from_the_database_is_printed_literally(renderer) -> None:
    doc = make_fs(lines=[make_line(1, 'Kabel <b>HDMI</b> & "USB" {{ 7*7 }}', "1", "10.00", "23")])
    doc = updated(doc, {"remarks": "<script>alert(1)</script> 50% taniej & szybciej"})
    text = flat(pdf_text(renderer.render(doc)))
    assert 'Kabel <b>HDMI</b> & "USB" {{ 7*7 }}' in text
    assert "<script>alert(1)</script> 50% taniej & szybciej" in text


HOSTILE = ['#set page(width: 1cm) *bold* _x_ #text(red)[czerwony]', '[link](x) $x^2$ \\ backslash `code` <label> @ref',
           '#{panic("boom")} #import "/etc/passwd" #read("x")', '= Heading // comment /* c */ ~ -- --- ...',
           '{{ 7*7 }} {% raw %} <b>HDMI</b> & "USB" \'s\'']


def test_hostile_erp_text_prints_literally_and_never_becomes_markup_or_code(renderer) -> None:
    """Names, addresses and remarks carrying typst/HTML/jinja syntax print character for character (read back
    with PDFium, the validator's reader); CJK and emoji next to them never break the invoice."""
    from sellintegro_invoice_pdf.validate import pdf_text as pdfium_text

    from .conftest import totals_of, vat_table

    names = [*HOSTILE, "Herbata 茶叶 🍵 Ελληνικό τσάι"]
    lines = [make_line(i, name, "1", "10.00", "23") for i, name in enumerate(names, 1)]
    doc = make_fs(lines=lines, ksef=False)
    doc = updated(doc, {"vat_table": vat_table(lines), "totals": totals_of(vat_table(lines))})
    doc = updated(doc, {"payment.to_pay": doc.totals.gross, "buyer.name": "#text(red)[Nabywca] $ \\ *sp. z o.o.*",
                        "buyer.street": "ul. <Długa> 1 #2 [lok. 3]",
                        "remarks": "*Uwaga* #emph[x] ```raw``` 50% taniej & szybciej"})
    pdf = renderer.render(doc)
    text = pdfium_text(pdf)
    solid = "".join(text.split())                    # long names wrap in their cell (also at "[" or "(")
    for value in [*HOSTILE, doc.buyer.name, doc.buyer.street, doc.remarks]:
        assert "".join(value.split()) in solid, value
    assert doc.buyer.name in text and doc.remarks in flat(text)
    assert "Herbata" in text and "Ελληνικό τσάι" in text
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1          # "#set page(width: 1cm)" set nothing
    assert f"Do zapłaty: {printed(doc.totals.gross)} zł" in flat(pdf_text(pdf))
