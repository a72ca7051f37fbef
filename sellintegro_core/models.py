"""Domain models passed between components (pydantic v2).

Amounts are ``Decimal``; dates are local (Europe/Warsaw unless the scenario says otherwise);
datetimes are timezone-aware.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from .vocabulary import DOCUMENT_KINDS, DocumentKind, OrderKey  # noqa: F401 - DOCUMENT_KINDS re-exported

KsefState = Literal["not_in_ksef", "numbered", "online_pending", "offline_pending"]
M = TypeVar("M", bound=BaseModel)


class _Model(BaseModel):
    """Messages are immutable: assigning a field raises; build a changed copy with ``model_copy(update=…)``.
    defer_build: a model's validator is built when it is first used, not at import (start-up of every command)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Party(_Model):
    """Seller, buyer or recipient as printed on the document."""

    name: str = ""
    nip: str | None = None          # as typed in the source (may contain dashes, spaces, a PL prefix)
    street: str = ""
    postcode: str = ""
    city: str = ""
    country: str = ""               # country name as stored
    country_code: str = "PL"        # ISO 3166-1 alpha-2; "PL" when unknown
    is_company: bool = False
    email: str | None = None
    phone: str | None = None
    bank_account: str | None = None
    bank_name: str | None = None
    bank_swift: str | None = None   # BIC/SWIFT of the bank account (printed on foreign-currency invoices)

    @property
    def is_foreign(self) -> bool:
        return bool(self.country_code) and self.country_code.upper() != "PL"


class DocumentLine(_Model):
    """One line. On a correction (KFS/ZW) lines come as ``before``/``after`` pairs (``correction_side``)."""

    position: int
    name: str
    symbol: str = ""
    unit: str = "szt."
    quantity: Decimal
    unit_net: Decimal
    unit_gross: Decimal
    discount_percent: Decimal = Decimal("0")
    vat_symbol: str                 # printed rate: "23", "8", "5", "0", "zw", "np", "oo"
    vat_rate: Decimal | None = None  # numeric rate in percent; None for zw/np/oo
    net: Decimal
    vat: Decimal
    gross: Decimal
    pkwiu: str | None = None
    gtu: str | None = None
    correction_side: Literal["before", "after"] | None = None


class VatRow(_Model):
    """One row of the VAT summary table (in the document currency; ``*_pln`` for foreign currency)."""

    vat_symbol: str
    vat_rate: Decimal | None = None
    net: Decimal
    vat: Decimal
    gross: Decimal
    net_pln: Decimal | None = None
    vat_pln: Decimal | None = None
    gross_pln: Decimal | None = None


class Totals(_Model):
    net: Decimal
    vat: Decimal
    gross: Decimal


class PaidPart(_Model):
    """One part of what was paid: ``form`` is "karta", "gotówka", "przelew" or "przedpłata"."""

    form: str
    amount: Decimal


class Payment(_Model):
    form: str = ""                  # "przelew", "gotówka", "karta", "pobranie"...
    due_date: date | None = None
    paid: Decimal = Decimal("0")
    to_pay: Decimal | None = None   # what is left to pay (None: unknown, the whole gross)
    paid_parts: list[PaidPart] = Field(default_factory=list)
    bank_account: str | None = None


class OrderRef(_Model):
    """Which sink order a document belongs to: ``key`` names the order field holding ``value``."""

    key: OrderKey = "order_id"
    value: str


class MatchInfo(_Model):
    """How the source found (or failed to find) the order reference, shown in plan/history."""

    field: str = ""                 # configured field, e.g. "numer_oryginalny"
    raw: str = ""                   # the value the field held
    via: str = "document"           # "document" | "order_document" (ZK) | "corrected_document" | "receipt"
    problem: str | None = None      # why no reference was found (None when matched)
    failed: bool = False            # the match itself failed (e.g. the pattern ran too long): a document error


class DocumentRef(_Model):
    """A link to another document (the corrected invoice of a KFS, the receipts of an FSd...)."""

    id: str
    kind: str = ""
    number: str
    issue_date: date | None = None
    sale_date: date | None = None    # date of delivery / service (a corrected invoice's, art. 106j)
    ksef_number: str | None = None


