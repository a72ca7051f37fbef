"""Existing BaseLinker documents: what to do with what is already on an order.

BaseLinker accepts an external PDF only on a document it issued itself, and allows one invoice (and one
receipt) per order. :func:`decide_existing` is the rule applied to an order's documents (as the run's batched
read, :mod:`.holdings`, or ``getInvoices {order_id}`` / ``getReceipt {order_id}`` show them): our number
already there -> done; a document without external file -> reuse it; a document carrying another external
number -> refuse (never a second document, never overwrite).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sellintegro_core.api import DocumentError

from .responses import ApiInvoice, ApiReceipt


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
