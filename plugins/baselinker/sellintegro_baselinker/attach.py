"""Attaching one document: the one skeleton, with a strategy per document type.

:class:`Attacher` (composed into :class:`~sellintegro_baselinker.sink.BaseLinkerSink`) runs every attach the
same way; what differs per type comes from its strategy (:mod:`.invoices`, :mod:`.receipts`,
:mod:`.corrections`, on :class:`~.strategy.Strategy`)::

    number and order id checked (before any call; ``plan`` runs the same checks, :func:`plan_check`)
    steps "file" recorded?       -> already done, no call (strategy.finish: an invoice's KSeF field)
    steps "claimed" recorded?    -> skipped, no call
    the PDF rendered, tagged with this scenario's claim (:mod:`.claims`)
    steps "placeholder" recorded -> upload onto it; otherwise strategy.find asks what the account holds
                                    (:mod:`.holdings`: batched reads; the ledger is only a hint):
        our number already there      -> adopted (already_done), or skipped when another's claim is on it
        a document without a file     -> reused (steps "placeholder")
        nothing                       -> steps "intent", create (strategy.create_params) -> "placeholder"
    upload the file and number      -> steps "file"; a placeholder gone meanwhile: "placeholder" {id: None}
                                       and, for invoices, one more round
    strategy.filed / strategy.finish (what the run remembers; an invoice's KSeF number on the order)

Every step is recorded before the next call, so a crash anywhere resumes without a duplicate.
"""

from __future__ import annotations

import base64
from typing import Any

from sellintegro_core.api import ActionResult, ApplyContext, AttachDocument, DocumentError

from .claims import tag_pdf
from .client import ApiRejected
from .corrections import CorrectionStrategy
from .invoices import InvoiceStrategy
from .receipts import ReceiptStrategy
from .responses import as_int
from .strategy import AttachRun, Job, Strategy

STRATEGIES: dict[str, type[Strategy]] = {s.target: s for s in (InvoiceStrategy, ReceiptStrategy, CorrectionStrategy)}


def order_id_of(action: AttachDocument) -> int:
    """The BaseLinker order id the action names (a :class:`DocumentError` when it names none)."""
    text = str(action.order_id).strip()
    if not text.isdigit():
        raise DocumentError(f"{action.document_number}: {action.order_id!r} is not a BaseLinker order id",
                            code="bad_order_id")
    return int(text)


def check_number(action: AttachDocument, limit: int, what: str) -> str:
    """The document number to send (a :class:`DocumentError` when it is empty or longer than BaseLinker takes)."""
    number = action.document_number.strip()
    if not number:
        raise DocumentError("the document has no number to send to BaseLinker", code="no_number")
    if len(number) > limit:
        raise DocumentError(
            f"{number} has {len(number)} characters; BaseLinker accepts at most {limit} for an external "
            f"{what} number, so nothing was sent. Shorten the numbering scheme in Subiekt (e.g. a shorter "
            "warehouse symbol) for such documents.", code="number_too_long")
    return number


def plan_check(action: Any) -> None:
    """The checks an attach makes before any call (number length, order id); raises :class:`DocumentError`."""
    if isinstance(action, AttachDocument):
        strategy = STRATEGIES.get(action.target, InvoiceStrategy)
        check_number(action, strategy.api.number_max, strategy.api.number_label)
        order_id_of(action)


