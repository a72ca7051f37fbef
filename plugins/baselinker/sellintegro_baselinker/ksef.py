"""Base's own KSeF sending: a placeholder series that Base sends to KSeF would report every sale twice.

Base's KSeF integration sends the documents of chosen numbering series to KSeF; the API does not show which.
What it shows is the result: ``getInvoices {get_government_data: true}`` gives ``gov_id``, ``gov_date`` and
``gov_status`` (1 sent, 2 accepted, 3 rejected, 5 offline). After the first placeholder of a run in a series,
the sink reads it back with government data; if it shows any, the run stops creating placeholders: one error
names the series and says to disconnect it from Base's KSeF integration, and the run exits 3.
"""

from __future__ import annotations

from typing import Any

from sellintegro_core.api import EXIT_CONNECTION, CheckItem, SellintegroError

from .client import ApiRejected, BaseLinkerClient
from .lookups import Lookups
from .responses import ApiInvoice, parse_invoices

GOV_STATUS = {1: "sent", 2: "accepted", 3: "rejected", 5: "offline"}


class KsefSeriesError(SellintegroError):
    """A placeholder series is sent to KSeF by Base itself (exit 3: the account's set-up must change)."""

    exit_code = EXIT_CONNECTION


def has_government_data(invoice: ApiInvoice) -> bool:
    return bool(invoice.gov_id.strip() or invoice.gov_status)


def series_label(lookups: Lookups, series_id: int) -> str:
    try:
        names = {s.id: s.name for s in lookups.series()}
    except SellintegroError:
        names = {}
    return f"{names[series_id]!r} (id {series_id})" if series_id in names else f"id {series_id}"


def ksef_error(lookups: Lookups, invoice: ApiInvoice) -> KsefSeriesError:
    status = GOV_STATUS.get(invoice.gov_status, str(invoice.gov_status))
    label = series_label(lookups, invoice.series_id)
    return KsefSeriesError(
        f"the BaseLinker series {label} is sent to KSeF by Base itself: the placeholder {invoice.number or ''} "
        f"(invoice {invoice.invoice_id}, order {invoice.order_id}) that sellintegro created in it shows KSeF data "
        f"(gov_status {invoice.gov_status} = {status}{', gov_id ' + invoice.gov_id if invoice.gov_id else ''}), so "
        "every sale would reach KSeF twice (Subiekt's invoice and Base's placeholder). No more placeholders are "
        f"created in this series. Disconnect series {label} from Base's KSeF integration (Base: Integracje -> KSeF "
        "-> serie numeracji), or set sink.invoice_series / sink.correction_series to a series that is not sent to "
        "KSeF, then run again. The placeholder already sent must be handled in Base/KSeF.")


class KsefGuard:
    """Verification of the first placeholder per series and run (composed into the sink; the attach asks it
    before and after each placeholder it creates, ``sellintegro check`` for its warning)."""

    def __init__(self, client: BaseLinkerClient, lookups: Lookups) -> None:
        self.client = client
        self.lookups = lookups
        self._verified: set[int | None] = set()
        self._blocked: dict[int | None, KsefSeriesError] = {}

    def before_create(self, series_id: int | None) -> None:
        """Raise the series' error when an earlier placeholder of this run showed it is sent to KSeF."""
        if series_id in self._blocked:
            raise self._blocked[series_id]

    def after_create(self, invoice_id: int, series_id: int | None) -> None:
        """Read a placeholder we just created with government data (once per configured series and run)."""
        if series_id in self._verified:
            return
        self._verified.add(series_id)
        try:
            found = parse_invoices(self.client.call("getInvoices", {"invoice_id": invoice_id,
                                                                    "get_government_data": True}))
        except ApiRejected:
            return
        for invoice in found:
            if invoice.invoice_id != invoice_id:
                continue
            if has_government_data(invoice):
                error = ksef_error(self.lookups, invoice)
                self._blocked[series_id] = error
                raise error

    def check_items(self, series: dict[str, Any]) -> list[CheckItem]:
        """``sellintegro check``: warn when a configured placeholder series holds invoices with KSeF data."""
        items = []
        for kind, series_id in series.items():
            if series_id is None:
                continue
            try:
                found = parse_invoices(self.client.call("getInvoices", {"series_id": series_id,
                                                                        "get_government_data": True}))
            except (ApiRejected, SellintegroError):
                continue
            sent = [i for i in found if i.series_id == series_id and has_government_data(i)]
            if sent:
                items.append(CheckItem(
                    f"{kind} series and KSeF", True,
                    f"WARNING: series {series_label(self.lookups, series_id)} holds {len(sent)} invoice(s) with "
                    f"KSeF data (e.g. {sent[0].number or sent[0].invoice_id}: gov_status {sent[0].gov_status}): "
                    "Base sends this series to KSeF itself, so placeholders would reach KSeF twice. Disconnect "
                    "it from Base's KSeF integration or choose another series."))
        return items
