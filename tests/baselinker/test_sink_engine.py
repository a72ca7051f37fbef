"""The sink inside a real run of the engine: JSONL source -> invoice_pdf rule -> html_pdf renderer -> baselinker
sink on the emulator's socket -> ledger. Checks what a seller cares about: each document attached once, the
status set only after its file, a second run with nothing new makes no BaseLinker call."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from sellintegro_core import clock
from sellintegro_core.config import load_scenario
from sellintegro_core.engine import run_scenario
from sellintegro_core.models import DocumentLine, OrderRef, Party, SalesDocument, Totals, VatRow
from tests.baselinker.fixtures.sinkkit import TOKEN, TOKEN_ENV


def document(number: str, order_id: int, kind: str = "FS") -> SalesDocument:
    today = clock.now().date()
    line = DocumentLine(position=1, name="Kubek", quantity=Decimal("1"), unit_net=Decimal("100.00"),
                        unit_gross=Decimal("123.00"), vat_symbol="23", vat_rate=Decimal("23"),
                        net=Decimal("100.00"), vat=Decimal("23.00"), gross=Decimal("123.00"))
    return SalesDocument(
        id=number.replace(" ", "_").replace("/", "-"), kind=kind, number=number, issue_date=today,
        seller=Party(name="Sklep Przykład sp. z o.o.", nip="5260250995", street="ul. Handlowa 5",
                     postcode="00-100", city="Warszawa"),
        buyer=Party(name="Jan Kowalski", street="ul. Przykładowa 1", postcode="00-001", city="Warszawa"),
        lines=[line], vat_table=[VatRow(vat_symbol="23", vat_rate=Decimal("23"), net=Decimal("100.00"),
                                        vat=Decimal("23.00"), gross=Decimal("123.00"))],
        totals=Totals(net=Decimal("100.00"), vat=Decimal("23.00"), gross=Decimal("123.00")),
        order_ref=OrderRef(value=str(order_id)))


@pytest.fixture
def shop(tmp_path: Path, emulator_factory, monkeypatch):
    server = emulator_factory(requests_per_minute=100_000)
    server.emulator.apply_seed({"statuses": [{"id": 2001, "name": "Faktura wysłana"}]})
    placed = int((clock.now() - timedelta(days=1)).timestamp())
    ids = server.emulator.add_orders([{"date_add": placed + n} for n in range(6)])
    docs = [document(f"FS {n + 1}/11/2026", order_id) for n, order_id in enumerate(ids[:4])]
    docs.append(document("PA 1/11/2026", ids[4], kind="PA"))
    (tmp_path / "docs.jsonl").write_text("\n".join(d.model_dump_json() for d in docs) + "\n", encoding="utf-8")
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    (tmp_path / "shop.toml").write_text(f'''
name = "bl-shop"
timezone = "Europe/Warsaw"
[window]
days_back = 14
before_setup = "include"
before_setup_days = 7
[source]
plugin = "jsonl"
path = "docs.jsonl"
[sink]
plugin = "baselinker"
token = {{ env = "{TOKEN_ENV}" }}
url = "{server.url}"
requests_per_minute = 100
invoice_series = "Faktury"
receipt_series = "Paragony"
[rule]
plugin = "invoice_pdf"
statuses = "all"
on_success = {{ status = "Faktura wysłana" }}
documents = ["FS", "PA"]
wait_for_ksef = "no"
''', encoding="utf-8")
    return server, ids, tmp_path / "shop.toml"


def test_run_attaches_each_document_once_then_sets_the_status(shop):
    server, ids, path = shop
    emu = server.emulator
    report = run_scenario(load_scenario(path))
    assert report.exit_code == 0, [r.message for r in report.rows]
    for n, order_id in enumerate(ids[:4]):
        (invoice,) = emu.invoices(order_id)
        assert invoice["external_invoice_number"] == f"FS {n + 1}/11/2026"
        assert emu.invoice_file(invoice["invoice_id"]).startswith(b"%PDF")
        assert emu.order(order_id)["order_status_id"] == 2001
    (receipt,) = emu.receipts(ids[4])
    assert receipt["external_receipt_number"] == "PA 1/11/2026"
    assert emu.order(ids[5])["order_status_id"] == 1001           # no document: untouched
    methods = [c["method"] for c in emu.calls]
    last_file = max(i for i, m in enumerate(methods) if m in ("addOrderInvoiceFile", "addOrderReceiptFile"))
    assert methods.index("setOrderStatuses") > last_file           # statuses after every file, batched
    assert methods.count("setOrderStatuses") == 1
    assert report.api_calls == len(methods)
    assert methods.count("addInvoice") + methods.count("addReceipt") == 5
    # nothing new: no call at all
    calls = emu.call_count()
    again = run_scenario(load_scenario(path))
    assert again.exit_code == 0 and again.api_calls == 0 and emu.call_count() == calls
