"""The ``invoice_pdf`` rule: what should happen to each BaseLinker order, decided purely (no I/O).

``decide(order, documents, facts, context)`` returns, in a fixed order:

1. per document (originals before corrections, then by issue date and number): an ``AttachDocument`` or a
   ``Skip`` with a machine-readable ``code`` and a readable reason (documents already attached get nothing);
   with ``write_ksef_number`` an invoice sent with the OFFLINE label also gets the final marker
   ``Skip("ksef_number_later")``;
2. ``SetField(field="ksef_number")`` for such invoices once their KSeF number has arrived;
3. the ``on_failure`` status when an attach of the order failed;
4. the ``on_success`` status, ``after`` every attach of the order (the engine sets it only once they are done);
5. the ``no_document`` status (or ``Skip("no_document_yet")``) for scanned orders without a document.

``pending(documents, facts, context)`` answers from the ledger alone whether the order may still need work,
so settled orders cost no BaseLinker call. docs/rule.md lists every option and skip code.
"""

from __future__ import annotations

from pathlib import Path

from sellintegro_core.api import Action, AttachDocument, Order, OrderFacts, OrderScan, RuleContext, SalesDocument, Skip

from .rule_config import BUILTIN_TEMPLATES, RuleConfig
from .rule_ksef import fmt, ksef_verdict
from .rule_outcomes import (
    OutcomesMixin,
    Target,
    _attach_key,
    _order_attach_keys,
    _skip_key,
    _sort_key,
    _status_key,
    _Verdict,
)

TARGETS: dict[str, Target] = {"FS": "invoice", "FSd": "invoice", "PA": "receipt", "KFS": "correction"}

# Final skips decided with the order in hand (pending() cannot re-check them without the order).
ORDER_FINAL_CODES = ("already_in_baselinker", "outside_window", "order_has_other_invoice",
                     "order_has_other_receipt")


