"""The sink's placeholder-and-file flow against the emulator on a real socket.

Never a second invoice/receipt per order; each step recorded before the next call, so a crash anywhere
resumes with the same BaseLinker document; numbers validated before any call.
"""

from __future__ import annotations

import time

import pytest

from sellintegro_baselinker.claims import without_claim
from sellintegro_core.components import OrderQuery
from sellintegro_core.errors import ConfigError, DocumentError
from sellintegro_core.testing import MemoryState, MemoryStepLog
from tests.baselinker.conftest import call
from tests.baselinker.fixtures.sinkkit import PDF, Crash, CrashingSteps, attach, ctx, make_sink

NOW = int(time.time())


def new_orders(server, n: int = 1, **fields) -> list[int]:
    return server.emulator.add_orders([{"date_add": NOW - 3600, **fields} for _ in range(n)])


def fetched(sink, ids) -> list:
    return list(sink.fetch_orders(OrderQuery(refs=[str(i) for i in ids])))


def test_invoice_placeholder_then_file_two_writes(emulator):
    emu = emulator.emulator
    (order_id,) = new_orders(emulator)
    sink = make_sink(emulator.url)
    fetched(sink, [order_id])
    steps = MemoryStepLog()
    result = sink.apply(attach(order_id, "FS 12/11/2026"), ctx(steps))
    assert result.outcome == "done", result.message
    (invoice,) = emu.invoices(order_id)
    assert invoice["external_invoice_number"] == "FS 12/11/2026" and invoice["has_external_file"]
    assert without_claim(emu.invoice_file(invoice["invoice_id"])) == PDF
    assert steps.get("placeholder")["invoice_id"] == invoice["invoice_id"]
    assert steps.get("file")["number"] == "FS 12/11/2026"
    assert result.data["invoice_id"] == invoice["invoice_id"]
    assert sink.method_calls["addInvoice"] == 1 and sink.method_calls["addOrderInvoiceFile"] == 1
    # applied again: nothing happens, no call
    before = sink.api_calls
    again = sink.apply(attach(order_id, "FS 12/11/2026"), ctx(steps))
    assert again.outcome == "already_done" and sink.api_calls == before


def test_reuses_a_baselinker_invoice_without_file(emulator):
    """A run with many orders reads the reusable invoices once (index): no addInvoice for that order."""
    emu = emulator.emulator
    order_ids = new_orders(emulator, 5)
    existing = call(emulator.url, "addInvoice", order_id=order_ids[2], series_id=1)["invoice_id"]
    sink = make_sink(emulator.url)
    fetched(sink, order_ids)
    result = sink.apply(attach(order_ids[2], "FS 1/2026"), ctx())
    assert result.outcome == "done"
    assert [i["invoice_id"] for i in emu.invoices(order_ids[2])] == [existing]
    assert emu.invoices(order_ids[2])[0]["external_invoice_number"] == "FS 1/2026"
    # one batched read for the run, one look at that order right before reusing its invoice, and (the invoice
    # being young: another scenario might be uploading to it) one more a moment later
    assert "addInvoice" not in sink.method_calls and sink.method_calls["getInvoices"] == 3
    for n, order_id in enumerate(order_ids[3:]):
        assert sink.apply(attach(order_id, f"FS {n + 2}/2026"), ctx()).outcome == "done"
    # + one read of the first placeholder created, with government data (Base's own KSeF sending)
    assert sink.method_calls["getInvoices"] == 4 and sink.method_calls["addInvoice"] == 2


def test_tiny_run_relies_on_the_one_invoice_rule_then_reuses(emulator):
    """One order in the run: no index read; BaseLinker refuses a second invoice, the sink reads and reuses."""
    emu = emulator.emulator
    (order_id,) = new_orders(emulator)
    existing = call(emulator.url, "addInvoice", order_id=order_id, series_id=1)["invoice_id"]
    sink = make_sink(emulator.url)
    fetched(sink, [order_id])
    assert sink.apply(attach(order_id, "FS 1/2026"), ctx()).outcome == "done"
    assert [i["invoice_id"] for i in emu.invoices(order_id)] == [existing]
    assert emu.invoices(order_id)[0]["external_invoice_number"] == "FS 1/2026"


