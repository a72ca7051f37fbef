"""Exactly once without trusting the ledger, at the sink level against the emulator (issue 11).

A new ledger (an empty StepLog and state) adopts what the account holds, corrections included; a scenario
never takes another scenario's document or creates corrections on an order another scenario holds; a
placeholder series that Base sends to KSeF (emulator ``"ksef": true``) stops the run with exit code 3;
``sellintegro check`` warns about it. The emulator's ``getReceipts`` and KSeF data are checked too.
"""

from __future__ import annotations

import time

import pytest

from sellintegro_baselinker.claims import describe, instance_tag, tag_of_file, tag_pdf, without_claim
from sellintegro_baselinker.ksef import KsefSeriesError
from sellintegro_core.components import OrderQuery
from sellintegro_core.errors import EXIT_CONNECTION
from sellintegro_core.testing import MemoryState, MemoryStepLog
from tests.baselinker.conftest import call
from tests.baselinker.fixtures.sinkkit import PDF, attach, ctx, make_sink

NOW = int(time.time())
SERIES = [{"id": 51, "type": "INVOICE", "name": "Subiekt"}, {"id": 52, "type": "CORRECTION", "name": "Korekty"}]


def _orders(server, n: int) -> list[int]:
    return server.emulator.add_orders([{"date_add": NOW - 3600} for _ in range(n)])


def _sink(server, name: str = "shop", **extra):
    sink = make_sink(server.url, state=MemoryState(), invoice_series="Subiekt", correction_series="Korekty", **extra)
    sink.tag = instance_tag(name, sink.context.base_dir)
    return sink


def _fetch(sink, ids) -> None:
    list(sink.fetch_orders(OrderQuery(refs=[str(i) for i in ids])))


def _invoice_and_correction(sink, order_id: int, n: int):
    fs = sink.apply(attach(order_id, f"FS {n}/2026"), ctx(MemoryStepLog()))
    kfs = sink.apply(attach(order_id, f"KFS {n}/2026", target="correction",
                            corrected_document_number=f"FS {n}/2026"), ctx(MemoryStepLog()))
    return fs, kfs


def test_claim_tag_round_trip() -> None:
    tag = "shop@kasa#1a2b3c"
    tagged = tag_pdf(PDF, tag)
    assert tag_of_file("data:" + __import__("base64").b64encode(tagged).decode()) == tag
    assert without_claim(tagged) == PDF
    assert describe(tag) == "scenario 'shop' on host kasa (instance 1a2b3c)"
    assert tag_of_file("data:" + __import__("base64").b64encode(PDF).decode()) is None


@pytest.mark.parametrize("runs_before", [1, 2])
def test_a_new_ledger_adopts_corrections_instead_of_duplicating_them(emulator_factory, runs_before) -> None:
    """The reported bug: after the ledger was lost, corrections were created again (one more per loss)."""
    server = emulator_factory(seed={"series": SERIES})
    ids = _orders(server, 4)
    for _ in range(runs_before):          # each time with a new, empty ledger
        sink = _sink(server)
        _fetch(sink, ids)
        results = [_invoice_and_correction(sink, order_id, n) for n, order_id in enumerate(ids)]
        assert all(r.ok for pair in results for r in pair), [r.message for pair in results for r in pair]
    for order_id in ids:
        docs = server.emulator.invoices(order_id)
        assert [d["type"] for d in docs] == ["normal", "correcting"], docs
    # the second time everything was adopted: no create, no upload
    if runs_before == 2:
        assert all(pair[0].outcome == pair[1].outcome == "already_done" for pair in results)
        created = [c for c in server.emulator.calls if c["method"] in ("addInvoice", "addInvoiceCorrection",
                                                                       "addOrderInvoiceFile")]
        assert len(created) == 4 * len(ids)          # the first time only: 2 creates + 2 uploads per order


