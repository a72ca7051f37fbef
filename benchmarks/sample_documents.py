"""Sales documents for the rendering benchmark: a typical invoice with N lines, numbered in KSeF."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sellintegro_core.models import DocumentLine, KsefInfo, Party, Payment, SalesDocument, Totals, VatRow

PRODUCTS = [
    ("Czajnik elektryczny 1,7 l", "129.99", "23"), ("Kawa ziarnista 1 kg", "54.50", "8"),
    ("Filtr do wody", "39.90", "23"), ("Herbata zielona 100 g", "18.20", "5"),
    ("Kubek termiczny 450 ml", "64.00", "23"), ("Mleko owsiane 1 l", "9.49", "5"),
    ("Książka: Przepisy kuchni polskiej", "49.90", "5"), ("Młynek żarnowy do kawy", "219.00", "23"),
]
Q2 = Decimal("0.01")


def _line(position: int, name: str, qty: int, price: str, rate: str) -> DocumentLine:
    unit = Decimal(price)
    net = (qty * unit).quantize(Q2)
    vat = (net * Decimal(rate) / 100).quantize(Q2)
    return DocumentLine(position=position, name=name, quantity=Decimal(qty), unit="szt.", unit_net=unit,
                        unit_gross=(unit * (1 + Decimal(rate) / 100)).quantize(Q2), vat_symbol=rate,
                        vat_rate=Decimal(rate), net=net, vat=vat, gross=net + vat)


def invoice(lines: int = 3, number: str = "FS 12/2026") -> SalesDocument:
    """An FS to a Polish company with ``lines`` lines over the 23/8/5 % rates and a KSeF number."""
    from sellintegro_invoice_pdf.ksef import make_ksef_number

    items = []
    for i in range(lines):
        name, price, rate = PRODUCTS[i % len(PRODUCTS)]
        suffix = f" (partia {i // len(PRODUCTS) + 1})" if lines > len(PRODUCTS) else ""
        items.append(_line(i + 1, name + suffix, 1 + i % 4, price, rate))
    rows = []
    for rate in sorted({x.vat_symbol for x in items}, key=lambda r: -int(r)):
        net = sum((x.net for x in items if x.vat_symbol == rate), Decimal(0))
        vat = (net * Decimal(rate) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)    # net × rate
        rows.append(VatRow(vat_symbol=rate, vat_rate=Decimal(rate), net=net, vat=vat, gross=net + vat))
    totals = Totals(net=sum((r.net for r in rows), Decimal(0)), vat=sum((r.vat for r in rows), Decimal(0)),
                    gross=sum((r.gross for r in rows), Decimal(0)))
    return SalesDocument(
        id="1", kind="FS", number=number, issue_date=date(2026, 4, 15), sale_date=date(2026, 4, 15),
        place_of_issue="Warszawa",
        seller=Party(name="Sklep Żółta Łódź sp. z o.o.", nip="5265877635", street="ul. Świętokrzyska 12",
                     postcode="00-916", city="Warszawa"),
        buyer=Party(name="Hurtownia Gęś S.A.", nip="1111111111", street="ul. Źródlana 7", postcode="30-001",
                    city="Kraków"),
        lines=items, vat_table=rows, totals=totals,
        payment=Payment(form="przelew", due_date=date(2026, 4, 29),
                        bank_account="PL61 1090 1014 0000 0712 1981 2874"),
        ksef=KsefInfo(state="numbered", number=make_ksef_number("5265877635", "20260415", "0100004A1B2C"),
                      hash="dac49463cd7053009f147009cab89c44712dd371f350cfb5a9af26ee438bb0ab"))
