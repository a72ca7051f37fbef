"""What the sink learns of the account in a run (``holdings.py``) is kept on disk, not as objects in memory.

The batched ``getInvoices`` / ``getReceipts`` read returns every document since the oldest order of the run;
kept as objects, a run's memory grew with the size of the window (issue 17). These tests count the objects
the run keeps, over more orders than one page of the batched read, and check the answers are unchanged.
"""

from __future__ import annotations

import gc
import time
from typing import Any

from sellintegro_baselinker.responses import ApiInvoice, ApiReceipt
from sellintegro_core.components import OrderQuery
from tests.baselinker.conftest import call
from tests.baselinker.fixtures.sinkkit import attach, ctx, make_sink

NOW = int(time.time())
ORDERS = 230          # more than two pages (100) of the batched read


def alive(kind: type) -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o) is kind)


def containers(holdings: Any) -> dict[str, int]:
    """The sizes of the containers the holdings object keeps as attributes."""
    return {name: len(value) for name, value in vars(holdings).items() if isinstance(value, dict | list | set)}


def test_a_run_keeps_no_invoice_or_receipt_objects_of_the_orders_it_handled(emulator_factory):
    emulator = emulator_factory(requests_per_minute=100_000)
    order_ids = emulator.emulator.add_orders([{"date_add": NOW - 3600} for _ in range(ORDERS)])
    invoice_of = {o: call(emulator.url, "addInvoice", order_id=o, series_id=1)["invoice_id"] for o in order_ids}
    sink = make_sink(emulator.url)
    try:
        assert len(list(sink.fetch_orders(OrderQuery(refs=[str(i) for i in order_ids])))) == ORDERS
        holdings = sink.holdings
        for order_id in order_ids:
            held = holdings.held("invoices", order_id)
            assert [i.invoice_id for i in held] == [invoice_of[order_id]]
            assert holdings.held("receipts", order_id) == []
            del held
        # one paged batched read per kind for the run, none per order
        assert sink.method_calls["getInvoices"] == -(-ORDERS // 100)
        assert sink.method_calls.get("getReceipt", 0) == 0
        # the run's own writes are known without a read
        for n, order_id in enumerate(order_ids[:3]):
            assert sink.apply(attach(order_id, f"FS {n + 1}/2026"), ctx()).outcome == "done"
            (invoice,) = holdings.known("invoices", order_id)
            assert invoice.external_invoice_number == f"FS {n + 1}/2026"
            del invoice
        assert alive(ApiInvoice) == 0 and alive(ApiReceipt) == 0
        assert max(containers(holdings).values(), default=0) <= 2, containers(holdings)
        assert holdings.store.count() == ORDERS
    finally:
        sink.close()
