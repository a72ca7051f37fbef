"""The BaseLinker API methods that change data: one list for the client (a write is never abandoned halfway
on a stop) and the emulator (its call log marks them as writes)."""

from __future__ import annotations

WRITE_METHODS = frozenset({"addOrder", "setOrderStatus", "setOrderStatuses", "setOrderFields", "addInvoice",
                           "addInvoiceCorrection", "addOrderInvoiceFile", "addReceipt", "addOrderReceiptFile"})

__all__ = ["WRITE_METHODS"]
