"""Existing BaseLinker documents: what is already on an order, and a per-run index of reusable invoices.

BaseLinker accepts an external PDF only on a document it issued itself, and allows one invoice (and one
receipt) per order. Before creating a placeholder the sink must know whether the order already has one:

* :class:`ReuseIndex` -- one paged ``getInvoices {date_from, get_external_invoices: false}`` read per run lists
  every invoice *without* an external file created since the oldest order of the run (the only invoices that
  can be reused: our own placeholders left by a crash, or BaseLinker's automatic invoices). In steady state it
  is one call per run.
* :func:`decide_existing` -- the rule applied to an order's documents read with ``getInvoices {order_id}`` /
  ``getReceipt {order_id}``: our number already there -> done; a document without external file -> reuse it;
  a document carrying another external number -> refuse (never a second document, never overwrite).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

from sellintegro_core.errors import DocumentError

from .client import BaseLinkerClient
from .responses import ApiInvoice, ApiReceipt, parse_invoices

PAGE = 100
INDEX_MARGIN_SECONDS = 3600


@dataclass
class Existing:
    """A decision about an order's existing document."""

    outcome: Literal["done", "reuse"]
    document_id: int
    number: str = ""


def _external(doc: ApiInvoice | ApiReceipt) -> str:
    if isinstance(doc, ApiInvoice):
        return doc.external_invoice_number.strip()
    return doc.external_receipt_number.strip()


def _doc_id(doc: ApiInvoice | ApiReceipt) -> int:
    return doc.invoice_id if isinstance(doc, ApiInvoice) else doc.receipt_id


def decide_existing(docs: list[ApiInvoice] | list[ApiReceipt], number: str, *, order_id: int,
                    what: str = "invoice") -> Existing | None:
    """Done / reuse / None (nothing there); raises :class:`DocumentError` when another document's file is
    already on the order (BaseLinker allows one per order; sellintegro never overwrites it)."""
    if not docs:
        return None
    for doc in docs:
        if _external(doc) == number:
            return Existing("done", _doc_id(doc), number)
    unfiled = sorted((d for d in docs if not _external(d)), key=_doc_id)
    if unfiled:
        return Existing("reuse", _doc_id(unfiled[0]))
    other = docs[0]
    raise DocumentError(
        f"order {order_id} already has a BaseLinker {what} carrying another document ({_external(other)}); "
        f"BaseLinker allows one {what} per order, so {number} was not attached. Remove that file/{what} in "
        "BaseLinker if it is wrong, then run again.", code=f"{what}_taken")


class ReuseIndex:
    """Invoices without an external file, by order, read once per run from ``date_from`` (lazily)."""

    def __init__(self, client: BaseLinkerClient) -> None:
        self.client = client
        self.loaded_from: int | None = None
        self.calls = 0
        self._by_order: dict[int, list[ApiInvoice]] = defaultdict(list)

    def covers(self, order_date: int) -> bool:
        return self.loaded_from is not None and order_date >= self.loaded_from + INDEX_MARGIN_SECONDS

    def load(self, date_from: int) -> None:
        """Read every invoice without external file created since ``date_from - 1 h`` (pages of 100)."""
        start = max(0, date_from - INDEX_MARGIN_SECONDS)
        id_from: int | None = None
        while True:
            params: dict[str, object] = {"date_from": start, "get_external_invoices": False}
            if id_from is not None:
                params["id_from"] = id_from
            page = parse_invoices(self.client.call("getInvoices", params))
            self.calls += 1
            for invoice in page:
                if not invoice.external_invoice_number:
                    self._by_order[invoice.order_id].append(invoice)
            if len(page) < PAGE:
                break
            id_from = max(i.invoice_id for i in page) + 1
        self.loaded_from = start

    def invoice(self, order_id: int) -> ApiInvoice | None:
        """The order's reusable normal invoice (lowest id), if the index saw one."""
        normal = [i for i in self._by_order.get(order_id, []) if not i.is_correction]
        return min(normal, key=lambda i: i.invoice_id) if normal else None

    def forget(self, order_id: int, invoice_id: int) -> None:
        """The invoice got a file (or was found gone): not reusable any more."""
        self._by_order[order_id] = [i for i in self._by_order.get(order_id, []) if i.invoice_id != invoice_id]
