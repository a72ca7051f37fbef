"""Sample sales documents for the invoice_pdf tests (renderer, KSeF, rule).

Use the fixtures (``fs_doc``, ``pa_doc``...) or the factories directly::

    from tests.invoice_pdf.conftest import make_fs, make_line, numbered

Every factory returns a fresh, internally consistent :class:`SalesDocument`: line nets sum to the VAT
table per rate, the VAT table sums to the totals, gross = net + VAT, to the grosz.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest

from sellintegro_core.models import (
    DocumentLine,
    DocumentRef,
    KsefInfo,
    OrderRef,
    Party,
    Payment,
    SalesDocument,
    Totals,
    VatRow,
    updated,
)

CENT = Decimal("0.01")

# Checksum-valid NIPs from ksef_visualisation.md §1.3.
SELLER_NIP = "5265877635"
BUYER_NIP = "1111111111"

# V6 of ksef_visualisation.md §1.10: production URL for seller 5265877635, issue date 2026-04-15.
V6_HEX = "dac49463cd7053009f147009cab89c44712dd371f350cfb5a9af26ee438bb0ab"
V6_B64URL = "2sSUY81wUwCfFHAJyricRHEt03HzUM-1qa8m7kOLsKs"
V6_URL = "https://qr.ksef.mf.gov.pl/invoice/5265877635/15-04-2026/2sSUY81wUwCfFHAJyricRHEt03HzUM-1qa8m7kOLsKs"
# V7 (V6 + LF) for a correction of 2026-04-20 (different hash, same seller)
V7_B64 = "7qj7OdiEbZT9podCGg7b9fK8iEMG+kECwE1hET1p6BQ="
V7_URL_0420 = "https://qr.ksef.mf.gov.pl/invoice/5265877635/20-04-2026/7qj7OdiEbZT9podCGg7b9fK8iEMG-kECwE1hET1p6BQ"


def q(value: Decimal) -> Decimal:
    """Round half up to the grosz."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def ksef_number(nip: str, yyyymmdd: str, technical: str) -> str:
    """A valid KSeF number (CRC-8 over the first 32 characters)."""
    from sellintegro_invoice_pdf.ksef import make_ksef_number

    return make_ksef_number(nip, yyyymmdd, technical)


def fs_ksef_number() -> str:
    """The KSeF number of the sample FS 12/2026 (seller 5265877635, accepted 2026-04-15)."""
    return ksef_number(SELLER_NIP, "20260415", "0100004A1B2C")


def seller() -> Party:
    return Party(name="Sklep Żółta Łódź sp. z o.o.", nip="PL 526-587-76-35", street="ul. Świętokrzyska 12/4",
                 postcode="00-916", city="Warszawa", country="Polska", country_code="PL", is_company=True,
                 email="faktury@zolta-lodz.pl", phone="+48 22 123 45 67",
                 bank_account="PL61 1090 1014 0000 0712 1981 2874", bank_name="Santander Bank Polska")


def buyer_company() -> Party:
    return Party(name="Hurtownia Gęś i Syn S.A.", nip="111-111-11-11", street="ul. Źródlana 7",
                 postcode="30-001", city="Kraków", country="Polska", country_code="PL", is_company=True)


def buyer_person() -> Party:
    return Party(name="Jan Kowalski", street="ul. Ogrodowa 3", postcode="90-001", city="Łódź",
                 country="Polska", country_code="PL")


def buyer_foreign() -> Party:
    return Party(name="Müller Handels GmbH", nip="DE123456789", street="Hauptstraße 1", postcode="10115",
                 city="Berlin", country="Niemcy", country_code="DE", is_company=True)


def make_line(position: int, name: str, quantity: str | Decimal, list_net: str | Decimal, vat_symbol: str, *,
              discount: str | Decimal = "0", unit: str = "szt.", side: str | None = None,
              symbol: str = "") -> DocumentLine:
    """A line as the Subiekt source gives it: ``unit_net`` is the price **after** the line discount.

    ``list_net`` is the price before the discount; values are rounded to the grosz.
    """
    qty, price, disc = Decimal(str(quantity)), Decimal(str(list_net)), Decimal(str(discount))
    rate = Decimal(vat_symbol) if vat_symbol.isdigit() else None
    unit_net = q(price * (1 - disc / 100)) if disc else price
    net = q(qty * unit_net)
    vat = q(net * rate / 100) if rate is not None else Decimal("0.00")
    unit_gross = q(unit_net * (1 + (rate or Decimal("0")) / 100))
    return DocumentLine(position=position, name=name, symbol=symbol or f"TW-{position:03d}", unit=unit,
                        quantity=qty, unit_net=unit_net, unit_gross=unit_gross, discount_percent=disc,
                        vat_symbol=vat_symbol, vat_rate=rate, net=net, vat=vat, gross=net + vat,
                        correction_side=side)  # type: ignore[arg-type]


