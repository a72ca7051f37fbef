"""The stages of a run before any decision: read and group documents, select pending orders, fetch orders.

Documents wait on disk (:mod:`.waiting`, a temporary SQLite file) and are read back by their order reference,
so memory does not grow with the window: only one order's documents are objects at a time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import cast

from .components import OrderQuery, OrderScan, Rule, RuleContext, Sink, Source
from .models import Order, OrderFacts, SalesDocument, Window
from .scenario_ledger import ScenarioLedger
from .stopping import StopFlag
from .vocabulary import OrderKey
from .waiting import PENDING, SEEN, SETTLED, WAITING, PendingView, Ref, StateSet, WaitingDocuments

ProgressHook = Callable[[str, int, int | None], None]   # (phase, done, total)
CHUNK = 500


def natural(value: str) -> tuple[int, str]:
    return (int(value), "") if value.isdigit() else (1 << 62, value)


def read_and_group(source: Source, window: Window, *, unmatched: Callable[[SalesDocument], None],
                   progress: ProgressHook, stop: StopFlag, into: WaitingDocuments) -> WaitingDocuments:
    """Read the window's documents and group them by the order they reference, into the store ``into``
    (``unmatched`` gets the rest)."""
    by_ref = into
    read = 0
    progress("read", 0, None)
    for document in source.read(window):
        stop.check()
        read += 1
        if document.order_ref is None:
            unmatched(document)
        else:
            by_ref.add((document.order_ref.key, document.order_ref.value), document)
        if read % 200 == 0:
            progress("read", read, None)
    progress("read", read, read)
    return by_ref


def select_pending(by_ref: WaitingDocuments, *, ledger: ScenarioLedger, rule: Rule,
                   context: RuleContext) -> tuple[PendingView, StateSet]:
    """Which referenced orders still need work, from ledger facts only (settled orders cost no API call).

    Returns views of the store: the pending references (``ref in pending``, ``pending[ref]`` gives the
    documents) and the settled ones (``ref in settled``).
    """
    chunk: dict[int, list[Ref]] = {PENDING: [], SETTLED: []}
    for ref in by_ref.refs(WAITING, chunk=CHUNK):
        order_id = ledger.order_for_ref(ref[0], ref[1])
        facts = ledger.facts(order_id) if order_id else OrderFacts(order_id="")
        chunk[PENDING if rule.pending(by_ref.documents(ref), facts, context) else SETTLED].append(ref)
        if len(chunk[PENDING]) + len(chunk[SETTLED]) >= CHUNK:
            _settle(by_ref, chunk)
    _settle(by_ref, chunk)
    return PendingView(by_ref), StateSet(by_ref, SETTLED)


def _settle(store: WaitingDocuments, chunk: dict[int, list[Ref]]) -> None:
    for state, refs in chunk.items():
        store.set_state(refs, state)
        refs.clear()


def seen_set(pending: PendingView) -> StateSet:
    """The pending references an order claimed (``seen.add(ref)``), kept in the store."""
    return StateSet(pending.store, SEEN)


def ref_keys(refs: Iterable[Ref]) -> list[OrderKey]:
    keys = sorted({cast("OrderKey", ref[0]) for ref in refs})
    return keys or ["order_id"]


def fetch_refs(sink: Sink, pending: Iterable[Ref]) -> Iterator[Order]:
    """The referenced orders, one query per reference kind, in natural order of the references."""
    by_key: dict[OrderKey, list[str]] = defaultdict(list)
    for key, value in pending:
        by_key[cast("OrderKey", key)].append(value)
    for key, values in sorted(by_key.items()):
        yield from sink.fetch_orders(OrderQuery(refs=sorted(values, key=natural), key=key))


def scan_then_refs(sink: Sink, scan: OrderScan, window: Window, pending: PendingView,
                   seen: StateSet) -> Iterator[Order]:
    """Every order of the window (in the scanned statuses), then referenced orders the scan did not cover."""
    for order in sink.fetch_orders(OrderQuery(date_from=window.start, date_to=window.end,
                                              statuses=scan.statuses)):
        pending.store.fetched(order.id)
        yield order
    rest = list(pending.unseen())
    if rest:
        for order in fetch_refs(sink, rest):
            if not pending.store.fetched(order.id):
                yield order