def test_another_scenarios_documents_are_skipped_naming_it(emulator_factory) -> None:
    server = emulator_factory(seed={"series": SERIES})
    ids = _orders(server, 3)
    first = _sink(server, "shop")
    _fetch(first, ids)
    assert first.apply(attach(ids[0], "FS 1/2026"), ctx()).outcome == "done"
    twin = _sink(server, "shop-copy")
    _fetch(twin, ids)
    skipped = twin.apply(attach(ids[0], "FS 1/2026"), ctx(steps := MemoryStepLog()))
    assert skipped.outcome == "skipped" and skipped.data["code"] == "claimed_by_other"
    assert "scenario 'shop' on host" in skipped.message and skipped.data["final"] is True
    # recorded: asked again, it answers without a call
    before = twin.api_calls
    assert twin.apply(attach(ids[0], "FS 1/2026"), ctx(steps)).outcome == "skipped" and twin.api_calls == before
    # a correction on that order is never created by the twin, even when its own ledger thinks it may
    kfs = twin.apply(attach(ids[0], "KFS 1/2026", target="correction", corrected_document_number="FS 1/2026"),
                     ctx())
    assert kfs.outcome == "skipped" and "held by scenario 'shop'" in kfs.message
    assert [d["type"] for d in server.emulator.invoices(ids[0])] == ["normal"]
    # the holder does create it
    assert first.apply(attach(ids[0], "KFS 1/2026", target="correction", corrected_document_number="FS 1/2026"),
                       ctx()).outcome == "done"


def test_ksef_connected_series_stops_the_run(emulator_factory) -> None:
    server = emulator_factory(seed={"series": [{**SERIES[0], "ksef": True}, SERIES[1]]})
    ids = _orders(server, 4)
    sink = _sink(server)
    _fetch(sink, ids)
    with pytest.raises(KsefSeriesError) as info:
        sink.apply(attach(ids[0], "FS 1/2026"), ctx())
    assert info.value.exit_code == EXIT_CONNECTION
    assert "'Subiekt' (id 51)" in info.value.message and "Disconnect series" in info.value.message
    with pytest.raises(KsefSeriesError):          # no second placeholder in that series
        sink.apply(attach(ids[1], "FS 2/2026"), ctx())
    assert sum(1 for c in server.emulator.calls if c["method"] == "addInvoice") == 1
    # `sellintegro check` warns about the series
    items = sink.check()
    warning = [i for i in items if "KSeF" in i.name and "WARNING" in i.detail]
    assert warning and "'Subiekt'" in warning[0].detail


def test_emulator_government_data_and_receipts(emulator_factory) -> None:
    server = emulator_factory(seed={"series": [{**SERIES[0], "ksef": True}, SERIES[1],
                                               {"id": 53, "type": "RECEIPT", "name": "Par"}]})
    (order_id, other) = _orders(server, 2)
    invoice_id = call(server.url, "addInvoice", order_id=order_id, series_id=51)["invoice_id"]
    (invoice,) = call(server.url, "getInvoices", invoice_id=invoice_id, get_government_data=True)["invoices"]
    assert invoice["gov_status"] == 1 and invoice["gov_id"] and invoice["gov_date"] > 0
    (plain,) = call(server.url, "getInvoices", invoice_id=invoice_id)["invoices"]
    assert "gov_status" not in plain
    assert all("ksef" not in s for s in call(server.url, "getSeries")["series"])
    time.sleep(3.1)
    (later,) = call(server.url, "getInvoices", invoice_id=invoice_id, get_government_data=True)["invoices"]
    assert later["gov_status"] == 2
    receipt_id = call(server.url, "addReceipt", order_id=other)["receipt_id"]
    receipts = call(server.url, "getReceipts", date_from=NOW - 60)["receipts"]
    assert [r["receipt_id"] for r in receipts] == [receipt_id]
    assert call(server.url, "getReceipts", id_from=receipt_id + 1)["receipts"] == []
