"""Call budget (issue 8 targets): two writes per attached document, everything else amortised."""

from __future__ import annotations

import time

from sellintegro_core.components import ApplyContext, OrderQuery
from sellintegro_core.models import SetStatus
from sellintegro_core.testing import MemoryState, MemoryStepLog
from tests.baselinker.fixtures.sinkkit import attach, ctx, make_sink

NOW = int(time.time())


def run_once(server, ids: list[int], with_docs: list[int], state: MemoryState, steps: dict) -> object:
    """What the engine does in one run: fetch the pending orders, attach, then batch the status changes."""
    sink = make_sink(server.url, state=state, rate_window_seconds=0.05)  # the emulator allows 100 000/min
    pending = [i for i in with_docs if not steps[i].get("file")]
    if not pending:
        return sink
    orders = list(sink.fetch_orders(OrderQuery(refs=[str(i) for i in pending])))
    assert len(orders) == len(pending)
    statuses = []
    for order in orders:
        order_id = int(order.id)
        result = sink.apply(attach(order_id, f"FS {order_id}/2026"), ctx(steps[order_id]))
        assert result.ok, result.message
        statuses.append(SetStatus(order_id=order.id, status="Wysłane"))
    results = sink.apply_batch(statuses, [ApplyContext(steps=MemoryStepLog()) for _ in statuses])
    assert all(r.ok for r in results)
    return sink


def test_calls_per_document_and_a_second_run_makes_none(emulator_factory):
    server = emulator_factory(requests_per_minute=100_000)
    ids = server.emulator.add_orders([{"date_add": NOW - 7200 + n} for n in range(300)])
    with_docs = [i for n, i in enumerate(ids) if n % 6]          # 250 of 300 orders have a document
    state = MemoryState()
    steps = {i: MemoryStepLog() for i in with_docs}
    sink = run_once(server, ids, with_docs, state, steps)
    calls = sink.method_calls
    documents = len(with_docs)
    writes = calls["addInvoice"] + calls["addOrderInvoiceFile"]
    assert writes == 2 * documents
    without_status = sink.api_calls - calls["setOrderStatuses"]
    assert without_status / documents <= 2.05, calls
    assert sink.api_calls / documents <= 2.10, calls
    assert calls["setOrderStatuses"] == 3                         # 250 ids in chunks of 100
    assert len(server.emulator.invoices()) == documents
    # nothing new: no call at all
    again = run_once(server, ids, with_docs, state, steps)
    assert again.api_calls == 0
