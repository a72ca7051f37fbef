"""Base's own KSeF sending (``"ksef": true`` series) and ``getReceipts``, for the emulator.

A series in the seed or state file may carry ``"ksef": true``: Base sends the invoices of such a series to KSeF
itself (its free KSeF integration, chosen per numbering series). ``getInvoices`` with
``get_government_data: true`` then reports ``gov_status`` 1 (sent) for an invoice of that series, and 2
(accepted) from :data:`KSEF_ACCEPT_SECONDS` seconds after it was added, with ``gov_id`` and ``gov_date``.
Invoices of other series report ``gov_id ""``, ``gov_date 0``, ``gov_status 0``. The flag itself is never
shown by ``getSeries`` (BaseLinker's API does not expose it either).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from .methods import PAGE_SIZE, Context
from .params import opt_int
from .store import Account, public

KSEF_FLAG = "ksef"
KSEF_ACCEPT_SECONDS = 3
SELLER_NIP = "5260250274"   # the emulator's seller (documents.SELLER)


def sent_to_ksef(account: Account, series_id: Any) -> bool:
    """True when the series is marked ``"ksef": true`` in the seed or state file."""
    series = account.series_by_id(series_id) if isinstance(series_id, int) else None
    return bool(series and series.get(KSEF_FLAG) is True)


def government_data(account: Account, invoice: dict[str, Any], now: int) -> dict[str, Any]:
    """``gov_id``, ``gov_date``, ``gov_status`` of an invoice as ``get_government_data: true`` shows them."""
    if not sent_to_ksef(account, invoice.get("series_id")):
        return {"gov_id": "", "gov_date": 0, "gov_status": 0}
    sent = int(invoice.get("date_add") or now)
    day = datetime.fromtimestamp(sent).strftime("%Y%m%d")
    digest = hashlib.sha256(f"emulator-ksef-{invoice['invoice_id']}".encode()).hexdigest().upper()
    return {"gov_id": f"{SELLER_NIP}-{day}-{digest[:12]}-{digest[12:14]}", "gov_date": sent,
            "gov_status": 2 if now - sent >= KSEF_ACCEPT_SECONDS else 1}


def public_series(series: dict[str, Any]) -> dict[str, Any]:
    """A series as ``getSeries`` shows it (without the KSeF flag)."""
    return {k: v for k, v in series.items() if k != KSEF_FLAG and not k.startswith("_")}


def get_receipts(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """``getReceipts`` (§6.19): receipts by ``series_id``, ``id_from`` (inclusive), ``date_from``, ``date_to``;
    at most 100, ascending ``receipt_id``."""
    series_id = opt_int(p, "series_id")
    id_from = opt_int(p, "id_from")
    date_from = opt_int(p, "date_from")
    date_to = opt_int(p, "date_to")
    found = [r for r in ctx.account.receipts.values()
             if (series_id is None or r["series_id"] == series_id)
             and (id_from is None or r["receipt_id"] >= id_from)
             and (date_from is None or r["date_add"] >= date_from)
             and (date_to is None or r["date_add"] <= date_to)]
    found.sort(key=lambda r: r["receipt_id"])
    return {"receipts": [public(r) for r in found[:PAGE_SIZE]]}