class KsefInfo(_Model):
    """KSeF data of a document as the source stores it (``state``: numbered, pending, not_in_ksef...)."""

    state: KsefState = "not_in_ksef"
    number: str | None = None
    hash: str | None = None          # as stored: hex, Base64 or Base64URL of the SHA-256 of the XML
    status: str | None = None        # the source's raw status, for reports
    issued_at: datetime | None = None  # when KSeF assigned the number
    sent_at: datetime | None = None


class SalesDocument(_Model):
    """A sales document read from the source."""

    id: str                          # stable id within the source (e.g. a database row id)
    kind: DocumentKind
    number: str                      # printed number, e.g. "FS 12/11/2026"
    issue_date: date
    issued_at: datetime | None = None  # aware datetime of issue when known (for waiting rules)
    sale_date: date | None = None
    place_of_issue: str = ""
    issued_by: str = ""
    seller: Party
    buyer: Party | None = None       # a paragon may have none
    recipient: Party | None = None
    lines: list[DocumentLine] = Field(default_factory=list)
    vat_table: list[VatRow] = Field(default_factory=list)
    totals: Totals
    currency: str = "PLN"
    exchange_rate: Decimal | None = None
    exchange_rate_date: date | None = None
    exchange_rate_table: str | None = None
    payment: Payment = Field(default_factory=Payment)
    remarks: str = ""
    title: str = ""
    subtitle: str = ""
    original_number: str = ""        # numer oryginału
    order_ref: OrderRef | None = None
    match: MatchInfo = Field(default_factory=MatchInfo)
    corrected: DocumentRef | None = None   # KFS/ZW: the corrected document
    correction_reason: str = ""
    receipts: list[DocumentRef] = Field(default_factory=list)   # FSd: the paragony it was issued for
    invoice: DocumentRef | None = None     # PA: the FSd issued for it, if any
    ksef: KsefInfo = Field(default_factory=KsefInfo)
    split_payment: bool = False
    simplified: bool = False
    cash_accounting: bool = False
    margin_scheme: bool = False
    reverse_charge: bool = False
    vat_exemption_reason: str | None = None
    extra: dict[str, Any] = Field(default_factory=dict)

    @property
    def is_correction(self) -> bool:
        return self.kind in ("KFS", "ZW")


class ExistingDocument(_Model):
    """A document the sink already has on an order (invoice, receipt or correction)."""

    id: str
    kind: Literal["invoice", "receipt", "correction"] = "invoice"
    number: str = ""
    external_number: str = ""        # set when an external file is attached
    has_external_file: bool = False


class Order(_Model):
    """An order of the sink, as the rule needs it."""

    id: str                          # order_id
    shop_order_id: str = ""
    external_order_id: str = ""
    status_id: str = ""
    status_name: str = ""
    date_add: datetime
    date_confirmed: datetime | None = None
    confirmed: bool = True
    source: str = ""
    want_invoice: bool = False
    buyer_nip: str = ""
    currency: str = "PLN"
    extra_fields: dict[str, str] = Field(default_factory=dict)
    documents: list[ExistingDocument] | None = None   # None = not fetched

    def ref_value(self, key: OrderKey) -> str:
        return {"order_id": self.id, "shop_order_id": self.shop_order_id,
                "external_order_id": self.external_order_id}[key]


# ---------------------------------------------------------------- actions


