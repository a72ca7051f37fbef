"""Invoices and receipts: the documents BaseLinker keeps one of per order (:class:`OnePerOrder`).

What the order holds decides (:func:`~.documents.decide_existing`): our number already there is adopted
(``already_done``), or skipped when another scenario's claim is on its file; a document without a file is
reused, unless another process created it during this run or is attaching to it right now; nothing there
means a placeholder is created. BaseLinker creates them one call at a time, so when two scenarios race exactly
one create succeeds; the refused one reads the order: our number there = adopted or claimed, a document
created meanwhile = claimed by another.
"""

from __future__ import annotations

import time
from typing import Any

from sellintegro_core.api import ActionResult, DocumentError

from .client import ApiRejected
from .documents import decide_existing
from .strategy import Job, Strategy

YOUNG_SECONDS = 600           # an unfiled document younger than this may be another scenario's, mid-attach
SETTLE_SECONDS = 1.0          # ... so it is looked at again this much later before it is reused


class OnePerOrder(Strategy):
    """The strategy of a document BaseLinker keeps one of per order (subclasses: invoice, receipt)."""

    def keep(self, doc: Any) -> bool:
        """Whether a document of :attr:`kind` on the order is of this type (invoices: not a correction)."""
        return True

    def owner(self, doc_id: int) -> str | None:
        """The claim on the document's file (receipts: none can be read)."""
        return None

    def current(self, order_id: int) -> list[Any]:
        """A fresh read of the order's documents of this type."""
        return [d for d in self.run.holdings.read(self.api.kind, order_id) if self.keep(d)]

    # ------------------------------------------------------------------ the strategy
    def find(self, job: Job) -> int | ActionResult | None:
        job.resumed = job.steps.get("intent") is not None
        docs = [d for d in self.run.held(self.api.kind, job) if self.keep(d)]
        job.looked = {self.doc_id(d) for d in docs}
        return self.existing(job, docs, job.resumed)

    def confirm_created(self, job: Job) -> dict[str, Any] | None:
        unfiled = [d for d in self.current(job.order_id) if not self.external(d)]
        return {self.api.id_field: min(self.doc_id(d) for d in unfiled)} if unfiled else None

    def refused(self, job: Job, exc: ApiRejected) -> int | ActionResult:
        docs = self.current(job.order_id)
        found = self.existing(job, docs, job.resumed) if docs else None
        if found is None:
            raise DocumentError(f"{job.number}: BaseLinker refused to issue the placeholder {self.what} for order "
                                f"{job.order_id}: {exc.error_message}", code="baselinker_rejected") from None
        return found

    # ------------------------------------------------------------------ what the order holds
    def existing(self, job: Job, docs: list[Any], resumed: bool) -> int | ActionResult | None:
        """Decide on the order's document already there: adopt, claimed elsewhere, reuse, or None."""
        decision = decide_existing(docs, job.number, order_id=job.order_id, what=self.what)
        if decision is None:
            return None
        if decision.outcome == "reuse" and not self.run.holdings.was_read(self.api.kind, job.order_id):
            # seen in the run's batched read: look again right before reusing (another scenario may be
            # uploading to it this very moment)
            docs = self.current(job.order_id)
            decision = decide_existing(docs, job.number, order_id=job.order_id, what=self.what)
            if decision is None:
                return None
        if decision.outcome == "done":
            return self.adopt_or_skip(job, decision.document_id, self.owner(decision.document_id))
        doc = next(d for d in docs if self.doc_id(d) == decision.document_id)
        return self.unfiled(job, doc, resumed)

    def unfiled(self, job: Job, doc: Any, resumed: bool) -> int | ActionResult | None:
        """An existing document without a file: reuse it, unless another scenario is attaching to it.

        ``resumed``: an earlier attempt of this action may have created it (reuse). A document that appeared
        after this run looked at the order was created by someone else just now (skip, checked again next run).
        A young one (BaseLinker's automatic invoice, or another scenario's placeholder a moment before its
        upload) is looked at again after :data:`SETTLE_SECONDS`: filed by then = that scenario's claim."""
        doc_id = self.doc_id(doc)
        if not resumed and doc_id not in job.looked:
            return self.claimed(job, None, f"BaseLinker {self.what} {doc_id} on order {job.order_id} was created "
                                "during this run (not by this scenario); it is being attached", final=False)
        if not resumed and doc.date_add > time.time() - YOUNG_SECONDS:
            time.sleep(SETTLE_SECONDS)
            same = [d for d in self.current(job.order_id) if self.doc_id(d) == doc_id]
            if not same:
                return None  # it vanished: create our own
            if self.external(same[0]):
                return self.existing(job, [same[0]], True)
        return self.reuse(job, doc_id)
