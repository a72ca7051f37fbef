"""Issue 13: every case of the demo database, read by the real reader (ODBC), rendered by the real renderer
(which runs the pre-upload validator) and read back from the PDF."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from sellintegro_core.errors import DocumentError
from sellintegro_core.exemption import apply_exemption_basis
from sellintegro_invoice_pdf.validate import vat_warnings

from .conftest import by_id, read_all

FALLBACK = "art. 43 ust. 1 pkt 29 lit. a ustawy o VAT"


@pytest.fixture(scope="module", params=["typst_pdf", "html_pdf"])
def renderer(request):
    """Both renderers print every demo document (each test runs once per renderer)."""
    from tests.invoice_pdf.conftest import make_renderer

    return make_renderer(request.param, ksef_environment="prod")


@pytest.fixture(scope="module")
def docs(demo) -> dict:
    from .conftest import odbc_dsn

    return by_id(read_all(odbc_dsn(demo.path)))


def text_of(pdf: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(pdf)).pages).split())


def render(renderer, doc, label=None) -> str:
    return text_of(renderer.render(apply_exemption_basis(doc, FALLBACK), ksef_label=label))


def test_every_demo_document_passes_the_validator_and_no_vat_row_needs_a_warning(renderer, docs) -> None:
    rendered = 0
    for doc in docs.values():
        if doc.ksef.state in ("online_pending", "offline_pending"):
            continue                       # covered below: these wait for KSeF
        render(renderer, doc)
        assert vat_warnings(doc) == [], doc.number
        rendered += 1
    assert rendered > 50


def test_zw_basis_from_subiekt_and_from_the_scenario(renderer, docs, demo) -> None:
    own = docs[demo.showcase["zw_basis"]["doc"]["id"]]
    assert own.vat_exemption_reason and own.vat_exemption_reason.startswith(FALLBACK)
    assert "Podstawa zwolnienia z podatku: art. 43 ust. 1 pkt 29 lit. a ustawy o VAT (usługi kształcenia" \
        in render(renderer, own)
    without = docs[demo.showcase["fs"]["doc"]["id"]]
    assert without.vat_exemption_reason is None
    with pytest.raises(DocumentError) as caught:
        apply_exemption_basis(without, None)
    assert caught.value.code == "exemption_basis_missing"
    assert f"Podstawa zwolnienia z podatku: {FALLBACK}" in render(renderer, without)


def test_zw_return_prints_the_receipt_lines_with_signs(renderer, docs, demo) -> None:
    zw = docs[demo.showcase["pa_zw"]["zw"]["id"]]
    pa = docs[demo.showcase["pa_zw"]["doc"]["id"]]
    text = render(renderer, zw)
    sold = pa.lines[0]
    assert f"przed korektą {int(sold.quantity)} " in text
    assert f"po korekcie {int(sold.quantity) - 1} " in text and "różnica -1 " in text
    refund = f"{-zw.totals.gross:.2f}".replace(".", ",")
    assert f"Kwota zwrotu: {refund} zł" in text and f"-{refund}" in text
    assert "Korekta paragonu" in text


def test_paid_invoices_show_zero_to_pay(renderer, docs, demo) -> None:
    for key, how in (("fs_card", "karta"), ("fs_prepaid", "przedpłata")):
        doc = docs[demo.showcase[key]["doc"]["id"]]
        text = render(renderer, doc)
        assert "Do zapłaty: 0,00 zł" in text and f"({how} " in text, key
    fsd = docs[demo.showcase["pa_fsd"]["fsd"]["id"]]
    assert "Do zapłaty: 0,00 zł" in render(renderer, fsd)


def test_wdt_big_amounts_long_invoice_and_online_pending(renderer, docs, demo) -> None:
    eur = docs[demo.showcase["eur"]["doc"]["id"]]
    text = render(renderer, eur)
    assert "PL5213870271" in text and "DE811907980" in text and "0% WDT" in text
    big = docs[demo.showcase["big_amounts"]["doc"]["id"]]
    assert big.totals.gross > Decimal("10000000")
    text = render(renderer, big)
    gross = f"{big.totals.gross:,.2f}".replace(",", " ").replace(".", ",")
    assert "12 345 678,00" in text and "1 185 184,80" in text and f"Do zapłaty: {gross} zł" in text
    long = docs[demo.showcase["long_invoice"]["doc"]["id"]]
    assert len(long.lines) == 45
    text = render(renderer, long)
    assert "strona 2 z" in text
    online = docs[demo.showcase["online_pending"]["doc"]["id"]]
    assert online.ksef.state == "online_pending"
    text = render(renderer, online, "offline")
    assert "przesłana do KSeF" in text and "trybie offline" not in text


def test_bic_swift_of_the_bank_account_is_printed_on_a_foreign_currency_invoice(renderer, demo, demo_copy) -> None:
    path = demo_copy(["ALTER TABLE rb__RachBankowy ADD COLUMN rb_KodSWIFT varchar(11) NULL",
                      "UPDATE rb__RachBankowy SET rb_KodSWIFT = 'BREXPLPWMBK' WHERE rb_Id = 2"])
    docs = by_id(read_all(f"sqlite:///{path}"))
    eur = docs[demo.showcase["eur"]["doc"]["id"]]
    assert eur.seller.bank_swift == "BREXPLPWMBK"
    text = text_of(renderer.render(eur, "en"))
    assert "BIC/SWIFT: BREXPLPWMBK" in text
    pln = docs[demo.showcase["fs"]["doc"]["id"]]
    assert "BIC/SWIFT" not in render(renderer, pln)