class _Action(_Model):
    """Every action has one idempotency ``key``, built by its class's ``key_for`` (the only place its format
    lives: rules that look facts up by key call ``key_for`` too)."""

    order_id: str
    reason: str = ""

    @property
    def key(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError


class AttachDocument(_Action):
    """Make sure the sink has a document for the order and put the source's PDF and number on it."""

    type: Literal["attach"] = "attach"
    document_id: str
    document_number: str
    document_kind: DocumentKind
    target: Literal["invoice", "receipt", "correction"]
    corrected_document_id: str | None = None
    corrected_document_number: str | None = None
    template: str = "pl"
    ksef_label: Literal["number", "offline"] | None = None

    @staticmethod
    def key_for(order_id: str, document_id: str) -> str:
        return f"{AttachDocument.key_prefix(order_id)}{document_id}"

    @staticmethod
    def key_prefix(order_id: str) -> str:
        """What every attach key of ``order_id`` starts with."""
        return f"attach:{order_id}:"

    @property
    def key(self) -> str:
        return self.key_for(self.order_id, self.document_id)


class SetStatus(_Action):
    """Change the order status (only after every action in ``after`` succeeded)."""

    type: Literal["set_status"] = "set_status"
    status: str                      # name or id; the sink resolves names
    cause: Literal["success", "failure", "no_document"] = "success"
    after: list[str] = Field(default_factory=list)

    @staticmethod
    def key_for(order_id: str, cause: str) -> str:
        return f"status:{order_id}:{cause}"

    @property
    def key(self) -> str:
        return self.key_for(self.order_id, self.cause)


class SetField(_Action):
    """Write a value into an order field / extra field (e.g. the KSeF number)."""

    type: Literal["set_field"] = "set_field"
    field: str
    value: str
    document_id: str = ""
    after: list[str] = Field(default_factory=list)

    @staticmethod
    def key_for(order_id: str, field: str, document_id: str = "") -> str:
        return f"field:{order_id}:{field}:{document_id}"

    @property
    def key(self) -> str:
        return self.key_for(self.order_id, self.field, self.document_id)


class Skip(_Action):
    """Nothing to do, with the reason (shown in plan and history). ``code`` is machine-readable."""

    type: Literal["skip"] = "skip"
    code: str
    document_id: str = ""
    document_number: str = ""
    final: bool = False              # True: recorded once and never reconsidered

    @staticmethod
    def key_for(order_id: str, document_id: str, code: str) -> str:
        return f"skip:{order_id}:{document_id}:{code}"

    @property
    def key(self) -> str:
        return self.key_for(self.order_id, self.document_id, self.code)


Action = Annotated[AttachDocument | SetStatus | SetField | Skip, Field(discriminator="type")]
AfterAction = SetStatus | SetField      # changes that wait for the attaches named in ``after``


class ActionResult(_Model):
    key: str
    outcome: Literal["done", "already_done", "failed", "deferred", "skipped", "planned"]
    message: str = ""
    data: dict[str, Any] = Field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.outcome in ("done", "already_done")


class Window(_Model):
    """The run's window: orders placed (the sink's order date) in ``[start, end]``; aware datetimes."""

    start: datetime
    end: datetime
    timezone: str = "Europe/Warsaw"
    setup_at: datetime | None = None

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment <= self.end


class OrderFacts(_Model):
    """What the ledger knows about one order: completed steps keyed by action key, with their data.

    Immutable like every message: :meth:`with_done` and :meth:`with_failed` return the changed facts.
    """

    order_id: str
    done: Mapping[str, Mapping[str, Any]] = Field(default_factory=dict)  # key -> data of a completed action
    failed: Mapping[str, str] = Field(default_factory=dict)              # key -> last error message
    skips: Mapping[str, str] = Field(default_factory=dict)               # final skip keys -> reason

    def is_done(self, key: str) -> bool:
        return key in self.done

    def with_done(self, key: str, data: Mapping[str, Any] | None = None) -> OrderFacts:
        """These facts with ``key`` completed (and no longer failed)."""
        failed = {k: v for k, v in self.failed.items() if k != key}
        return self.model_copy(update={"done": {**self.done, key: dict(data or {})}, "failed": failed})

    def with_failed(self, key: str, message: str) -> OrderFacts:
        """These facts with ``key`` failed with ``message``."""
        return self.model_copy(update={"failed": {**self.failed, key: message}})


def updated(model: M, changes: Mapping[str, Any]) -> M:
    """A copy of a frozen ``model`` with ``changes``; a dotted key changes a nested model.

    ``updated(document, {"payment.to_pay": Decimal("0"), "remarks": "paid"})`` leaves ``document`` as it was.
    """
    own: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {}
    for path, value in changes.items():
        head, dot, rest = path.partition(".")
        if dot:
            nested.setdefault(head, {})[rest] = value
        else:
            own[head] = value
    for head, inner in nested.items():
        own[head] = updated(own.get(head, getattr(model, head)), inner)
    return model.model_copy(update=own)