@pytest.mark.parametrize("mode", ["batched", "per_order"])
def test_invoice_already_carrying_our_number_is_done(emulator, mode):
    emu = emulator.emulator
    (order_id,) = new_orders(emulator)
    invoice_id = call(emulator.url, "addInvoice", order_id=order_id, series_id=1)["invoice_id"]
    call(emulator.url, "addOrderInvoiceFile", invoice_id=invoice_id, file="data:JVBERi0=",
         external_invoice_number="FS 7/2026")
    sink = make_sink(emulator.url, existing_documents=mode)
    fetched(sink, [order_id])
    result = sink.apply(attach(order_id, "FS 7/2026"), ctx())
    assert result.outcome == "already_done"
    assert "addOrderInvoiceFile" not in sink.method_calls
    assert len(emu.invoices(order_id)) == 1 and without_claim(emu.invoice_file(invoice_id)) == b"%PDF-"


def test_invoice_of_another_document_is_never_overwritten(emulator):
    emu = emulator.emulator
    (order_id,) = new_orders(emulator)
    invoice_id = call(emulator.url, "addInvoice", order_id=order_id, series_id=1)["invoice_id"]
    call(emulator.url, "addOrderInvoiceFile", invoice_id=invoice_id, file="data:JVBERi0=",
         external_invoice_number="FV OTHER/1")
    sink = make_sink(emulator.url)
    fetched(sink, [order_id])
    with pytest.raises(DocumentError) as info:
        sink.apply(attach(order_id, "FS 8/2026"), ctx())
    assert "FV OTHER/1" in info.value.message and "one invoice per order" in info.value.message
    assert len(emu.invoices(order_id)) == 1 and without_claim(emu.invoice_file(invoice_id)) == b"%PDF-"


@pytest.mark.parametrize("crash_on", ["intent", "placeholder", "file"])
def test_no_duplicate_invoice_after_a_crash_at_any_step(emulator, crash_on):
    emu = emulator.emulator
    (order_id,) = new_orders(emulator)
    state = MemoryState()
    steps = MemoryStepLog()
    first = make_sink(emulator.url, state=state)
    fetched(first, [order_id])
    with pytest.raises(Crash):
        first.apply(attach(order_id, "FS 9/2026"), ctx(CrashingSteps(steps, crash_on=crash_on)))
    # restart: a new sink instance (a new run), same ledger steps
    second = make_sink(emulator.url, state=state)
    fetched(second, [order_id])
    result = second.apply(attach(order_id, "FS 9/2026"), ctx(steps))
    assert result.ok, result.message
    (invoice,) = emu.invoices(order_id)
    assert invoice["external_invoice_number"] == "FS 9/2026"
    assert without_claim(emu.invoice_file(invoice["invoice_id"])) == PDF
    assert second.method_calls.get("addInvoice", 0) + first.method_calls.get("addInvoice", 0) == 1
    # and a third run finds everything done without a call
    third = make_sink(emulator.url, state=state)
    assert third.apply(attach(order_id, "FS 9/2026"), ctx(steps)).outcome == "already_done"
    assert third.api_calls == 0


def test_crash_without_any_ledger_step_relies_on_one_invoice_per_order(emulator):
    """Even with the ledger lost, BaseLinker's one-invoice rule + a read find the invoice: no duplicate."""
    emu = emulator.emulator
    (order_id,) = new_orders(emulator)
    first = make_sink(emulator.url)
    fetched(first, [order_id])
    with pytest.raises(Crash):
        first.apply(attach(order_id, "FS 10/2026"), ctx(CrashingSteps(crash_on="file")))
    second = make_sink(emulator.url)
    fetched(second, [order_id])
    result = second.apply(attach(order_id, "FS 10/2026"), ctx(MemoryStepLog()))  # ledger lost
    assert result.outcome == "already_done"
    assert len(emu.invoices(order_id)) == 1