def vat_table(lines: Iterable[DocumentLine], *, exchange_rate: Decimal | None = None) -> list[VatRow]:
    """Per-rate summary (VAT computed on the per-rate net sum, as Subiekt does), highest rate first."""
    sums: dict[str, Decimal] = {}
    rates: dict[str, Decimal | None] = {}
    for line in lines:
        sums[line.vat_symbol] = sums.get(line.vat_symbol, Decimal("0")) + line.net
        rates[line.vat_symbol] = line.vat_rate
    rows = []
    for symbol in sorted(sums, key=lambda s: (-(rates[s] or Decimal("-1")), s)):
        net = sums[symbol]
        rate = rates[symbol]
        vat = q(net * rate / 100) if rate is not None else Decimal("0.00")
        pln: dict[str, Decimal] = {}
        if exchange_rate is not None:
            pln = {"net_pln": q(net * exchange_rate), "vat_pln": q(vat * exchange_rate)}
            pln["gross_pln"] = pln["net_pln"] + pln["vat_pln"]
        rows.append(VatRow(vat_symbol=symbol, vat_rate=rate, net=net, vat=vat, gross=net + vat, **pln))
    return rows


def totals_of(rows: list[VatRow]) -> Totals:
    return Totals(net=sum((r.net for r in rows), Decimal("0")), vat=sum((r.vat for r in rows), Decimal("0")),
                  gross=sum((r.gross for r in rows), Decimal("0")))


def numbered(doc: SalesDocument, number: str, stored_hash: str) -> SalesDocument:
    """Mark ``doc`` as numbered in KSeF."""
    return updated(doc, {"ksef": KsefInfo(state="numbered", number=number, hash=stored_hash, status="przyjęty",
                                          issued_at=datetime(2026, 4, 15, 10, 5, tzinfo=UTC))})


def make_fs(*, lines: list[DocumentLine] | None = None, buyer: Party | None = None, currency: str = "PLN",
            exchange_rate: str | None = None, number: str = "FS 12/2026", issue_date: date = date(2026, 4, 15),
            ksef: bool = True, doc_id: str = "1012", ksef_technical: str = "0100004A1B2C") -> SalesDocument:
    """An invoice; by default multi-rate (23 with discount / 8 / 5 / 0 / zw) and numbered in KSeF (V6 hash)."""
    if lines is None:
        lines = [
            make_line(1, "Czajnik elektryczny „Żuraw” 1,7 l", "2", "129.99", "23", discount="10"),
            make_line(2, "Kawa ziarnista 1 kg", "3", "54.50", "8"),
            make_line(3, "Książka „Pan Tadeusz”", "1", "39.90", "5"),
            make_line(4, "Usługa transportu międzynarodowego", "1", "100.00", "0", unit="usł."),
            make_line(5, "Szkolenie zwolnione z VAT", "1", "250.00", "zw", unit="usł."),
        ]
    rate = Decimal(exchange_rate) if exchange_rate else None
    rows = vat_table(lines, exchange_rate=rate)
    totals = totals_of(rows)
    doc = SalesDocument(
        id=doc_id, kind="FS", number=number, issue_date=issue_date, sale_date=date(2026, 4, 14),
        place_of_issue="Warszawa", issued_by="Anna Nowak", seller=seller(),
        buyer=buyer if buyer is not None else buyer_company(), lines=lines, vat_table=rows, totals=totals,
        currency=currency, exchange_rate=rate,
        exchange_rate_date=date(2026, 4, 14) if rate else None,
        exchange_rate_table="072/A/NBP/2026" if rate else None,
        payment=Payment(form="przelew", due_date=date(2026, 4, 29), paid=Decimal("0"), to_pay=totals.gross,
                        bank_account="PL61 1090 1014 0000 0712 1981 2874"),
        remarks="Dziękujemy za zakupy.", original_number="B_1234567",
        order_ref=OrderRef(key="order_id", value="1234567"),
        vat_exemption_reason="art. 43 ust. 1 pkt 29 lit. c ustawy o VAT"
        if any(x.vat_symbol == "zw" for x in lines) else None,
    )
    if ksef:
        return numbered(doc, ksef_number(SELLER_NIP, "20260415", ksef_technical), V6_HEX)
    return doc


