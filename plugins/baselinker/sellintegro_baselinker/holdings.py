"""What the BaseLinker account already holds, learnt from reads batched per run (the source of truth).

Before any ``addInvoice`` / ``addReceipt`` / ``addInvoiceCorrection`` and any file upload the sink asks
:class:`Holdings` what the order already has. The answer comes from one paged read per run and kind:

* ``getInvoices {date_from, get_government_data: true}`` -- every invoice and correction created since the
  oldest order of the run (minus an hour), with its external number, issuer (the claim of a correction) and
  KSeF data (Base's own KSeF sending, see :mod:`sellintegro_baselinker.ksef`);
* ``getReceipts {date_from}`` -- every receipt since then.

An order older than the batched read is read on its own (``getInvoices {order_id}`` / ``getReceipt
{order_id}``). What the sink itself creates or uploads during the run is added to the picture without a read.
An id remembered in the ledger is only a hint; it never replaces this look.

What the run learns is kept in a private temporary SQLite database (:mod:`.held_store`), not in memory, and
read back by order: a run's memory does not grow with the number of documents the account holds.
"""

from __future__ import annotations

from typing import Any

from .client import ApiRejected, BaseLinkerClient
from .held_store import HeldStore
from .responses import ApiInvoice, ApiReceipt, parse_invoices, parse_receipt, parse_receipts

PAGE = 100
_MODELS: dict[str, tuple[type[ApiInvoice] | type[ApiReceipt], str]] = {
    "invoices": (ApiInvoice, "invoice_id"), "receipts": (ApiReceipt, "receipt_id")}
MARGIN_SECONDS = 3600
MAX_PAGES = 1000           # a bound on one batched read (100 000 documents)
EXTEND_SECONDS = 7 * 86400  # an older order extends the batched read this far before its own date
INDEX_MIN_ORDERS = 3        # fewer orders seen so far in a run: read the order itself, not the batched read


