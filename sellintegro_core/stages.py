"""The stages of a run before any decision: read and group documents, select pending orders, fetch orders.

Documents wait in a compact form (compressed JSON, ~1 KB instead of ~20 KB as objects) so that memory does
not grow with the window: only one order's documents are objects at a time.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator

from .components import OrderQuery, OrderScan, Rule, RuleContext, Sink, Source
from .models import Order, OrderFacts, OrderKey, SalesDocument, Window
from .scenario_ledger import ScenarioLedger
from .stopping import StopFlag

Ref = tuple[OrderKey, str]                # (order key, value): ("order_id", "7111139")
Packed = dict[Ref, list[bytes]]
ProgressHook = Callable[[str, int, int | None], None]   # (phase, done, total)


def pack(document: SalesDocument) -> bytes:
    return zlib.compress(document.model_dump_json().encode("utf-8"), 1)


def unpack(packed: list[bytes]) -> list[SalesDocument]:
    return [SalesDocument.model_validate_json(zlib.decompress(blob)) for blob in packed]


def natural(value: str) -> tuple[int, str]:
    return (int(value), "") if value.isdigit() else (1 << 62, value)


def read_and_group(source: Source, window: Window, *, unmatched: Callable[[SalesDocument], None],
                   progress: ProgressHook, stop: StopFlag) -> Packed:
    """Read the window's documents and group them by the order they reference (``unmatched`` gets the rest)."""
    by_ref: defaultdict[Ref, list[bytes]] = defaultdict(list)
    read = 0
    progress("read", 0, None)
    for document in source.read(window):
        stop.check()
        read += 1
        if document.order_ref is None:
            unmatched(document)
        else:
            by_ref[(document.order_ref.key, document.order_ref.value)].append(pack(document))
        if read % 200 == 0:
            progress("read", read, None)
    progress("read", read, read)
    return by_ref


def select_pending(by_ref: Packed, *, ledger: ScenarioLedger, rule: Rule,
                   context: RuleContext) -> tuple[Packed, set[Ref]]:
    """Which referenced orders still need work, from ledger facts only (settled orders cost no API call)."""
    pending: Packed = {}
    settled: set[Ref] = set()
    for ref, packed in by_ref.items():
        order_id = ledger.order_for_ref(ref[0], ref[1])
        facts = ledger.facts(order_id) if order_id else OrderFacts(order_id="")
        if rule.pending(unpack(packed), facts, context):
            pending[ref] = packed
        else:
            settled.add(ref)
    return pending, settled


def ref_keys(refs: Iterable[Ref]) -> list[OrderKey]:
    keys = sorted({ref[0] for ref in refs})
    return keys or ["order_id"]


def fetch_refs(sink: Sink, pending: Iterable[Ref]) -> Iterator[Order]:
    """The referenced orders, one query per reference kind, in natural order of the references."""
    by_key: dict[OrderKey, list[str]] = defaultdict(list)
    for key, value in pending:
        by_key[key].append(value)
    for key, values in sorted(by_key.items()):
        yield from sink.fetch_orders(OrderQuery(refs=sorted(values, key=natural), key=key))


def scan_then_refs(sink: Sink, scan: OrderScan, window: Window, pending: Packed,
                   seen: set[Ref]) -> Iterator[Order]:
    """Every order of the window (in the scanned statuses), then referenced orders the scan did not cover."""
    yielded: set[str] = set()
    for order in sink.fetch_orders(OrderQuery(date_from=window.start, date_to=window.end,
                                              statuses=scan.statuses)):
        yielded.add(order.id)
        yield order
    rest = [ref for ref in pending if ref not in seen]
    if rest:
        for order in fetch_refs(sink, rest):
            if order.id not in yielded:
                yield order