def test_lost_answer_of_addinvoice_is_confirmed_not_repeated(emulator):
    emu = emulator.emulator
    (order_id,) = new_orders(emulator)
    sink = make_sink(emulator.url)
    fetched(sink, [order_id])
    emu.inject_fault("drop", method="addInvoice", apply="after")
    emu.inject_fault("malformed", method="addOrderInvoiceFile", apply="after")
    result = sink.apply(attach(order_id, "FS 11/2026"), ctx())
    assert result.outcome == "done", result.message
    (invoice,) = emu.invoices(order_id)
    assert invoice["external_invoice_number"] == "FS 11/2026"
    assert sink.method_calls["addInvoice"] == 1 and sink.method_calls["addOrderInvoiceFile"] == 1


def test_too_long_number_is_a_document_error_before_any_call(emulator):
    sink = make_sink(emulator.url)
    number = "FS 1234567/MAGAZYN-GLOWNY/11/2026"
    assert len(number) > 30
    with pytest.raises(DocumentError) as info:
        sink.apply(attach(1, number), ctx())
    assert info.value.code == "number_too_long" and "30" in info.value.message and number in info.value.message
    assert sink.api_calls == 0


def test_receipt_flow_and_the_20_character_limit(emulator):
    emu = emulator.emulator
    (order_id,) = new_orders(emulator)
    sink = make_sink(emulator.url, receipt_series="Paragony")
    fetched(sink, [order_id])
    with pytest.raises(DocumentError) as info:
        sink.apply(attach(order_id, "PA 123456/MAG/11/2026", target="receipt"), ctx())
    assert "20" in info.value.message and sink.method_calls.get("addReceipt") is None
    number = "PA 12345/MAG/01/2025"
    assert len(number) == 20
    steps = MemoryStepLog()
    result = sink.apply(attach(order_id, number, target="receipt"), ctx(steps))
    assert result.outcome == "done", result.message
    (receipt,) = emu.receipts(order_id)
    assert receipt["external_receipt_number"] == number
    assert without_claim(emu.receipt_file(receipt["receipt_id"])) == PDF
    assert steps.get("placeholder")["receipt_id"] == receipt["receipt_id"]


@pytest.mark.parametrize("crash_on", ["intent", "placeholder", "file"])
def test_no_duplicate_receipt_after_a_crash(emulator, crash_on):
    emu = emulator.emulator
    (order_id,) = new_orders(emulator)
    steps = MemoryStepLog()
    first = make_sink(emulator.url)
    with pytest.raises(Crash):
        first.apply(attach(order_id, "PA 5/2026", target="receipt"), ctx(CrashingSteps(steps, crash_on=crash_on)))
    result = make_sink(emulator.url).apply(attach(order_id, "PA 5/2026", target="receipt"), ctx(steps))
    assert result.ok, result.message
    (receipt,) = emu.receipts(order_id)
    assert receipt["external_receipt_number"] == "PA 5/2026"


def test_receipt_reuses_existing_one(emulator):
    emu = emulator.emulator
    (order_id,) = new_orders(emulator)
    receipt_id = call(emulator.url, "addReceipt", order_id=order_id)["receipt_id"]
    sink = make_sink(emulator.url)
    assert sink.apply(attach(order_id, "PA 6/2026", target="receipt"), ctx()).outcome == "done"
    assert [r["receipt_id"] for r in emu.receipts(order_id)] == [receipt_id]