def make_pa(*, number: str = "PA 55/2026") -> SalesDocument:
    """A receipt (paragon): no buyer, outside KSeF."""
    lines = [make_line(1, "Kubek ceramiczny „Łoś”", "2", "24.39", "23"),
             make_line(2, "Herbata liściasta 100 g", "1", "18.52", "5")]
    rows = vat_table(lines)
    totals = totals_of(rows)
    return SalesDocument(id="2055", kind="PA", number=number, issue_date=date(2026, 4, 16), sale_date=date(2026, 4, 16),
                         place_of_issue="Warszawa", issued_by="Kasa 1", seller=seller(), buyer=None, lines=lines,
                         vat_table=rows, totals=totals,
                         payment=Payment(form="karta", paid=totals.gross, to_pay=Decimal("0")),
                         order_ref=OrderRef(key="order_id", value="2233445"))


def make_fsd() -> SalesDocument:
    """An invoice issued to two receipts (faktura do paragonu), numbered in KSeF."""
    doc = make_fs(lines=[make_line(1, "Kubek ceramiczny „Łoś”", "2", "24.39", "23"),
                         make_line(2, "Herbata liściasta 100 g", "1", "18.52", "5")],
                  buyer=buyer_company(), number="FSd 4/2026", doc_id="3004", ksef_technical="0100004A1B2D")
    return updated(doc, {
        "kind": "FSd",
        "receipts": [DocumentRef(id="2055", kind="PA", number="PA 55/2026", issue_date=date(2026, 4, 10)),
                     DocumentRef(id="2056", kind="PA", number="PA 56/2026", issue_date=date(2026, 4, 11))],
        "payment": Payment(form="gotówka", paid=doc.totals.gross, to_pay=Decimal("0"))})
    return doc


def make_kfs() -> SalesDocument:
    """A correction of FS 12/2026: line 2 quantity 3 -> 1 (return), before/after pairs; numbered in KSeF (V7)."""
    before = make_line(2, "Kawa ziarnista 1 kg", "3", "54.50", "8", side="before")
    after = make_line(2, "Kawa ziarnista 1 kg", "1", "54.50", "8", side="after")
    diff_net = after.net - before.net
    diff_vat = after.vat - before.vat
    rows = [VatRow(vat_symbol="8", vat_rate=Decimal("8"), net=diff_net, vat=diff_vat, gross=diff_net + diff_vat)]
    totals = totals_of(rows)
    doc = SalesDocument(
        id="1020", kind="KFS", number="KFS 3/2026", issue_date=date(2026, 4, 20), sale_date=date(2026, 4, 14),
        place_of_issue="Warszawa", issued_by="Anna Nowak", seller=seller(), buyer=buyer_company(),
        lines=[before, after], vat_table=rows, totals=totals,
        payment=Payment(form="przelew", due_date=date(2026, 4, 27), to_pay=totals.gross),
        corrected=DocumentRef(id="1012", kind="FS", number="FS 12/2026", issue_date=date(2026, 4, 15),
                              ksef_number=fs_ksef_number()),
        correction_reason="Zwrot towaru przez nabywcę",
        order_ref=OrderRef(key="order_id", value="1234567"))
    return updated(doc, {"ksef": KsefInfo(state="numbered", number=ksef_number(SELLER_NIP, "20260420", "010000BEEF01"),
                                          hash=V7_B64)})


def make_zw() -> SalesDocument:
    """A receipt return (ZW) for PA 55/2026, 1 of 2 mugs back: outside KSeF; as the source gives it, a
    correction of the receipt with negative differences (Subiekt stores the refund positive)."""
    before = make_line(1, "Kubek ceramiczny „Łoś”", "2", "24.39", "23", side="before")
    after = make_line(1, "Kubek ceramiczny „Łoś”", "1", "24.39", "23", side="after")
    net, vat = after.net - before.net, after.vat - before.vat
    rows = [VatRow(vat_symbol="23", vat_rate=Decimal("23"), net=net, vat=vat, gross=net + vat)]
    return SalesDocument(
        id="2070", kind="ZW", number="ZW 7/2026", issue_date=date(2026, 4, 18), sale_date=date(2026, 4, 18),
        place_of_issue="Warszawa", issued_by="Kasa 1", seller=seller(), buyer=buyer_person(),
        lines=[before, after], vat_table=rows, totals=totals_of(rows),
        payment=Payment(form="gotówka", paid=-(net + vat), to_pay=Decimal("0")),
        corrected=DocumentRef(id="2055", kind="PA", number="PA 55/2026", issue_date=date(2026, 4, 16)),
        correction_reason="Zwrot towaru (uszkodzony)", order_ref=OrderRef(key="order_id", value="2233445"))


