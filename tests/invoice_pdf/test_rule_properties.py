"""Properties of the invoice_pdf rule over many generated orders (hypothesis):

* the same inputs give the same actions, whatever order the documents come in;
* action keys are unique within a decision;
* when ``pending()`` says no, deciding anyway would do nothing (so skipping the BaseLinker fetch loses nothing);
* a status change always comes after the attaches it waits for, and never waits for an attach that will not
  happen (every ``after`` key is done already or attached in the same decision).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sellintegro_core.models import AttachDocument, DocumentRef, ExistingDocument, SetField, SetStatus, Skip

from .test_rule import CTX, NOW, company, consumer, doc, facts, order, rule

KINDS = ("FS", "FSd", "PA", "KFS", "ZW")
STATES = ("not_in_ksef", "numbered", "online_pending", "offline_pending")
CODES = ("kind_not_selected", "waiting_for_ksef", "ksef_overdue", "already_in_baselinker", "receipt_has_invoice",
         "invoice_for_receipt", "ksef_number_later", "outside_window", "order_has_other_invoice")


@st.composite
def documents(draw: Any) -> list[Any]:
    count = draw(st.integers(min_value=0, max_value=4))
    out = []
    for i in range(count):
        kind = draw(st.sampled_from(KINDS))
        state = draw(st.sampled_from(STATES)) if kind in ("FS", "FSd", "KFS") else "not_in_ksef"
        buyer = draw(st.sampled_from([company(), consumer(), company("DE")]))
        hours = draw(st.sampled_from([1, 30, 100]))
        corrected = None
        if kind in ("KFS", "ZW"):
            target = draw(st.sampled_from(["1", "2", "9"]))
            corrected = DocumentRef(id=target, kind="FS" if kind == "KFS" else "PA", number=f"X {target}/2026")
        invoice = DocumentRef(id="3", kind="FSd", number="FSd 3/2026") if kind == "PA" and draw(st.booleans()) \
            else None
        receipts = [DocumentRef(id="2", kind="PA", number="PA 2/2026")] if kind == "FSd" else []
        out.append(doc(kind, str(i), buyer=buyer if kind not in ("PA", "ZW") else None, ksef=state,
                       issued=NOW - timedelta(hours=hours), corrected=corrected, invoice=invoice,
                       receipts=receipts))
    return out


@st.composite
def ledger(draw: Any) -> Any:
    ids = ["0", "1", "2", "3", "9"]
    done = [f"attach:100:{i}" for i in ids if draw(st.booleans())]
    done += [k for k in ("status:100:success", "status:100:failure", "status:100:no_document",
                         "field:100:ksef_number:0", "field:100:ksef_number:1") if draw(st.booleans())]
    failed = {f"attach:100:{i}": "boom" for i in ids if draw(st.integers(0, 3)) == 0}
    skips = [f"skip:100:{i}:{code}" for i in ids for code in CODES if draw(st.integers(0, 9)) == 0]
    return facts(done=done, failed=failed, skips=skips)


options = st.fixed_dictionaries({}, optional={
    "on_success": st.just({"status": "OK"}),
    "on_failure": st.just({"status": "ERR"}),
    "no_document": st.just({"after_hours": 12, "status": "NONE"}),
    "documents": st.lists(st.sampled_from(KINDS), min_size=1, unique=True),
    "paragon_with_invoice": st.sampled_from(["invoice", "receipt"]),
    "wait_for_ksef": st.sampled_from(["no", "b2b", "all"]),
    "write_ksef_number": st.booleans(),
})

existing = st.sampled_from([None, [], [ExistingDocument(id="50", kind="invoice", external_number="FS 0/2026",
                                                         has_external_file=True)]])

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(docs=documents(), f=ledger(), opts=options, bl=existing)
def test_decisions_are_deterministic_and_keys_unique(docs: list[Any], f: Any, opts: dict[str, Any],
                                                     bl: Any) -> None:
    r = rule(**opts)
    first = r.decide(order(documents=bl), docs, f, CTX)
    second = rule(**opts).decide(order(documents=bl), list(reversed(docs)), f.model_copy(deep=True), CTX)
    assert [a.model_dump() for a in first] == [a.model_dump() for a in second]
    keys = [a.key for a in first]
    assert len(keys) == len(set(keys))
    assert all(isinstance(a, Skip) and a.reason for a in first if isinstance(a, Skip))


@SETTINGS
@given(docs=documents().filter(bool), f=ledger(), opts=options, bl=existing)
def test_not_pending_means_nothing_to_do(docs: list[Any], f: Any, opts: dict[str, Any], bl: Any) -> None:
    r = rule(**opts)
    pending = r.pending(docs, f, CTX)
    event(f"pending={pending}")
    if not pending:
        assert r.decide(order(documents=bl, placed=NOW - timedelta(days=3)), docs, f, CTX) == []


@SETTINGS
@given(docs=documents(), f=ledger(), opts=options, bl=existing)
def test_changes_wait_only_for_attaches_that_exist(docs: list[Any], f: Any, opts: dict[str, Any],
                                                   bl: Any) -> None:
    actions = rule(**opts).decide(order(documents=bl), docs, f, CTX)
    attached: list[str] = []
    for action in actions:
        if isinstance(action, AttachDocument):
            attached.append(action.key)
        elif isinstance(action, SetStatus | SetField):
            for key in action.after:
                assert f.is_done(key) or key in attached, (action.key, key)
            if isinstance(action, SetStatus) and action.cause == "success":
                assert action.after, "the success status always waits for an attach"
