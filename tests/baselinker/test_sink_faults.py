"""Reliability: with 15 % of calls failing (5xx, dropped connections, malformed answers, applied or not),
runs end or defer cleanly and, rerun until done, every document is attached exactly once."""

from __future__ import annotations

import time

import pytest

from sellintegro_baselinker.claims import without_claim
from sellintegro_core.components import ApplyContext, OrderQuery
from sellintegro_core.errors import RetriableError
from sellintegro_core.models import SetStatus
from sellintegro_core.testing import MemoryState, MemoryStepLog
from tests.baselinker.fixtures.sinkkit import PDF, attach, ctx, make_sink

NOW = int(time.time())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_faulty_network_never_loses_or_duplicates(emulator_factory, seed):
    server = emulator_factory(requests_per_minute=100_000,
                              faults=f"5xx=0.05,drop=0.05,malformed=0.05;apply=random;seed={seed}")
    emu = server.emulator
    ids = emu.add_orders([{"date_add": NOW - 600 + n} for n in range(12)])
    targets = {order_id: ("receipt" if n % 4 == 3 else "invoice") for n, order_id in enumerate(ids)}
    state = MemoryState()
    steps = {order_id: MemoryStepLog() for order_id in ids}
    status_steps = {order_id: MemoryStepLog() for order_id in ids}
    done: set[int] = set()
    statused: set[int] = set()
    runs = 0
    while (len(done) < len(ids) or len(statused) < len(ids)) and runs < 40:
        runs += 1
        sink = make_sink(server.url, state=state, max_retries=1, rate_window_seconds=0.05)
        try:
            todo = [i for i in ids if i not in done]
            if todo:
                for order in list(sink.fetch_orders(OrderQuery(refs=[str(i) for i in todo]))):
                    order_id = int(order.id)
                    prefix = "PA" if targets[order_id] == "receipt" else "FS"
                    result = sink.apply(attach(order_id, f"{prefix} {order_id}/26", target=targets[order_id]),
                                        ctx(steps[order_id]))
                    assert result.ok, result.message
                    done.add(order_id)
            ready = [i for i in ids if i in done and i not in statused]
            actions = [SetStatus(order_id=str(i), status="1003") for i in ready]
            results = sink.apply_batch(actions, [ApplyContext(steps=status_steps[i]) for i in ready])
            statused |= {i for i, r in zip(ready, results, strict=True) if r.ok}
        except RetriableError:
            continue                                   # deferred: the next run resumes
        finally:
            sink.close()
    assert len(done) == len(ids) and len(statused) == len(ids), f"not finished after {runs} runs"
    for order_id, target in targets.items():
        if target == "invoice":
            docs = emu.invoices(order_id)
            assert len(docs) == 1 and docs[0]["external_invoice_number"] == f"FS {order_id}/26"
            assert without_claim(emu.invoice_file(docs[0]["invoice_id"])) == PDF
        else:
            docs = emu.receipts(order_id)
            assert len(docs) == 1 and docs[0]["external_receipt_number"] == f"PA {order_id}/26"
        assert emu.order(order_id)["order_status_id"] == 1003