def make_eur() -> SalesDocument:
    """An EUR invoice for a German buyer (VAT shown in PLN, NBP rate), numbered in KSeF."""
    lines = [make_line(1, "Lampa stołowa LED", "4", "45.00", "23"),
             make_line(2, "Klosz zapasowy", "2", "12.50", "23")]
    return make_fs(lines=lines, buyer=buyer_foreign(), currency="EUR", exchange_rate="4.2813",
                   number="FS 13/2026", doc_id="1013", ksef_technical="0100004A1B2E")


def make_b2c_outside_ksef() -> SalesDocument:
    """A consumer invoice issued outside KSeF (no QR, no KSeF wording)."""
    return make_fs(lines=[make_line(1, "Kubek ceramiczny „Łoś”", "1", "24.39", "23")], buyer=buyer_person(),
                   number="FS 14/2026", doc_id="1014", ksef=False)


# ------------------------------------------------------------------------------------------ both renderers

RENDERERS = ["html_pdf", "typst_pdf"]


def make_renderer(name: str, base_dir=None, **settings):
    """The renderer ``name`` ("html_pdf" or "typst_pdf") with ``settings`` as its ``[renderer]`` keys."""
    from sellintegro_invoice_pdf.config import RendererConfig, TypstRendererConfig

    if name == "typst_pdf":
        from sellintegro_invoice_pdf.typst_renderer import TypstPdfRenderer

        return TypstPdfRenderer(TypstRendererConfig(**settings), base_dir=base_dir)
    from sellintegro_invoice_pdf.renderer import HtmlPdfRenderer

    return HtmlPdfRenderer(RendererConfig(**settings), base_dir=base_dir)


@pytest.fixture(scope="module", params=RENDERERS)
def renderer_name(request) -> str:
    """Each test that uses it runs once per renderer: the same suite proves both print the same invoice."""
    return request.param


@pytest.fixture(scope="module")
def renderer(renderer_name: str):
    return make_renderer(renderer_name)


@pytest.fixture
def fs_doc() -> SalesDocument:
    return make_fs()


@pytest.fixture
def pa_doc() -> SalesDocument:
    return make_pa()


@pytest.fixture
def fsd_doc() -> SalesDocument:
    return make_fsd()


@pytest.fixture
def kfs_doc() -> SalesDocument:
    return make_kfs()


@pytest.fixture
def zw_doc() -> SalesDocument:
    return make_zw()


@pytest.fixture
def eur_doc() -> SalesDocument:
    return make_eur()


@pytest.fixture
def b2c_doc() -> SalesDocument:
    return make_b2c_outside_ksef()


# ------------------------------------------------------------------------------------------ reading PDFs back


def _extract(pdf: bytes, mode: str) -> str:
    import io
    import re

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text(extraction_mode=mode) or "" for page in reader.pages)
    text = text.replace("\u00a0", " ").replace("\u202f", " ")
    return "\n".join(re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines() if line.strip())


def pdf_text(pdf: bytes) -> str:
    """All text of a PDF in reading (drawing) order, block by block (pypdf); no-break spaces as spaces.

    A block's text stays together even when two columns share the same height, so phrases can be searched
    for (collapse whitespace first: long texts wrap).
    """
    return _extract(pdf, "plain")


def pdf_lines(pdf: bytes) -> list[str]:
    """The text as laid out on the page (pypdf layout mode): one visual line each, e.g. a table row."""
    return _extract(pdf, "layout").splitlines()


def decode_qr(pdf: bytes, tmp_path, *, page: int = 1) -> list[str]:
    """Rasterise ``page`` at 200 dpi (pdftoppm) and decode every QR code on it (zbarimg --raw).

    The tools are required: a missing tool fails the test (CI installs poppler-utils and zbar-tools).
    """
    import shutil
    import subprocess
    import uuid

    for tool in ("pdftoppm", "zbarimg"):
        assert shutil.which(tool), f"{tool} is not installed (apt-get install poppler-utils zbar-tools)"
    stem = tmp_path / f"qr-{uuid.uuid4().hex}"
    pdf_path = stem.with_suffix(".pdf")
    pdf_path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "200", "-png", "-f", str(page), "-l", str(page), "-singlefile", str(pdf_path),
                    str(stem)], check=True, capture_output=True, timeout=60)
    png = stem.with_suffix(".png")
    assert png.exists()
    result = subprocess.run(["zbarimg", "--raw", "-q", "-Sdisable", "-Sqrcode.enable", str(png)],
                            capture_output=True, text=True, timeout=60)
    # zbarimg exits 4 when the image holds no symbol
    assert result.returncode in (0, 4), result.stderr
    return [line for line in result.stdout.splitlines() if line.strip()]
