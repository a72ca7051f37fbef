"""The rule's per-order outcomes: ledger keys, the per-document verdict, and what follows the attaches —
the KSeF number written later (``write_ksef_number``), the ``on_failure`` / ``on_success`` statuses and the
``no_document`` status. Mixed into :class:`~.rule.InvoicePdfRule`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sellintegro_core.api import (
    Action,
    AttachDocument,
    Order,
    OrderFacts,
    RuleContext,
    SalesDocument,
    SetField,
    SetStatus,
    Skip,
)

from .rule_config import RuleConfig
from .rule_ksef import fmt

Target = Literal["invoice", "receipt", "correction"]
KSEF_FIELD = "ksef_number"
KSEF_FIELD_KINDS = ("FS", "FSd")
LATE_NUMBER = "ksef_number_later"      # recorded with an OFFLINE upload (write_ksef_number)


@dataclass
class _Verdict:
    """What the order-independent part of the rule says about one document."""

    document: SalesDocument
    kind: Literal["done", "attach", "skip"]
    code: str = ""
    reason: str = ""
    final: bool = False
    target: Target | None = None
    ksef_label: Literal["number", "offline"] | None = None
    note: str = ""
    original_ready: bool = True      # corrections: the corrected document is attached (per the ledger)
    original_present: bool = True    # corrections: the corrected document is among this order's documents


def _sort_key(document: SalesDocument) -> tuple[Any, ...]:
    return (document.is_correction, document.issue_date, document.number, document.id)


# The ledger keys come from the actions' own key builders (sellintegro_core.models): one format, one place.
def _attach_key(order_id: str, document_id: str) -> str:
    return AttachDocument.key_for(order_id, document_id)


def _skip_key(order_id: str, document_id: str, code: str) -> str:
    return Skip.key_for(order_id, document_id, code)


def _status_key(order_id: str, cause: str) -> str:
    return SetStatus.key_for(order_id, cause)


def _field_key(order_id: str, document_id: str) -> str:
    return SetField.key_for(order_id, KSEF_FIELD, document_id)


def _order_attach_keys(order_id: str, source: Iterable[str]) -> list[str]:
    prefix = AttachDocument.key_prefix(order_id)
    return sorted(key for key in source if key.startswith(prefix))


class OutcomesMixin:
    """Fields and statuses that follow the attaches of one order."""

    config: RuleConfig

    def _field_due(self, oid: str, doc: SalesDocument, facts: OrderFacts) -> bool:
        """An invoice attached with OFFLINE whose KSeF number has arrived since, not yet written."""
        return (self.config.write_ksef_number and doc.kind in KSEF_FIELD_KINDS
                and doc.ksef.state == "numbered" and bool(doc.ksef.number)
                and _skip_key(oid, doc.id, LATE_NUMBER) in facts.skips
                and not facts.is_done(_field_key(oid, doc.id)))

    def _late_number_marker(self, attach: AttachDocument) -> Skip | None:
        """Recorded with an OFFLINE upload so that the number, once Subiekt has it, is written to the order.

        (The sink writes the number of an invoice that is numbered when attached, see its
        ``ksef_number_field``; only a number that arrives later needs the rule.)"""
        if not self.config.write_ksef_number or attach.ksef_label != "offline" or \
                attach.document_kind not in KSEF_FIELD_KINDS:
            return None
        return Skip(order_id=attach.order_id, code=LATE_NUMBER, document_id=attach.document_id,
                    document_number=attach.document_number, final=True,
                    reason=f"{attach.document_number} goes out with the OFFLINE label; its KSeF number is written "
                           f"to the order once Subiekt has it (write_ksef_number)")

    def _fields(self, oid: str, verdicts: list[_Verdict], facts: OrderFacts) -> list[Action]:
        """``SetField(ksef_number)`` for invoices sent with OFFLINE whose number has arrived (once each)."""
        out: list[Action] = []
        for verdict in verdicts:
            doc = verdict.document
            if verdict.kind == "done" and self._field_due(oid, doc, facts):
                out.append(SetField(order_id=oid, field=KSEF_FIELD, value=str(doc.ksef.number),
                                    document_id=doc.id, after=[_attach_key(oid, doc.id)],
                                    reason=f"KSeF number {doc.ksef.number} of {doc.number}, which was sent with "
                                           f"the OFFLINE label, to the order (write_ksef_number)"))
        return out

    @staticmethod
    def _failed_keys(oid: str, facts: OrderFacts) -> list[str]:
        return [k for k in _order_attach_keys(oid, facts.failed) if not facts.is_done(k)]

    def _failure_status(self, oid: str, facts: OrderFacts) -> list[Action]:
        change = self.config.on_failure
        if change is None or facts.is_done(_status_key(oid, "failure")):
            return []
        failed = self._failed_keys(oid, facts)
        if not failed:
            return []
        message = facts.failed[failed[0]]
        more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
        return [SetStatus(order_id=oid, status=change.status, cause="failure",
                          reason=f"the PDF could not be attached{more}: {message} (on_failure)")]

    def _success_status(self, oid: str, facts: OrderFacts, attaches: list[AttachDocument]) -> list[Action]:
        change = self.config.on_success
        if change is None or facts.is_done(_status_key(oid, "success")):
            return []
        done = _order_attach_keys(oid, facts.done)
        after = done + [a.key for a in attaches if a.key not in done]
        if not after:
            return []
        numbers = ", ".join(a.document_number for a in attaches) or "the attached documents"
        return [SetStatus(order_id=oid, status=change.status, cause="success", after=after,
                          reason=f"after the PDF of {numbers} is attached (on_success)")]

    def _no_document(self, order: Order, facts: OrderFacts, context: RuleContext) -> list[Action]:
        rule = self.config.no_document
        if rule is None or facts.is_done(_status_key(order.id, "no_document")):
            return []
        if _order_attach_keys(order.id, facts.done):
            return []
        tz = context.window.timezone
        due = order.date_add + timedelta(hours=rule.after_hours)
        hours = f"{rule.after_hours:g} h"
        now: datetime = context.now
        if now >= due:
            return [SetStatus(order_id=order.id, status=rule.status, cause="no_document",
                              reason=f"no sales document for order {order.id} {hours} after it was placed "
                                     f"({fmt(order.date_add, tz)}) (no_document)")]
        return [Skip(order_id=order.id, code="no_document_yet",
                     reason=f"no sales document for order {order.id} yet; if none is issued, status "
                            f"\"{rule.status}\" is set after {fmt(due, tz)} ({hours} after the order was "
                            f"placed)")]
