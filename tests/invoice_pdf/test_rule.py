"""The invoice_pdf rule: attaches, targets, corrections, FSd vs PA, windows, statuses filter.

Documents, orders and ledger facts are built directly; the helpers here are shared by the other
``test_rule_*.py`` files (import them by name).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sellintegro_core.components import RuleContext
from sellintegro_core.models import (
    AttachDocument,
    DocumentRef,
    ExistingDocument,
    KsefInfo,
    Order,
    OrderFacts,
    OrderRef,
    Party,
    SalesDocument,
    SetField,
    SetStatus,
    Skip,
    Totals,
    Window,
)
from sellintegro_invoice_pdf.rule import InvoicePdfRule
from sellintegro_invoice_pdf.rule_config import RuleConfig

TZ = "Europe/Warsaw"
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=ZoneInfo(TZ))
KSEF_NO = "5265877635-20261127-0100004A1B2C-00"   # the rule passes numbers through; the renderer validates


def context(now: datetime = NOW, *, days_back: int = 14) -> RuleContext:
    window = Window(start=now - timedelta(days=days_back), end=now, timezone=TZ, setup_at=now - timedelta(days=60))
    return RuleContext(now=now, window=window, scenario="test")


CTX = context()


def company(country: str = "PL") -> Party:
    return Party(name="Firma Sp. z o.o.", nip="PL 111-111-11-11", is_company=True, country_code=country)


def consumer(country: str = "PL") -> Party:
    return Party(name="Jan Kowalski", country_code=country)


def doc(kind: str = "FS", doc_id: str = "1", number: str | None = None, *, order: str = "100",
        buyer: Party | None = None, ksef: str | None = None, issued: datetime | None = None,
        issue_date: date = date(2026, 11, 27), corrected: DocumentRef | None = None,
        invoice: DocumentRef | None = None, receipts: list[DocumentRef] | None = None,
        extra: dict[str, Any] | None = None) -> SalesDocument:
    """A minimal document; FS/FSd/KFS are numbered in KSeF unless ``ksef`` says otherwise."""
    if ksef is None:
        ksef = "numbered" if kind in ("FS", "FSd", "KFS") else "not_in_ksef"
    info = KsefInfo(state=ksef, number=KSEF_NO if ksef == "numbered" else None)  # type: ignore[arg-type]
    if buyer is None and kind not in ("PA", "ZW"):
        buyer = company()
    return SalesDocument(
        id=doc_id, kind=kind, number=number or f"{kind} {doc_id}/2026", issue_date=issue_date,  # type: ignore[arg-type]
        issued_at=issued, seller=Party(name="Sklep", nip="5265877635", is_company=True), buyer=buyer,
        totals=Totals(net=Decimal("100"), vat=Decimal("23"), gross=Decimal("123")),
        order_ref=OrderRef(key="order_id", value=order), corrected=corrected, invoice=invoice,
        receipts=receipts or [], ksef=info, extra=extra or {})


def order(order_id: str = "100", *, status_id: str = "1", status_name: str = "Nowe",
          placed: datetime | None = None, documents: list[ExistingDocument] | None = None) -> Order:
    return Order(id=order_id, status_id=status_id, status_name=status_name,
                 date_add=placed or NOW - timedelta(days=1), documents=documents)


def facts(order_id: str = "100", *, done: list[str] | tuple[str, ...] = (), failed: dict[str, str] | None = None,
          skips: list[str] | tuple[str, ...] = ()) -> OrderFacts:
    return OrderFacts(order_id=order_id, done={k: {} for k in done}, failed=dict(failed or {}),
                      skips={k: "recorded" for k in skips})


def rule(**options: Any) -> InvoicePdfRule:
    return InvoicePdfRule(RuleConfig.model_validate(options))


def attach_key(document_id: str, order_id: str = "100") -> str:
    return f"attach:{order_id}:{document_id}"


def skip_key(document_id: str, code: str, order_id: str = "100") -> str:
    return f"skip:{order_id}:{document_id}:{code}"


def summary(actions: list[Any]) -> list[tuple[str, ...]]:
    """A compact, comparable view of actions."""
    out: list[tuple[str, ...]] = []
    for a in actions:
        if isinstance(a, AttachDocument):
            out.append(("attach", a.document_id, a.target))
        elif isinstance(a, Skip):
            out.append(("skip", a.document_id, a.code))
        elif isinstance(a, SetStatus):
            out.append(("status", a.cause, a.status))
        elif isinstance(a, SetField):
            out.append(("field", a.field, a.document_id))
    return out


def only(actions: list[Any], cls: type) -> list[Any]:
    return [a for a in actions if isinstance(a, cls)]


# ------------------------------------------------------------------ targets and labels


def test_invoice_is_attached_as_invoice_with_ksef_number_label() -> None:
    fs = doc("FS", "1")
    actions = rule().decide(order(), [fs], facts(), CTX)
    assert summary(actions) == [("attach", "1", "invoice")]
    attach = actions[0]
    assert attach.key == attach_key("1")
    assert attach.document_number == "FS 1/2026" and attach.document_kind == "FS"
    assert attach.ksef_label == "number" and attach.template == "pl"
    assert "FS 1/2026" in attach.reason and KSEF_NO in attach.reason


def test_receipt_goes_to_receipt_without_ksef_marks() -> None:
    actions = rule().decide(order(), [doc("PA", "7")], facts(), CTX)
    assert summary(actions) == [("attach", "7", "receipt")]
    assert actions[0].ksef_label is None


def test_fsd_goes_to_invoice() -> None:
    actions = rule().decide(order(), [doc("FSd", "9")], facts(), CTX)
    assert summary(actions) == [("attach", "9", "invoice")]


def test_invoice_outside_ksef_has_no_label() -> None:
    actions = rule().decide(order(), [doc("FS", "1", buyer=consumer(), ksef="not_in_ksef")], facts(), CTX)
    assert actions[0].ksef_label is None


def test_kind_not_selected_is_a_final_skip_with_reason() -> None:
    actions = rule(documents=["FS"]).decide(order(), [doc("PA", "7")], facts(), CTX)
    assert summary(actions) == [("skip", "7", "kind_not_selected")]
    assert actions[0].final and "PA" in actions[0].reason and "['FS']" in actions[0].reason


def test_kind_not_selected_is_not_repeated_once_recorded() -> None:
    recorded = facts(skips=[skip_key("7", "kind_not_selected")])
    assert rule(documents=["FS"]).decide(order(), [doc("PA", "7")], recorded, CTX) == []


# ------------------------------------------------------------------ corrections


def corrected_fs() -> DocumentRef:
    return DocumentRef(id="1", kind="FS", number="FS 1/2026", issue_date=date(2026, 11, 20))


def test_correction_waits_for_its_original() -> None:
    fs, kfs = doc("FS", "1"), doc("KFS", "5", corrected=corrected_fs())
    actions = rule().decide(order(), [fs, kfs], facts(), CTX)
    skip = next(a for a in actions if a.document_id == "5")
    assert skip.code == "waiting_for_original"
    assert not skip.final and "FS 1/2026" in skip.reason


def test_correction_whose_original_is_not_read_is_reported_once() -> None:
    kfs = doc("KFS", "5", corrected=corrected_fs())
    actions = rule().decide(order(), [kfs], facts(), CTX)
    assert summary(actions) == [("skip", "5", "original_not_attached")]
    assert actions[0].final and "FS 1/2026" in actions[0].reason and "by hand" in actions[0].reason
    assert rule().pending([kfs], facts(), CTX)
    reported = facts(skips=[f"skip:{order().id}:5:original_not_attached"])
    assert not rule().pending([kfs], reported, CTX)  # no BaseLinker call every run for it


def test_correction_with_waiting_original_does_not_fetch_the_order_by_itself() -> None:
    fs, kfs = doc("FS", "1"), doc("KFS", "5", corrected=corrected_fs())
    settled = facts(skips=[f"skip:{order().id}:1:kind_not_selected"])
    assert not rule(documents=["KFS"]).pending([fs, kfs], settled, CTX)


def test_correction_in_the_same_run_as_its_original_waits_for_the_next_run() -> None:
    fs, kfs = doc("FS", "1"), doc("KFS", "5", corrected=corrected_fs())
    actions = rule().decide(order(), [kfs, fs], facts(), CTX)
    assert summary(actions) == [("attach", "1", "invoice"), ("skip", "5", "waiting_for_original")]


def test_correction_goes_as_correction_of_the_attached_original() -> None:
    fs, kfs = doc("FS", "1"), doc("KFS", "5", corrected=corrected_fs())
    actions = rule().decide(order(), [fs, kfs], facts(done=[attach_key("1")]), CTX)
    assert summary(actions) == [("attach", "5", "correction")]
    attach = actions[0]
    assert attach.corrected_document_id == "1" and attach.corrected_document_number == "FS 1/2026"
    assert attach.ksef_label == "number" and "of FS 1/2026" in attach.reason


def test_correction_goes_when_baselinker_already_shows_the_original() -> None:
    kfs = doc("KFS", "5", corrected=corrected_fs())
    bl = [ExistingDocument(id="77", kind="invoice", number="1/11/2026", external_number="FS 1/2026",
                           has_external_file=True)]
    actions = rule().decide(order(documents=bl), [kfs], facts(), CTX)
    assert summary(actions) == [("attach", "5", "correction")]


def test_correction_goes_when_original_was_recorded_as_already_in_baselinker() -> None:
    kfs = doc("KFS", "5", corrected=corrected_fs())
    recorded = facts(skips=[skip_key("1", "already_in_baselinker")])
    assert summary(rule().decide(order(), [kfs], recorded, CTX)) == [("attach", "5", "correction")]


def test_correction_without_original_is_a_final_skip() -> None:
    actions = rule().decide(order(), [doc("KFS", "5")], facts(), CTX)
    assert summary(actions) == [("skip", "5", "correction_without_original")]
    assert actions[0].final


def test_receipt_correction_is_reported_as_unsupported() -> None:
    zw = doc("ZW", "8", corrected=DocumentRef(id="7", kind="PA", number="PA 7/2026"))
    actions = rule(documents=["FS", "PA", "ZW"]).decide(order(), [zw], facts(done=[attach_key("7")]), CTX)
    assert summary(actions) == [("skip", "8", "receipt_correction_unsupported")]
    assert actions[0].final and "PA 7/2026" in actions[0].reason and "BaseLinker" in actions[0].reason


# ------------------------------------------------------------------ FSd vs PA


def pa_with_fsd() -> tuple[SalesDocument, SalesDocument]:
    pa = doc("PA", "7", invoice=DocumentRef(id="9", kind="FSd", number="FSd 9/2026"))
    fsd = doc("FSd", "9", receipts=[DocumentRef(id="7", kind="PA", number="PA 7/2026")])
    return pa, fsd


def test_paragon_with_invoice_sends_the_invoice() -> None:
    pa, fsd = pa_with_fsd()
    actions = rule(paragon_with_invoice="invoice").decide(order(), [pa, fsd], facts(), CTX)
    assert summary(actions) == [("attach", "9", "invoice"), ("skip", "7", "receipt_has_invoice")]
    assert actions[1].final and "FSd 9/2026" in actions[1].reason


def test_paragon_with_invoice_sends_the_receipt() -> None:
    pa, fsd = pa_with_fsd()
    actions = rule(paragon_with_invoice="receipt").decide(order(), [pa, fsd], facts(), CTX)
    assert summary(actions) == [("skip", "9", "invoice_for_receipt"), ("attach", "7", "receipt")]
    assert actions[0].final and "PA 7/2026" in actions[0].reason


def test_receipt_mode_skips_a_later_fsd_when_the_receipt_was_sent_before() -> None:
    _, fsd = pa_with_fsd()
    actions = rule(paragon_with_invoice="receipt").decide(order(), [fsd], facts(done=[attach_key("7")]), CTX)
    assert summary(actions) == [("skip", "9", "invoice_for_receipt")]


def test_invoice_mode_sends_the_fsd_even_after_the_receipt_went_out() -> None:
    _, fsd = pa_with_fsd()
    actions = rule(paragon_with_invoice="invoice").decide(order(), [fsd], facts(done=[attach_key("7")]), CTX)
    assert summary(actions) == [("attach", "9", "invoice")]


def test_receipt_is_sent_while_its_invoice_is_not_there() -> None:
    pa, _ = pa_with_fsd()
    assert summary(rule().decide(order(), [pa], facts(), CTX)) == [("attach", "7", "receipt")]


def test_receipt_is_sent_when_fsd_kind_is_not_selected() -> None:
    pa, fsd = pa_with_fsd()
    actions = rule(documents=["FS", "PA"]).decide(order(), [pa, fsd], facts(), CTX)
    assert summary(actions) == [("skip", "9", "kind_not_selected"), ("attach", "7", "receipt")]


# ------------------------------------------------------------------ already done / already in BaseLinker


def test_document_attached_before_gets_nothing() -> None:
    assert rule().decide(order(), [doc("FS", "1")], facts(done=[attach_key("1")]), CTX) == []


def test_document_already_in_baselinker_is_never_sent_again() -> None:
    bl = [ExistingDocument(id="55", kind="invoice", number="3/11/2026", external_number="FS 1/2026",
                           has_external_file=True)]
    actions = rule().decide(order(documents=bl), [doc("FS", "1")], facts(), CTX)
    assert summary(actions) == [("skip", "1", "already_in_baselinker")]
    assert actions[0].final and "FS 1/2026" in actions[0].reason


def test_placeholder_without_file_does_not_block_the_attach() -> None:
    bl = [ExistingDocument(id="55", kind="invoice", number="3/11/2026")]
    assert summary(rule().decide(order(documents=bl), [doc("FS", "1")], facts(), CTX)) == [
        ("attach", "1", "invoice")]


def test_second_invoice_for_an_order_is_reported() -> None:
    bl = [ExistingDocument(id="55", kind="invoice", number="3/11/2026", external_number="FS 1/2026",
                           has_external_file=True)]
    actions = rule().decide(order(documents=bl), [doc("FS", "2")], facts(), CTX)
    assert summary(actions) == [("skip", "2", "order_has_other_invoice")]
    assert actions[0].final and "FS 1/2026" in actions[0].reason and "FS 2/2026" in actions[0].reason


def test_two_new_invoices_in_one_decision_attach_the_first_only() -> None:
    actions = rule().decide(order(documents=[]), [doc("FS", "2"), doc("FS", "1")], facts(), CTX)
    assert summary(actions) == [("attach", "1", "invoice"), ("skip", "2", "order_has_other_invoice")]
    assert not actions[1].final          # the first one may still fail


# ------------------------------------------------------------------ order missing, window, statuses


def test_missing_order_skips_each_open_document() -> None:
    documents = [doc("FS", "1"), doc("PA", "7"), doc("FS", "3")]
    actions = rule().decide(None, documents, facts(done=[attach_key("3")]), CTX)
    assert summary(actions) == [("skip", "1", "order_not_found"), ("skip", "7", "order_not_found")]
    assert all(not a.final and a.order_id == "100" for a in actions)
    assert "order_id 100" in actions[0].reason


def test_missing_order_without_ledger_facts_uses_the_reference() -> None:
    d = doc("FS", "1")
    d = d.model_copy(update={"order_ref": OrderRef(key="shop_order_id", value="A-17")})
    actions = rule().decide(None, [d], OrderFacts(order_id=""), CTX)
    assert actions[0].order_id == "shop_order_id=A-17" and "shop_order_id A-17" in actions[0].reason


def test_order_placed_before_the_window_is_not_processed() -> None:
    old = order(placed=NOW - timedelta(days=20))
    actions = rule(on_success={"status": "Wysłane"}).decide(old, [doc("FS", "1")], facts(), CTX)
    assert summary(actions) == [("skip", "1", "outside_window")]
    assert actions[0].final and "before the window start" in actions[0].reason


def test_order_placed_after_the_window_end_waits_for_a_later_run() -> None:
    future = order(placed=NOW + timedelta(minutes=5))
    actions = rule().decide(future, [doc("FS", "1")], facts(), CTX)
    assert summary(actions) == [("skip", "1", "outside_window")] and not actions[0].final


def test_statuses_by_name_case_insensitive() -> None:
    r = rule(statuses=["nowe", "Do wysłania"])
    assert summary(r.decide(order(status_name="Nowe"), [doc("FS", "1")], facts(), CTX)) == [
        ("attach", "1", "invoice")]


def test_statuses_by_id() -> None:
    r = rule(statuses=[4711])
    assert summary(r.decide(order(status_id="4711", status_name="X"), [doc("FS", "1")], facts(), CTX)) == [
        ("attach", "1", "invoice")]


def test_order_in_other_status_is_left_alone() -> None:
    r = rule(statuses=["Nowe"], on_success={"status": "Wysłane"}, on_failure={"status": "Błąd"})
    oth = order(status_id="9", status_name="Anulowane")
    f = facts(done=[attach_key("2")], failed={attach_key("3"): "boom"})
    actions = r.decide(oth, [doc("FS", "1"), doc("PA", "3")], f, CTX)
    assert summary(actions) == [("skip", "1", "status_not_scanned"), ("skip", "3", "status_not_scanned")]
    assert not actions[0].final and "Anulowane" in actions[0].reason and "['Nowe']" in actions[0].reason


# ------------------------------------------------------------------ templates


def test_foreign_buyer_gets_the_foreign_template() -> None:
    r = rule(template="pl", foreign_buyer_template="en")
    actions = r.decide(order(), [doc("FS", "1", buyer=company("DE"))], facts(), CTX)
    assert actions[0].template == "en" and "DE" in actions[0].reason


def test_polish_buyer_and_receipt_without_buyer_get_the_main_template() -> None:
    r = rule(template="en", foreign_buyer_template="pl")
    actions = r.decide(order(), [doc("FS", "1"), doc("PA", "7")], facts(), CTX)
    assert [a.template for a in actions] == ["en", "en"]


def test_foreign_buyer_gets_the_main_template_when_no_foreign_template_is_set() -> None:
    actions = rule(template="en").decide(order(), [doc("FS", "1", buyer=company("DE"))], facts(), CTX)
    assert actions[0].template == "en"


def test_template_folder_is_resolved_against_the_scenario_folder(tmp_path: Any) -> None:
    r = InvoicePdfRule(RuleConfig(template="my_templates", foreign_buyer_template="en"), base_dir=tmp_path)
    actions = r.decide(order(), [doc("FS", "1")], facts(), CTX)
    assert actions[0].template == str(tmp_path / "my_templates")


# ------------------------------------------------------------------ determinism


def test_same_inputs_give_the_same_actions_in_any_document_order() -> None:
    pa, fsd = pa_with_fsd()
    documents = [doc("KFS", "5", corrected=corrected_fs()), fsd, doc("FS", "1", buyer=company("DE")), pa,
                 doc("FS", "3", ksef="online_pending", issued=NOW - timedelta(hours=2))]
    r = rule(on_success={"status": "OK"}, on_failure={"status": "ERR"}, write_ksef_number=True)
    f = facts(done=[attach_key("1")], failed={attach_key("9"): "HTTP 500"})
    first = r.decide(order(documents=[]), documents, f, CTX)
    second = rule(on_success={"status": "OK"}, on_failure={"status": "ERR"}, write_ksef_number=True).decide(
        order(documents=[]), list(reversed(documents)), f.model_copy(deep=True), CTX)
    assert [a.model_dump() for a in first] == [a.model_dump() for a in second]
    assert len({a.key for a in first}) == len(first)


def test_invoice_attached_before_blocks_a_second_one_even_without_baselinker_documents() -> None:
    actions = rule().decide(order(documents=None), [doc("FS", "1"), doc("FS", "2")],
                            facts(done=[attach_key("1")]), CTX)
    assert summary(actions) == [("skip", "2", "order_has_other_invoice")]
    assert actions[0].final and "FS 1/2026" in actions[0].reason