class Holdings:
    """Per-run picture of the account's invoices, corrections and receipts, by order."""

    def __init__(self, client: BaseLinkerClient) -> None:
        self.client = client
        self.loaded_from: dict[str, int] = {}          # "invoices" / "receipts" -> date_from of the batched read
        self._first_id: dict[str, int] = {}            # lowest id the batched reads returned, per kind
        # documents by (kind, order), the orders' dates, the (kind, order) pairs read on their own in this run
        self.store = HeldStore()

    def close(self) -> None:
        """The run is over: the store's file goes (idempotent)."""
        self.store.close()

    # ------------------------------------------------------------------ what an order holds
    def saw_order(self, order_id: int, date_add: int) -> None:
        """The run fetched this order (its date decides how far back the batched reads go)."""
        self.store.set_date(order_id, date_add)

    def held(self, kind: str, order_id: int, *, fresh: bool = False) -> list[Any]:
        """What the account holds for the order (``kind`` "invoices" or "receipts"): from the run's batched read
        when it covers the order, else read for this order (``fresh``, the first orders of a run, an old one)."""
        date = self.store.date(order_id)
        fresh = fresh or date is None
        if not fresh and self.was_read(kind, order_id):  # read, or created, in this very run
            return self.known(kind, order_id)
        if not fresh and self.store.orders_at_least(INDEX_MIN_ORDERS):
            if kind not in self.loaded_from:
                self.load(kind, self.store.oldest())
            elif not self.covers(kind, date or 0):  # an older order: read the stretch before, once
                self.load(kind, min(date or 0, self.store.oldest()) - EXTEND_SECONDS)
            if self.covers(kind, date or 0):
                return self.known(kind, order_id)
        return self.read(kind, order_id)

    def known(self, kind: str, order_id: int) -> list[Any]:
        """The order's invoices and corrections (``kind`` "invoices") or receipts as this run knows them."""
        return self.invoices(order_id) if kind == "invoices" else self.receipts(order_id)

    def read(self, kind: str, order_id: int) -> list[Any]:
        """A fresh read of the order's invoices and corrections (``kind`` "invoices") or receipts."""
        return self.read_invoices(order_id) if kind == "invoices" else self.read_receipts(order_id)

    # ------------------------------------------------------------------ batched reads
    def covers(self, kind: str, order_date: int) -> bool:
        start = self.loaded_from.get(kind)
        return start is not None and order_date >= start + MARGIN_SECONDS

    def load(self, kind: str, date_from: int) -> None:
        """Read every invoice (``kind="invoices"``) or receipt created since ``date_from - 1 h``. Called again
        with an earlier date (an older order came later in the run), it reads only the stretch before what it
        already read: ids grow with time, so paging stops at the first id the earlier read had."""
        start = max(0, date_from - MARGIN_SECONDS)
        previous = self.loaded_from.get(kind)
        if previous is not None and start >= previous:
            return
        stop_at = self._first_id.get(kind) if previous is not None else None
        id_from: int | None = None
        for _ in range(MAX_PAGES):
            ids = self._page(kind, start, id_from)
            if ids is None:
                return  # getReceipts not offered on this account: receipts are read per order
            if ids and (kind not in self._first_id or min(ids) < self._first_id[kind]):
                self._first_id[kind] = min(ids)
            if len(ids) < PAGE or (stop_at is not None and max(ids) >= stop_at):
                break
            id_from = max(ids) + 1
        self.loaded_from[kind] = start

    def _page(self, kind: str, start: int, id_from: int | None) -> list[int] | None:
        params: dict[str, Any] = {"date_from": start}
        if id_from is not None:
            params["id_from"] = id_from
        if kind == "invoices":
            params["get_government_data"] = True
            page = parse_invoices(self.client.call("getInvoices", params))
            self.store.add(kind, ((i.order_id, i.invoice_id, i.model_dump_json()) for i in page), replace=False)
            return [i.invoice_id for i in page]
        try:
            receipts = parse_receipts(self.client.call("getReceipts", params))
        except ApiRejected:
            return None
        self.store.add(kind, ((r.order_id, r.receipt_id, r.model_dump_json()) for r in receipts), replace=False)
        return [r.receipt_id for r in receipts]

    # ------------------------------------------------------------------ per order
    def invoices(self, order_id: int) -> list[ApiInvoice]:
        """The order's invoices and corrections as this run knows them (batched read, own reads, own writes)."""
        return [ApiInvoice.model_validate_json(body) for body in self.store.bodies("invoices", order_id)]

    def receipts(self, order_id: int) -> list[ApiReceipt]:
        return [ApiReceipt.model_validate_json(body) for body in self.store.bodies("receipts", order_id)]

    def read_invoices(self, order_id: int) -> list[ApiInvoice]:
        """A fresh ``getInvoices {order_id}`` (replaces what the run knew about the order)."""
        found = parse_invoices(self.client.call("getInvoices", {"order_id": order_id}))
        self.store.drop("invoices", order_id)
        self.store.add("invoices", ((order_id, i.invoice_id, i.model_dump_json()) for i in found
                                    if i.order_id in (order_id, 0)), replace=True)
        self.store.mark_read("invoices", order_id)
        return self.invoices(order_id)

    def read_receipts(self, order_id: int) -> list[ApiReceipt]:
        """A fresh ``getReceipt {order_id}``; an error answer means the order has no receipt (§6.16)."""
        try:
            receipt = parse_receipt(self.client.call("getReceipt", {"order_id": order_id}))
        except ApiRejected:
            receipt = None
        self.store.drop("receipts", order_id)
        if receipt is not None:
            self.store.add("receipts", [(order_id, receipt.receipt_id, receipt.model_dump_json())], replace=True)
        self.store.mark_read("receipts", order_id)
        return self.receipts(order_id)

    def was_read(self, kind: str, order_id: int) -> bool:
        """True when the order was read on its own in this run, or this run created its document."""
        return self.store.was_read(kind, order_id)

    # ------------------------------------------------------------------ own writes
    def note(self, kind: str, order_id: int, doc_id: int, **fields: Any) -> None:
        """Record an invoice/correction (``kind`` "invoices") or receipt this run created or uploaded to (no read
        needed). A normal invoice the run created means the run knows the order's invoices."""
        model, id_field = _MODELS[kind]
        body = self.store.body(kind, order_id, doc_id)
        if body is None:
            current = model.model_validate({id_field: doc_id, "order_id": order_id})
            if kind == "invoices" and fields.get("type", "normal") == "normal":
                self.store.mark_read(kind, order_id)
        else:
            current = model.model_validate_json(body)
        updated = model.model_validate({**current.model_dump(), **fields})
        self.store.add(kind, [(order_id, doc_id, updated.model_dump_json())], replace=True)

    def forget(self, kind: str, order_id: int, doc_id: int) -> None:
        """The document vanished from BaseLinker."""
        self.store.drop(kind, order_id, doc_id)