def test_correction_on_the_original_invoice(emulator):
    emu = emulator.emulator
    (order_id,) = new_orders(emulator)
    state = MemoryState()
    sink = make_sink(emulator.url, state=state)
    fetched(sink, [order_id])
    assert sink.apply(attach(order_id, "FS 20/2026"), ctx()).ok
    calls_before = sink.api_calls
    correction = attach(order_id, "KFS 3/2026", target="correction", corrected_document_number="FS 20/2026")
    result = sink.apply(correction, ctx(pdf=b"%PDF-1.4 correction"))
    assert result.outcome == "done", result.message
    original, corr = emu.invoices(order_id)
    assert corr["type"] == "correcting" and corr["correcting_to_invoice_id"] == original["invoice_id"]
    assert corr["external_invoice_number"] == "KFS 3/2026"
    assert without_claim(emu.invoice_file(corr["invoice_id"])) == b"%PDF-1.4 correction"
    # the original was attached in this run: no read; the first correction placeholder of the run is read back
    # once with government data (KSeF check), then the file
    assert sink.api_calls - calls_before == 3
    assert sink.method_calls["addInvoiceCorrection"] == 1


def invoice_attached(server, number: str) -> tuple[int, MemoryState, object]:
    """An order with the invoice ``number`` attached by a sink over a ledger state (order id, state, sink)."""
    (order_id,) = new_orders(server)
    state = MemoryState()
    sink = make_sink(server.url, state=state)
    fetched(sink, [order_id])
    assert sink.apply(attach(order_id, number), ctx()).ok
    return order_id, state, sink


@pytest.mark.parametrize("crash_on", ["intent", "placeholder", "file"])
def test_no_duplicate_correction_after_a_crash(emulator, crash_on):
    emu = emulator.emulator
    order_id, state, first = invoice_attached(emulator, "FS 21/2026")
    correction = attach(order_id, "KFS 4/2026", target="correction", corrected_document_number="FS 21/2026")
    steps = MemoryStepLog()
    with pytest.raises(Crash):
        first.apply(correction, ctx(CrashingSteps(steps, crash_on=crash_on)))
    result = make_sink(emulator.url, state=state).apply(correction, ctx(steps))
    assert result.ok, result.message
    corrections = [i for i in emu.invoices(order_id) if i["type"] == "correcting"]
    assert len(corrections) == 1 and corrections[0]["external_invoice_number"] == "KFS 4/2026"


def test_correction_without_attached_original_is_a_document_error(emulator):
    (order_id,) = new_orders(emulator)
    sink = make_sink(emulator.url)
    correction = attach(order_id, "KFS 5/2026", target="correction", corrected_document_number="FS 99/2026")
    with pytest.raises(DocumentError) as info:
        sink.apply(correction, ctx())
    assert "FS 99/2026" in info.value.message and info.value.code == "original_missing"


def test_unknown_series_name_lists_the_valid_ones(emulator):
    (order_id,) = new_orders(emulator)
    sink = make_sink(emulator.url, invoice_series="Subiekt")
    with pytest.raises(ConfigError) as info:
        sink.apply(attach(order_id, "FS 30/2026"), ctx())
    assert "'Subiekt'" in str(info.value) and "'Faktury'" in str(info.value)
    wrong_type = make_sink(emulator.url, invoice_series="Paragony")
    with pytest.raises(ConfigError) as info:
        wrong_type.apply(attach(order_id, "FS 30/2026"), ctx())
    assert "RECEIPT series" in str(info.value)
    assert emulator.emulator.invoices(order_id) == []


def test_missing_invoice_series_is_a_config_error(emulator):
    (order_id,) = new_orders(emulator)
    sink = make_sink(emulator.url, invoice_series=None)
    with pytest.raises(ConfigError) as info:
        sink.apply(attach(order_id, "FS 31/2026"), ctx())
    assert "invoice_series" in str(info.value) and "KSeF" in str(info.value)


def test_recorded_placeholder_deleted_in_baselinker_gets_a_new_invoice(emulator):
    emu = emulator.emulator
    (order_id,) = new_orders(emulator)
    steps = MemoryStepLog()
    steps.record("intent", {"series_id": 1})
    steps.record("placeholder", {"invoice_id": 987654})          # e.g. the user deleted it in the panel
    sink = make_sink(emulator.url)
    fetched(sink, [order_id])
    result = sink.apply(attach(order_id, "FS 40/2026"), ctx(steps))
    assert result.outcome == "done", result.message
    (invoice,) = emu.invoices(order_id)
    assert invoice["external_invoice_number"] == "FS 40/2026" and steps.get("file")["id"] == invoice["invoice_id"]


