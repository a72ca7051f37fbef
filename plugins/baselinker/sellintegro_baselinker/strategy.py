"""What the attach of every document type shares, and the base of the per-type strategies.

* :class:`Job` -- one attach in progress: the action, its StepLog, the checked number and order id.
* :class:`AttachRun` -- what the attaches of one run share: the client, what the account holds
  (:class:`~.holdings.Holdings`), the series ids, whose claim is on an invoice's file, this scenario's tag.
* :class:`Strategy` -- what one document type supplies to the one skeleton (:class:`~.attach.Attacher`):
  how to find what the order already holds, how to create a placeholder and what to note after it, which
  BaseLinker methods and fields carry its file and number. Subclasses: :mod:`.invoices`, :mod:`.receipts`,
  :mod:`.corrections` (invoices and receipts through :class:`~.placeholders.OnePerOrder`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from sellintegro_core.api import (
    ActionResult,
    ApplyContext,
    AttachDocument,
    ConfigError,
    DocumentError,
    RetriableError,
    StepLog,
)

from .claims import describe, tag_of_file
from .client import ApiRejected, BaseLinkerClient
from .config import BaseLinkerConfig
from .holdings import Holdings
from .ksef import KsefGuard
from .lookups import Lookups
from .order_writes import OrderWrites
from .results import result

INVOICE_STATE = "baselinker.invoice."   # ledger state: which invoice holds an order's file, and whose it is
INVOICE_NUMBER_MAX = 30       # addOrderInvoiceFile external_invoice_number varchar(30) (§6.13)
RECEIPT_NUMBER_MAX = 20       # addOrderReceiptFile external_receipt_number varchar(20) (§6.17)


@dataclass(frozen=True)
class DocumentApi:
    """How BaseLinker names one kind of document: its id, its external number and the upload of its file."""

    kind: str             # Holdings kind: "invoices" (invoices and corrections) or "receipts"
    id_field: str         # its id in answers, parameters and steps
    number_field: str     # the external number, as the upload's parameter and in answers
    upload_method: str
    number_max: int       # the upload's limit on the external number
    number_label: str     # "invoice" / "receipt": the external number's kind in messages


INVOICES = DocumentApi("invoices", "invoice_id", "external_invoice_number", "addOrderInvoiceFile",
                       INVOICE_NUMBER_MAX, "invoice")
RECEIPTS = DocumentApi("receipts", "receipt_id", "external_receipt_number", "addOrderReceiptFile",
                       RECEIPT_NUMBER_MAX, "receipt")


@dataclass
class Job:
    """One attach in progress (built by the skeleton once the number and order id are checked)."""

    action: AttachDocument
    context: ApplyContext
    number: str
    order_id: int
    resumed: bool = False                 # an earlier attempt recorded its intent to create (and may have)
    looked: set[int] = field(default_factory=set)   # the documents the order held when this attach looked
    original_id: int = 0                  # a correction's corrected invoice

    @property
    def steps(self) -> StepLog:
        return self.context.steps

    def result(self, outcome: str, message: str = "", **data: Any) -> ActionResult:
        return result(self.action, outcome, message, **data)


@dataclass
class AttachRun:
    """What the attaches of one run share (one per sink; ``tag`` is this scenario's claim, :mod:`.claims`)."""

    config: BaseLinkerConfig
    client: BaseLinkerClient
    lookups: Lookups
    holdings: Holdings
    ksef: KsefGuard
    writes: OrderWrites
    state: Any
    tag: str
    _series_ids: dict[str, int | None] = field(default_factory=dict, init=False)
    _owners: dict[int, str | None] = field(default_factory=dict, init=False)   # invoice id -> claim on its file

    def held(self, kind: str, job: Job) -> list[Any]:
        """What the account holds for the job's order (``kind`` "invoices" or "receipts"); a resumed attach
        and ``existing_documents = "per_order"`` read the order itself."""
        fresh = job.steps.get("intent") is not None or self.config.existing_documents == "per_order"
        return self.holdings.held(kind, job.order_id, fresh=fresh)

    def series(self, kind: str) -> int | None:
        """The id of the configured ``{kind}_series`` (None: BaseLinker's default; an invoice needs one)."""
        if kind not in self._series_ids:
            setting = f"{kind}_series"
            value = getattr(self.config, setting)
            if value is None:
                if kind == "invoice":
                    raise ConfigError("sink.invoice_series is not set: name the BaseLinker INVOICE series used for "
                                      "placeholder invoices (one that is NOT sent to KSeF), e.g. "
                                      'invoice_series = "Subiekt"')
                self._series_ids[kind] = None
            else:
                self._series_ids[kind] = self.lookups.series_id(value, kind, setting)
        return self._series_ids[kind]

    def file_owner(self, invoice_id: int) -> str | None:
        """The claim tag in the file uploaded to an invoice (one ``getInvoiceFile`` per invoice and run)."""
        if invoice_id not in self._owners:
            try:
                body = self.client.call("getInvoiceFile", {"invoice_id": invoice_id, "get_external": True})
            except ApiRejected:
                body = {}
            invoice = body.get("invoice")
            self._owners[invoice_id] = tag_of_file(invoice) if isinstance(invoice, str) else None
        return self._owners[invoice_id]

    def uploaded(self, invoice_id: int) -> None:
        """This scenario just uploaded the invoice's file (its claim is on it)."""
        self._owners[invoice_id] = self.tag

    def remember_invoice(self, order_id: int, invoice_id: int, number: str, owner: str | None) -> None:
        """A hint for the order's corrections: which invoice holds ``number`` and whose file it carries."""
        if self.state is not None:
            self.state.set_state(f"{INVOICE_STATE}{order_id}", {"invoice_id": invoice_id, "number": number,
                                                                "owner": owner})

    def invoice_hint(self, order_id: int) -> Any:
        """What :meth:`remember_invoice` left for the order (None without a ledger or a hint)."""
        return self.state.get_state(f"{INVOICE_STATE}{order_id}") if self.state is not None else None


class Strategy:
    """One document type's part of the attach. The skeleton asks, in this order: :meth:`find` (what the order
    holds), then to create (:meth:`create_params`, :meth:`confirm_created`, :meth:`refused`, :meth:`created`),
    to upload (:attr:`api`, :meth:`uploaded`), :meth:`filed` and :meth:`finish`."""

    target: ClassVar[str]            # AttachDocument.target
    what: ClassVar[str]              # the document in messages
    api: ClassVar[DocumentApi]       # INVOICES (invoices, corrections) or RECEIPTS
    create_method: ClassVar[str]
    ksef_series: ClassVar[bool] = True   # its series may be one Base sends to KSeF (:mod:`.ksef`)
    may_vanish: ClassVar[bool] = True    # a refused upload onto a document that is gone marks it lost ...
    rounds: ClassVar[int] = 1            # ... and another is created: this many in one attempt, then an error

    def __init__(self, run: AttachRun) -> None:
        self.run = run

    # ------------------------------------------------------------------ what a document type supplies
    def find(self, job: Job) -> int | ActionResult | None:
        """What the order already holds: an id to upload onto, a result (adopted, claimed), or None (create)."""
        raise NotImplementedError

    def create_params(self, job: Job, series_id: int | None) -> dict[str, Any]:
        raise NotImplementedError

    def intent(self, job: Job, series_id: int | None) -> dict[str, Any]:
        """What the "intent" step records before the create call."""
        return {"series_id": series_id}

    def confirm_created(self, job: Job) -> dict[str, Any] | None:
        """``{id_field: id}`` of the placeholder an unanswered create made (read from the order), or None."""
        raise NotImplementedError

    def refused(self, job: Job, exc: ApiRejected) -> int | ActionResult:
        """The create call was refused: an id or result from what the order holds now, or raise."""
        raise NotImplementedError

    def unnamed(self, job: Job) -> RetriableError:
        """The create call succeeded but no created document is to be found."""
        return RetriableError(f"{job.number}: BaseLinker accepted {self.create_method} for order {job.order_id} "
                              f"but did not say which {self.what} it created; run again")

    def created_fields(self, job: Job) -> dict[str, Any]:
        """What the run knows of a placeholder it created, beyond its series."""
        return {}

    def created(self, job: Job, doc_id: int, series_id: int | None) -> None:
        """After the create: the run knows the placeholder, and the first one per series is checked for KSeF."""
        fields = {"series_id": series_id or 0, **self.created_fields(job)}
        self.run.holdings.note(self.api.kind, job.order_id, doc_id, **fields)
        if self.ksef_series:
            self.run.ksef.after_create(doc_id, series_id)

    def uploaded(self, doc_id: int) -> None:
        """The upload went through (a refused one that had in fact arrived does not come here)."""

    def filed(self, job: Job, doc_id: int) -> None:
        """After the "file" step: the run knows the document carries the number."""
        self.run.holdings.note(self.api.kind, job.order_id, doc_id, **{self.api.number_field: job.number})

    def finish(self, job: Job) -> str:
        """After the file (now or in an earlier attempt): a message when something after it failed."""
        return ""

    def lost(self, job: Job, doc_id: int) -> DocumentError:
        """The document vanished :attr:`rounds` times while attaching."""
        return DocumentError(f"{job.number}: the BaseLinker {self.what} {doc_id} no longer exists; run again to "
                             "create a new one", code="placeholder_lost")

    def adopted(self, job: Job, doc_id: int) -> None:
        """A document already carrying the number was adopted."""

    # ------------------------------------------------------------------ shared by the strategies
    def doc_id(self, doc: Any) -> int:
        return int(getattr(doc, self.api.id_field))

    def external(self, doc: Any) -> str:
        return str(getattr(doc, self.api.number_field))

    def reuse(self, job: Job, doc_id: int) -> int:
        """Upload onto a document the order holds without a file."""
        job.steps.record("placeholder", {"id": doc_id, self.api.id_field: doc_id, "reused": True})
        return doc_id

    def adopt_or_skip(self, job: Job, doc_id: int, owner: str | None) -> ActionResult:
        """The document already carries our number: adopt it, unless another scenario's claim is on it."""
        if owner is not None and owner != self.run.tag:
            return self.claimed(job, owner, f"{job.number} is already on BaseLinker {self.what} {doc_id}, attached",
                                final=True)
        return self.adopt(job, doc_id, f"{job.number} is already on BaseLinker {self.what} {doc_id} (adopted from "
                          "the account)")

    def adopt(self, job: Job, doc_id: int, message: str) -> ActionResult:
        """Adopt a document the account already holds (ours, from a lost ledger, or carrying no claim)."""
        job.steps.record("placeholder", {"id": doc_id, "invoice_id": doc_id})
        job.steps.record("file", {"id": doc_id, "number": job.number, "adopted": True})
        self.adopted(job, doc_id)
        return job.result("already_done", message, id=doc_id, number=job.number, target=job.action.target)

    def claimed(self, job: Job, owner: str | None, message: str, *, final: bool) -> ActionResult:
        """Another scenario holds (or is attaching) this document: skip it, naming the claim."""
        who = describe(owner) if owner else "another sellintegro scenario or process"
        text = f"{job.action.document_number}: {message} by {who}; this scenario ({describe(self.run.tag)}) skips it"
        if final:
            job.steps.record("claimed", {"by": owner, "message": text})
        return job.result("skipped", text, code="claimed_by_other", final=final, claimed_by=owner)
