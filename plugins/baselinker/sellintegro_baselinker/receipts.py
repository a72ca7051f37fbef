"""Attaching a receipt (PA): the order's BaseLinker receipt (one per order), then the file.

What differs from invoices (:mod:`.invoices`): the order's receipts come from the run's batched ``getReceipts``
read or ``getReceipt {order_id}`` (:mod:`.holdings`); the receipt series may be left to BaseLinker's default
and is not checked for Base's own KSeF sending (:mod:`.ksef` watches invoice and correction series); the API
cannot download a receipt's file, so no claim is read from it; a receipt deleted in BaseLinker after the
ledger recorded it is marked lost and replaced (as an invoice is); the receipt number is limited to 20 characters.
"""

from __future__ import annotations

from typing import Any

from .placeholders import OnePerOrder
from .strategy import RECEIPTS, Job


class ReceiptStrategy(OnePerOrder):
    """A receipt onto the order's BaseLinker receipt."""

    target = "receipt"
    what = "receipt"
    api = RECEIPTS
    create_method = "addReceipt"
    ksef_series = False
    rounds = 2                # a receipt deleted in BaseLinker is marked lost and replaced, as an invoice is

    def create_params(self, job: Job, series_id: int | None) -> dict[str, Any]:
        params: dict[str, Any] = {"order_id": job.order_id}
        if series_id is not None:
            params["series_id"] = series_id
        return params