def test_recorded_receipt_deleted_in_baselinker_gets_a_new_receipt(emulator):
    """A receipt the ledger's steps name but the user deleted in BaseLinker must not block the document for
    ever (every later run refused the upload): like an invoice, it is marked lost and one new receipt is made."""
    emu = emulator.emulator
    (order_id,) = new_orders(emulator)
    steps = MemoryStepLog()
    steps.record("intent", {"series_id": 1})
    steps.record("placeholder", {"id": 987656, "receipt_id": 987656})     # e.g. deleted in the panel
    sink = make_sink(emulator.url, receipt_series="Paragony")
    fetched(sink, [order_id])
    result = sink.apply(attach(order_id, "PA 41/2026", target="receipt"), ctx(steps))
    assert result.outcome == "done", result.message
    (receipt,) = emu.receipts(order_id)
    assert receipt["external_receipt_number"] == "PA 41/2026" and steps.get("file")["id"] == receipt["receipt_id"]
    assert make_sink(emulator.url).apply(attach(order_id, "PA 41/2026", target="receipt"), ctx(steps)).outcome \
        == "already_done"
    assert len(emu.receipts(order_id)) == 1


def test_recorded_correction_deleted_in_baselinker_is_an_error_then_a_new_correction(emulator):
    """Unlike an invoice, a vanished correction placeholder is not replaced in the same attempt (BaseLinker
    would accept a second correction): the attempt fails with a clear message, the next one creates it."""
    emu = emulator.emulator
    order_id, state, sink = invoice_attached(emulator, "FS 42/2026")
    correction = attach(order_id, "KFS 6/2026", target="correction", corrected_document_number="FS 42/2026")
    steps = MemoryStepLog()
    steps.record("intent", {"series_id": None})
    steps.record("placeholder", {"id": 987655, "invoice_id": 987655})     # e.g. deleted in the panel
    with pytest.raises(DocumentError) as info:
        sink.apply(correction, ctx(steps))
    assert info.value.code == "placeholder_lost" and "987655" in info.value.message
    assert [i for i in emu.invoices(order_id) if i["type"] == "correcting"] == []
    result = make_sink(emulator.url, state=state).apply(correction, ctx(steps))
    assert result.outcome == "done", result.message
    (made,) = [i for i in emu.invoices(order_id) if i["type"] == "correcting"]
    assert made["external_invoice_number"] == "KFS 6/2026" and steps.get("file")["id"] == made["invoice_id"]


def test_ksef_field_written_on_rerun_when_a_crash_came_after_the_file(emulator):
    from sellintegro_core.models import KsefInfo

    emu = emulator.emulator
    emu.apply_seed({"extra_fields": [{"extra_field_id": 5, "name": "KSeF", "editor_type": "text"}]})
    (order_id,) = new_orders(emulator)

    class Doc:
        ksef = KsefInfo(state="numbered", number="5265877635-20250826-0100001AF629-AF")

    steps = MemoryStepLog()
    with pytest.raises(Crash):
        make_sink(emulator.url, ksef_number_field="KSeF").apply(
            attach(order_id, "FS 41/2026"), ctx(CrashingSteps(steps, crash_on="ksef_field"), document=Doc()))
    steps.steps.pop("ksef_field", None)
    sink = make_sink(emulator.url, ksef_number_field="KSeF")
    assert sink.apply(attach(order_id, "FS 41/2026"), ctx(steps, document=Doc())).outcome == "already_done"
    assert steps.get("ksef_field") and "addOrderInvoiceFile" not in sink.method_calls
    assert len(emu.invoices(order_id)) == 1