class InvoicePdfRule(OutcomesMixin):
    """Sellintegro's "PDF from Subiekt GT to the BaseLinker order" logic as a pure rule."""

    def __init__(self, config: RuleConfig, *, base_dir: Path | None = None) -> None:
        self.config = config
        self.template = _resolve_template(config.template, base_dir)
        self.foreign_template = (_resolve_template(config.foreign_buyer_template, base_dir)
                                 if config.foreign_buyer_template else self.template)
        self._statuses: set[str] | None = (None if config.statuses == "all"
                                           else {s.casefold() for s in config.statuses})

    # ---------------------------------------------------------------- protocol

    def referenced_statuses(self) -> list[str]:
        """Every status this rule names (to scan or to set), for `sellintegro check` to look up in the sink."""
        names = [] if self.config.statuses == "all" else [str(s) for s in self.config.statuses]
        for change in (self.config.on_success, self.config.on_failure, self.config.no_document):
            if change is not None and str(change.status) not in names:
                names.append(str(change.status))
        return names

    def scan(self) -> OrderScan:
        """Scan every order in the window (in the chosen statuses) only when ``no_document`` needs them."""
        statuses = None if self.config.statuses == "all" else list(self.config.statuses)
        return OrderScan(all_orders=self.config.no_document is not None, statuses=statuses)

    def pending(self, documents: list[SalesDocument], facts: OrderFacts, context: RuleContext) -> bool:
        """True when the order may still need work; False lets the engine skip it without any API call."""
        oid = self._order_id(None, documents, facts)
        for verdict in self._verdicts(oid, documents, facts, context):
            if verdict.kind == "done":
                if self._field_due(oid, verdict.document, facts):
                    return True
                continue
            if self._settled_by_final_skip(oid, verdict, facts):
                continue
            if verdict.kind == "attach" and not verdict.original_ready:
                if verdict.original_present:
                    continue  # its corrected document, in the same order, decides when there is work
                if _skip_key(oid, verdict.document.id, "original_not_attached") in facts.skips:
                    continue
            return True
        if self.config.on_success is not None and not facts.is_done(_status_key(oid, "success")) and \
                _order_attach_keys(oid, facts.done):
            return True
        if self.config.on_failure is not None and not facts.is_done(_status_key(oid, "failure")) and \
                self._failed_keys(oid, facts):
            return True
        # documents of other kinds only: the order still counts as without a document (no_document)
        return self.config.no_document is not None and \
            not any(d.kind in self.config.documents for d in documents) and \
            not facts.is_done(_status_key(oid, "no_document")) and not _order_attach_keys(oid, facts.done)

    def decide(self, order: Order | None, documents: list[SalesDocument], facts: OrderFacts,
               context: RuleContext) -> list[Action]:
        """The actions for one order (see the module docstring for their order)."""
        oid = self._order_id(order, documents, facts)
        verdicts = self._verdicts(oid, documents, facts, context)
        gate = self._gate(order, context)

        actions: list[Action] = []
        attaches: list[AttachDocument] = []
        taken = self._taken_slots(order, verdicts) if order is not None else {}
        for verdict in verdicts:
            doc = verdict.document
            if verdict.kind == "done" or self._settled_by_final_skip(oid, verdict, facts):
                continue
            if self._waits_on_settled_original(oid, verdict, verdicts, facts):
                continue  # reported when its invoice was held back; it moves when the invoice does
            if verdict.kind == "skip" and verdict.final:       # true whatever the order looks like
                actions.append(self._skip(oid, doc, verdict.code, verdict.reason, final=True))
                continue
            if gate is not None:
                code, reason, final = gate
                if code == "order_not_found":
                    reason = self._not_found_reason(doc)
                actions.append(self._skip(oid, doc, code, reason, final=final))
                continue
            assert order is not None
            if verdict.kind == "skip":
                actions.append(self._skip(oid, doc, verdict.code, verdict.reason))
                continue
            skip = self._order_skip(order, verdict, taken)
            if skip is not None:
                actions.append(skip)
                continue
            attach = self._attach(oid, verdict)
            attaches.append(attach)
            actions.append(attach)
            marker = self._late_number_marker(attach)
            if marker is not None and marker.key not in facts.skips:
                actions.append(marker)

        if order is None:
            return actions
        actions.extend(self._fields(oid, verdicts, facts))
        if gate is not None:
            return actions
        actions.extend(self._failure_status(oid, facts))
        actions.extend(self._success_status(oid, facts, attaches))
        if not any(d.kind in self.config.documents for d in documents):
            actions.extend(self._no_document(order, facts, context))
        return actions

    def _gate(self, order: Order | None, context: RuleContext) -> tuple[str, str, bool] | None:
        """Why the order's documents cannot be handled at all now: (code, reason, final), or None."""
        if order is None:
            return ("order_not_found", "", False)
        window, tz = context.window, context.window.timezone
        if order.date_add < window.start:
            return ("outside_window",
                    f"order {order.id} was placed {fmt(order.date_add, tz)}, before the window start "
                    f"{fmt(window.start, tz)} (days back / orders before set-up); it is not processed", True)
        if order.date_add > window.end:
            return ("outside_window",
                    f"order {order.id} was placed {fmt(order.date_add, tz)}, after this run's window end "
                    f"{fmt(window.end, tz)}; a later run processes it", False)
        if not self._status_scanned(order):
            return ("status_not_scanned", self._status_reason(order), False)
        return None

    def _order_skip(self, order: Order, verdict: _Verdict, taken: dict[str, tuple[str, bool]]) -> Skip | None:
        """Checks that need the BaseLinker order: already there, original not there yet, slot taken."""
        doc, oid = verdict.document, order.id
        existing = self._existing(order, doc.number)
        if existing is not None:
            return self._skip(oid, doc, "already_in_baselinker",
                              f"{doc.number} is already on BaseLinker order {oid} ({existing}); it is not sent "
                              f"again", final=True)
        if verdict.target == "correction" and not verdict.original_ready:
            corrected = doc.corrected
            assert corrected is not None
            if self._existing(order, corrected.number) is None and verdict.original_present:
                return self._skip(oid, doc, "waiting_for_original",
                                  f"{doc.number} corrects {corrected.number}, which is not attached to the order "
                                  f"yet; the correction is sent after the corrected document")
            if self._existing(order, corrected.number) is None:
                return self._skip(oid, doc, "original_not_attached",
                                  f"{doc.number} corrects {corrected.number}, which sellintegro has not attached "
                                  f"to order {oid} and does not read in this window (issued earlier, or matched "
                                  f"to another order); attach the correction by hand", final=True)
        if verdict.target in ("invoice", "receipt"):
            holder = taken.get(verdict.target)
            if holder is not None:
                number, final = holder
                word = "an invoice" if verdict.target == "invoice" else "a receipt"
                return self._skip(oid, doc, f"order_has_other_{verdict.target}",
                                  f"order {oid} already has {word} with the PDF of {number}; BaseLinker keeps one "
                                  f"{verdict.target} per order, so {doc.number} cannot be attached (attach it by "
                                  f"hand or issue a correction)", final=final)
            taken[verdict.target] = (doc.number, False)
        return None

    # ---------------------------------------------------------------- per document

    def _verdicts(self, oid: str, documents: list[SalesDocument], facts: OrderFacts,
                  context: RuleContext) -> list[_Verdict]:
        docs = sorted(documents, key=_sort_key)
        ids = {d.id for d in docs}
        return [self._verdict(oid, doc, ids, facts, context) for doc in docs]

    def _verdict(self, oid: str, doc: SalesDocument, ids: set[str], facts: OrderFacts,
                 context: RuleContext) -> _Verdict:
        cfg = self.config
        if facts.is_done(_attach_key(oid, doc.id)):
            return _Verdict(doc, "done")
        if doc.kind not in cfg.documents:
            return _Verdict(doc, "skip", "kind_not_selected",
                            f"{doc.number}: {doc.kind} documents are not sent (documents = "
                            f"{list(cfg.documents)})", final=True)
        if doc.kind == "ZW":
            corrected = doc.corrected.number if doc.corrected else "a receipt"
            return _Verdict(doc, "skip", "receipt_correction_unsupported",
                            f"{doc.number} corrects receipt {corrected}; BaseLinker has no receipt corrections, so "
                            f"its PDF cannot be attached (the order keeps the receipt)", final=True)

        def sent_or_present(document_id: str) -> bool:
            return document_id in ids or facts.is_done(_attach_key(oid, document_id))

        if doc.kind == "PA" and doc.invoice is not None and cfg.paragon_with_invoice == "invoice" \
                and "FSd" in cfg.documents and sent_or_present(doc.invoice.id):
            return _Verdict(doc, "skip", "receipt_has_invoice",
                            f"{doc.number}: invoice {doc.invoice.number} was issued for this receipt and is sent "
                            f"instead (paragon_with_invoice = \"invoice\")", final=True)
        if doc.kind == "FSd" and cfg.paragon_with_invoice == "receipt" and "PA" in cfg.documents:
            receipts = [r for r in doc.receipts if sent_or_present(r.id)]
            if receipts:
                numbers = ", ".join(r.number for r in receipts)
                return _Verdict(doc, "skip", "invoice_for_receipt",
                                f"{doc.number} was issued for receipt {numbers}, which is sent instead "
                                f"(paragon_with_invoice = \"receipt\")", final=True)

        original_ready = original_present = True
        if doc.kind == "KFS":
            if doc.corrected is None or not (doc.corrected.id or doc.corrected.number):
                return _Verdict(doc, "skip", "correction_without_original",
                                f"{doc.number} does not name the invoice it corrects in Subiekt, so BaseLinker "
                                f"cannot get it as a correction", final=True)
            original = doc.corrected.id
            original_ready = facts.is_done(_attach_key(oid, original)) or \
                _skip_key(oid, original, "already_in_baselinker") in facts.skips
            original_present = original in ids and original != doc.id

        ksef = ksef_verdict(doc, wait_for_ksef=cfg.wait_for_ksef, max_hours=cfg.ksef_wait_max_hours,
                            now=context.now, timezone=context.window.timezone,
                            send_without_number=cfg.send_without_ksef_number)
        if not ksef.send:
            # Recorded once (final): while only time passes nothing is fetched; the verdict changes (and the
            # order is looked at again) when the number arrives or the deadline passes.
            return _Verdict(doc, "skip", ksef.code, ksef.reason, final=True)
        return _Verdict(doc, "attach", target=TARGETS[doc.kind], ksef_label=ksef.label, note=ksef.note,
                        original_ready=original_ready, original_present=original_present)

    def _waits_on_settled_original(self, oid: str, verdict: _Verdict, verdicts: list[_Verdict],
                                   facts: OrderFacts) -> bool:
        """A correction whose invoice (in this order) is held back by a recorded final skip."""
        if verdict.kind != "attach" or verdict.original_ready or not verdict.original_present:
            return False
        corrected = verdict.document.corrected
        original = next((v for v in verdicts if corrected is not None and v.document.id == corrected.id), None)
        return original is not None and original.kind != "done" and \
            self._settled_by_final_skip(oid, original, facts)

    def _settled_by_final_skip(self, oid: str, verdict: _Verdict, facts: OrderFacts) -> bool:
        doc_id = verdict.document.id
        if verdict.kind == "skip" and verdict.final:
            return _skip_key(oid, doc_id, verdict.code) in facts.skips
        return any(_skip_key(oid, doc_id, code) in facts.skips for code in ORDER_FINAL_CODES)

    def _attach(self, oid: str, verdict: _Verdict) -> AttachDocument:
        doc = verdict.document
        assert verdict.target is not None
        template = self._template_for(doc)
        parts = [f"attach {doc.number} as the order's {verdict.target}"]
        corrected_id = corrected_number = None
        if verdict.target == "correction" and doc.corrected is not None:
            corrected_id, corrected_number = doc.corrected.id or None, doc.corrected.number or None
            parts[0] += f" of {doc.corrected.number}"
        if verdict.note:
            parts.append(verdict.note)
        if doc.buyer is not None and doc.buyer.is_foreign:
            parts.append(f"buyer from {doc.buyer.country_code.upper()}: template {template!r}")
        return AttachDocument(order_id=oid, reason="; ".join(parts), document_id=doc.id,
                              document_number=doc.number, document_kind=doc.kind, target=verdict.target,
                              corrected_document_id=corrected_id, corrected_document_number=corrected_number,
                              template=template, ksef_label=verdict.ksef_label)

    def _template_for(self, doc: SalesDocument) -> str:
        if doc.buyer is not None and doc.buyer.is_foreign:
            return self.foreign_template
        return self.template

    @staticmethod
    def _skip(oid: str, doc: SalesDocument, code: str, reason: str, *, final: bool = False) -> Skip:
        return Skip(order_id=oid, code=code, reason=reason, document_id=doc.id, document_number=doc.number,
                    final=final)

    # ---------------------------------------------------------------- order level

    @staticmethod
    def _order_id(order: Order | None, documents: list[SalesDocument], facts: OrderFacts) -> str:
        if order is not None:
            return order.id
        if facts.order_id:
            return facts.order_id
        for doc in sorted(documents, key=_sort_key):
            if doc.order_ref is not None:
                ref = doc.order_ref
                return ref.value if ref.key == "order_id" else f"{ref.key}={ref.value}"
        return ""

    @staticmethod
    def _not_found_reason(doc: SalesDocument) -> str:
        ref = doc.order_ref
        where = f"{ref.key} {ref.value}" if ref is not None else "the referenced order"
        via = f" (from {doc.match.field} = {doc.match.raw!r})" if doc.match.field and doc.match.raw else ""
        return (f"{doc.number}: BaseLinker has no order with {where}{via}; the order was deleted or the "
                f"reference in Subiekt is wrong")

    def _status_scanned(self, order: Order) -> bool:
        if self._statuses is None:
            return True
        return bool({order.status_id.casefold(), order.status_name.casefold()} & self._statuses)

    def _status_reason(self, order: Order) -> str:
        shown = f"\"{order.status_name}\" (id {order.status_id})" if order.status_name else f"id {order.status_id}"
        return (f"order {order.id} is in status {shown}, which is not among the scanned statuses "
                f"{list(self.config.statuses)}; the order is left alone")

    @staticmethod
    def _existing(order: Order, number: str) -> str | None:
        """Where BaseLinker already shows ``number`` as the external number of a document, if it does."""
        wanted = number.strip()
        for existing in order.documents or []:
            if wanted and existing.external_number.strip() == wanted:
                return f"{existing.kind} {existing.number or existing.id}".strip()
        return None

    @staticmethod
    def _taken_slots(order: Order, verdicts: list[_Verdict]) -> dict[str, tuple[str, bool]]:
        """Invoice / receipt of the order already holding another document's PDF -> (its number, final).

        Taken by a file BaseLinker shows, or by a document this rule attached before (also when the sink does
        not report the order's documents)."""
        taken: dict[str, tuple[str, bool]] = {}
        for existing in order.documents or []:
            if existing.kind in ("invoice", "receipt") and existing.has_external_file and existing.external_number:
                taken.setdefault(existing.kind, (existing.external_number, True))
        for verdict in verdicts:
            target = TARGETS.get(verdict.document.kind)
            if verdict.kind == "done" and target in ("invoice", "receipt"):
                taken.setdefault(target, (verdict.document.number, True))
        return taken

def _resolve_template(template: str, base_dir: Path | None) -> str:
    """Built-in names stay as they are; a folder is made absolute against the scenario's folder."""
    if template in BUILTIN_TEMPLATES or base_dir is None:
        return template
    path = Path(template).expanduser()
    return str(path if path.is_absolute() else (base_dir / path))


def check_template_folders(rule: InvoicePdfRule) -> None:
    """Raise ``ConfigError`` when ``template`` / ``foreign_buyer_template`` names a folder that does not exist
    (checked once when the rule is built, so decisions stay free of I/O)."""
    from sellintegro_core.api import ConfigError

    errors = []
    for option, value in (("template", rule.template), ("foreign_buyer_template", rule.foreign_template)):
        if value not in BUILTIN_TEMPLATES and not Path(value).is_dir():
            errors.append((f"rule.{option}", f'{value} is not a folder; use "pl", "en" or the folder of your own '
                                             f"templates (relative paths start at the scenario's folder)"))
    if errors:
        raise ConfigError("the rule's template folder does not exist", errors=errors)
