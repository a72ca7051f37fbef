"""Rough render speed of a renderer (not a test): PDFs per second per core for a 3-line invoice.

    python plugins/invoice_pdf/benchmarks/render_speed.py [--renderer typst_pdf|html_pdf] [--batches 5]
        [--per-batch 10] [--template pl]

Uses CPU time of this process (one core), best batch of several, after a warm-up render (fonts, templates).
Every render gets a different invoice hash, so every PDF has its own QR code (as in a real run).
The target is >= 5 PDFs/s per core for a numbered 3-line invoice with its KSeF QR code.
"""

from __future__ import annotations

import argparse
import hashlib
import time
from datetime import date
from decimal import Decimal

from sellintegro_core.api import DocumentLine, KsefInfo, Party, Payment, SalesDocument, Totals, VatRow, updated
from sellintegro_invoice_pdf.ksef import make_ksef_number
from sellintegro_invoice_pdf.renderer import HtmlPdfRenderer
from sellintegro_invoice_pdf.typst_renderer import TypstPdfRenderer


def _line(position: int, name: str, qty: str, price: str, rate: str) -> DocumentLine:
    net = (Decimal(qty) * Decimal(price)).quantize(Decimal("0.01"))
    vat = (net * Decimal(rate) / 100).quantize(Decimal("0.01"))
    return DocumentLine(position=position, name=name, quantity=Decimal(qty), unit_net=Decimal(price),
                        unit_gross=(Decimal(price) * (1 + Decimal(rate) / 100)).quantize(Decimal("0.01")),
                        vat_symbol=rate, vat_rate=Decimal(rate), net=net, vat=vat, gross=net + vat)


def sample_invoice() -> SalesDocument:
    """A typical invoice: 3 lines, 2 rates, a company buyer, numbered in KSeF."""
    lines = [_line(1, "Czajnik elektryczny 1,7 l", "2", "129.99", "23"),
             _line(2, "Kawa ziarnista 1 kg", "3", "54.50", "8"),
             _line(3, "Filtr do wody", "1", "39.90", "23")]
    rows = []
    for rate in ("23", "8"):
        net = sum((x.net for x in lines if x.vat_symbol == rate), Decimal(0))
        vat = (net * Decimal(rate) / 100).quantize(Decimal("0.01"))
        rows.append(VatRow(vat_symbol=rate, vat_rate=Decimal(rate), net=net, vat=vat, gross=net + vat))
    totals = Totals(net=sum((r.net for r in rows), Decimal(0)), vat=sum((r.vat for r in rows), Decimal(0)),
                    gross=sum((r.gross for r in rows), Decimal(0)))
    return SalesDocument(
        id="1", kind="FS", number="FS 12/2026", issue_date=date(2026, 4, 15), sale_date=date(2026, 4, 15),
        place_of_issue="Warszawa", seller=Party(name="Sklep Żółta Łódź sp. z o.o.", nip="526-587-76-35",
                                                street="ul. Świętokrzyska 12", postcode="00-916", city="Warszawa"),
        buyer=Party(name="Hurtownia Gęś S.A.", nip="1111111111", street="ul. Źródlana 7", postcode="30-001",
                    city="Kraków"),
        lines=lines, vat_table=rows, totals=totals,
        payment=Payment(form="przelew", due_date=date(2026, 4, 29), bank_account="PL61 1090 1014 0000 0712 1981 2874"),
        ksef=KsefInfo(state="numbered", number=make_ksef_number("5265877635", "20260415", "0100004A1B2C"),
                      hash="dac49463cd7053009f147009cab89c44712dd371f350cfb5a9af26ee438bb0ab"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--per-batch", type=int, default=10)
    parser.add_argument("--template", default="pl")
    parser.add_argument("--renderer", choices=("typst_pdf", "html_pdf"), default="typst_pdf")
    parser.add_argument("--svg", action="store_true", help="html_pdf: draw QR codes as inline SVG, not slots")
    args = parser.parse_args()
    renderer: HtmlPdfRenderer | TypstPdfRenderer
    if args.renderer == "html_pdf":
        renderer = HtmlPdfRenderer()
        renderer._qr_slots = not args.svg
    else:
        renderer = TypstPdfRenderer()
    documents = []
    for i in range(args.batches * args.per_batch + 1):
        document = sample_invoice()
        document = updated(document, {"ksef.hash": hashlib.sha256(f"invoice {i}".encode()).hexdigest()})
        documents.append(document)
    size = len(renderer.render(documents.pop(), args.template))      # warm-up: fonts, templates, stylesheet
    best = float("inf")
    for _ in range(args.batches):
        start = time.process_time()
        for _ in range(args.per_batch):
            renderer.render(documents.pop(), args.template)
        best = min(best, (time.process_time() - start) / args.per_batch)
    print(f"{1 / best:.1f} PDFs/s per core ({best * 1000:.0f} ms per PDF, {size:,} bytes each)")


if __name__ == "__main__":
    main()