class Attacher:
    """The attach skeleton over one run's :class:`~.strategy.AttachRun`."""

    def __init__(self, run: AttachRun) -> None:
        self.run = run
        self.strategies = {target: kind(run) for target, kind in STRATEGIES.items()}

    def attach(self, action: AttachDocument, context: ApplyContext) -> ActionResult:
        """Put the document's file and number on the order's BaseLinker document, once."""
        strategy = self.strategies.get(action.target, self.strategies["invoice"])
        number = check_number(action, strategy.api.number_max, strategy.api.number_label)
        job = Job(action, context, number, order_id_of(action))
        steps = context.steps
        filed = steps.get("file")
        if filed:
            message = strategy.finish(job)  # a crash may have come between the file and what follows it
            return job.result("already_done", message or f"{number} is already on the order", **filed)
        claimed = steps.get("claimed")
        if claimed:
            return job.result("skipped", claimed["message"], code="claimed_by_other", final=True)
        data = self._render(context, number)
        for _ in range(strategy.rounds):
            found: int | ActionResult | None = self._placeholder(job)
            if found is None:
                found = strategy.find(job)
            if found is None:
                found = self._create(strategy, job)
            if isinstance(found, ActionResult):
                return found
            doc_id = found
            if self._upload(strategy, job, doc_id, data):
                break
            steps.record("placeholder", {"id": None, "lost": doc_id})
            self.run.holdings.forget(strategy.api.kind, job.order_id, doc_id)
        else:
            raise strategy.lost(job, doc_id)
        steps.record("file", {"id": doc_id, "number": number})
        strategy.filed(job, doc_id)
        message = strategy.finish(job)
        return job.result("done", message or f"{number} attached to BaseLinker {strategy.what} {doc_id}",
                          **{"id": doc_id, strategy.api.id_field: doc_id}, number=number, target=strategy.target)

    # ------------------------------------------------------------------ the steps every type shares
    def _render(self, context: ApplyContext, number: str) -> str:
        if context.render is None:
            raise DocumentError(f"{number}: no PDF renderer is available", code="no_renderer")
        pdf = context.render()
        if not pdf:
            raise DocumentError(f"{number}: the renderer produced an empty file", code="empty_pdf")
        return "data:" + base64.b64encode(tag_pdf(pdf, self.run.tag)).decode("ascii")

    @staticmethod
    def _placeholder(job: Job) -> int | None:
        data = job.steps.get("placeholder") or {}
        if "id" in data:  # our own format; {"id": None} marks a placeholder that vanished
            return int(data["id"]) if data["id"] else None
        value = data.get("invoice_id") or data.get("receipt_id")
        return int(value) if value else None

    def _create(self, strategy: Strategy, job: Job) -> int | ActionResult:
        """Issue the BaseLinker document the file goes on ("intent" recorded first, "placeholder" after)."""
        series_id = self.run.series(strategy.target)
        if strategy.ksef_series:
            self.run.ksef.before_create(series_id)
        job.steps.record("intent", strategy.intent(job, series_id))
        id_field = strategy.api.id_field
        try:
            body = self.run.client.call(strategy.create_method, strategy.create_params(job, series_id),
                                        confirm=lambda: strategy.confirm_created(job))
        except ApiRejected as exc:
            return strategy.refused(job, exc)
        created = as_int(body.get(id_field))
        if not created:  # SUCCESS without the id: find the document it created
            created = int((strategy.confirm_created(job) or {}).get(id_field) or 0)
            if not created:
                raise strategy.unnamed(job)
        job.steps.record("placeholder", {"id": created, id_field: created, "created": True})
        strategy.created(job, created, series_id)
        return created

    def _upload(self, strategy: Strategy, job: Job, doc_id: int, data: str) -> bool:
        """Put the file and number on the document; False when it no longer exists (and may vanish)."""
        holdings, number, api = self.run.holdings, job.number, strategy.api

        def filed_here() -> dict[str, Any] | None:
            same = [d for d in holdings.read(api.kind, job.order_id)
                    if strategy.doc_id(d) == doc_id and strategy.external(d) == number]
            return {} if same else None

        try:
            self.run.client.call(api.upload_method, {api.id_field: doc_id, "file": data, api.number_field: number},
                                 confirm=filed_here)
        except ApiRejected as exc:
            mine = [d for d in holdings.read(api.kind, job.order_id) if strategy.doc_id(d) == doc_id]
            if not mine and strategy.may_vanish:
                return False
            if mine and strategy.external(mine[0]) == number:
                return True  # an earlier attempt did it
            raise DocumentError(f"{number}: BaseLinker refused the file for {api.number_label} {doc_id}: "
                                f"{exc.error_message}", code="baselinker_rejected") from None
        strategy.uploaded(doc_id)
        return True
