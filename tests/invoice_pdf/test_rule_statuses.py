"""The invoice_pdf rule's order-level actions: on_success after the attach and once, on_failure,
no_document once, and the KSeF number field."""

from __future__ import annotations

from datetime import timedelta

from sellintegro_core.models import AttachDocument, SetField, SetStatus, Skip

from .test_rule import (
    CTX,
    NOW,
    attach_key,
    context,
    corrected_fs,
    doc,
    facts,
    only,
    order,
    rule,
    summary,
)

SUCCESS = {"status": "Faktura wysłana"}
FAILURE = {"status": "Błąd faktury"}


# ------------------------------------------------------------------ on_success


def test_status_comes_after_the_attach_and_depends_on_it() -> None:
    actions = rule(on_success=SUCCESS).decide(order(), [doc("FS", "1")], facts(), CTX)
    assert summary(actions) == [("attach", "1", "invoice"), ("status", "success", "Faktura wysłana")]
    status = actions[1]
    assert status.after == [attach_key("1")]            # the engine applies it only once the attach is done
    assert status.key == "status:100:success"
    assert "FS 1/2026" in status.reason


def test_status_waits_for_every_attach_of_the_decision() -> None:
    actions = rule(on_success=SUCCESS).decide(order(), [doc("FS", "1"), doc("PA", "7")], facts(), CTX)
    status = only(actions, SetStatus)[0]
    assert status.after == [attach_key("1"), attach_key("7")]
    assert [type(a) for a in actions] == [AttachDocument, AttachDocument, SetStatus]


def test_status_after_includes_attaches_done_before() -> None:
    kfs = doc("KFS", "5", corrected=corrected_fs())
    f = facts(done=[attach_key("1")])
    status = only(rule(on_success=SUCCESS).decide(order(), [kfs], f, CTX), SetStatus)[0]
    assert status.after == [attach_key("1"), attach_key("5")]


def test_status_is_set_only_once() -> None:
    f = facts(done=["status:100:success", attach_key("1")])
    actions = rule(on_success=SUCCESS).decide(order(), [doc("FS", "2", number="FS 2/2026")], f, CTX)
    assert summary(actions) == [("attach", "2", "invoice")]


def test_status_set_after_a_crash_between_attach_and_status() -> None:
    """The file went up, the status change did not: the next run still sets it (and only it)."""
    actions = rule(on_success=SUCCESS).decide(order(), [doc("FS", "1")], facts(done=[attach_key("1")]), CTX)
    assert summary(actions) == [("status", "success", "Faktura wysłana")]
    assert actions[0].after == [attach_key("1")]


def test_no_status_without_an_attach() -> None:
    waiting = doc("FS", "1", ksef="online_pending", issued=NOW - timedelta(hours=1))
    actions = rule(on_success=SUCCESS).decide(order(), [waiting], facts(), CTX)
    assert summary(actions) == [("skip", "1", "waiting_for_ksef")]


def test_no_status_when_the_document_was_already_in_baselinker() -> None:
    from sellintegro_core.models import ExistingDocument

    bl = [ExistingDocument(id="5", kind="invoice", external_number="FS 1/2026", has_external_file=True)]
    actions = rule(on_success=SUCCESS).decide(order(documents=bl), [doc("FS", "1")], facts(), CTX)
    assert summary(actions) == [("skip", "1", "already_in_baselinker")]


def test_keep_sets_no_status() -> None:
    actions = rule(on_success="keep").decide(order(), [doc("FS", "1")], facts(), CTX)
    assert only(actions, SetStatus) == []


def test_status_by_id() -> None:
    status = only(rule(on_success={"status": 13579}).decide(order(), [doc("FS", "1")], facts(), CTX), SetStatus)[0]
    assert status.status == "13579"


# ------------------------------------------------------------------ on_failure


def test_failed_attach_gets_the_failure_status_with_the_error() -> None:
    f = facts(failed={attach_key("1"): "number FS 1/2026/MAGAZYN-GLOWNY-XYZ is longer than 30 characters"})
    actions = rule(on_success=SUCCESS, on_failure=FAILURE).decide(order(), [doc("FS", "1")], f, CTX)
    # the attach is retried; the failure status comes before the success status (which still waits for it)
    assert summary(actions) == [("attach", "1", "invoice"), ("status", "failure", "Błąd faktury"),
                                ("status", "success", "Faktura wysłana")]
    failure = actions[1]
    assert failure.after == [] and failure.key == "status:100:failure"
    assert "longer than 30 characters" in failure.reason


def test_failure_status_only_once() -> None:
    f = facts(done=["status:100:failure"], failed={attach_key("1"): "boom"})
    actions = rule(on_failure=FAILURE).decide(order(), [doc("FS", "1")], f, CTX)
    assert summary(actions) == [("attach", "1", "invoice")]


def test_no_failure_status_when_the_retry_already_succeeded() -> None:
    f = facts(done=[attach_key("1")], failed={attach_key("1"): "old error"})
    assert rule(on_failure=FAILURE).decide(order(), [doc("FS", "1")], f, CTX) == []


def test_no_failure_status_without_the_option() -> None:
    f = facts(failed={attach_key("1"): "boom"})
    assert only(rule().decide(order(), [doc("FS", "1")], f, CTX), SetStatus) == []


# ------------------------------------------------------------------ no_document


NO_DOC = {"after_hours": 48, "status": "Brak faktury"}


def test_no_document_status_after_the_given_hours() -> None:
    old = order(placed=NOW - timedelta(hours=49))
    actions = rule(no_document=NO_DOC).decide(old, [], facts(), CTX)
    assert summary(actions) == [("status", "no_document", "Brak faktury")]
    assert actions[0].key == "status:100:no_document" and actions[0].after == []
    assert "48 h" in actions[0].reason


def test_no_document_yet_is_a_skip_with_the_due_time() -> None:
    young = order(placed=NOW - timedelta(hours=10))
    actions = rule(no_document=NO_DOC).decide(young, [], facts(), CTX)
    assert summary(actions) == [("skip", "", "no_document_yet")]
    assert not actions[0].final and "Brak faktury" in actions[0].reason and "2026-11-30 02:00" in actions[0].reason
    again = rule(no_document=NO_DOC).decide(young, [], facts(), context(NOW + timedelta(hours=1)))
    assert again[0].reason == actions[0].reason       # stable text: one history line


def test_no_document_fires_once() -> None:
    old = order(placed=NOW - timedelta(hours=49))
    assert rule(no_document=NO_DOC).decide(old, [], facts(done=["status:100:no_document"]), CTX) == []


def test_no_document_not_for_orders_that_got_a_document() -> None:
    old = order(placed=NOW - timedelta(hours=49))
    assert rule(no_document=NO_DOC).decide(old, [], facts(done=[attach_key("1")]), CTX) == []
    actions = rule(no_document=NO_DOC).decide(old, [doc("FS", "1")], facts(), CTX)
    assert summary(actions) == [("attach", "1", "invoice")]


def test_no_document_counts_only_selected_kinds() -> None:
    old = order(placed=NOW - timedelta(hours=49))
    actions = rule(no_document=NO_DOC, documents=["FS"]).decide(old, [doc("PA", "7")], facts(), CTX)
    assert summary(actions) == [("skip", "7", "kind_not_selected"), ("status", "no_document", "Brak faktury")]


def test_no_document_leaves_other_statuses_alone() -> None:
    old = order(placed=NOW - timedelta(hours=49), status_name="Wysłane", status_id="5")
    assert rule(no_document=NO_DOC, statuses=["Nowe"]).decide(old, [], facts(), CTX) == []


def test_no_document_off_does_nothing_for_orders_without_documents() -> None:
    assert rule().decide(order(placed=NOW - timedelta(days=5)), [], facts(), CTX) == []


# ------------------------------------------------------------------ the KSeF number field (write_ksef_number)

LATE = "skip:100:1:ksef_number_later"


def test_offline_upload_records_that_the_number_comes_later() -> None:
    r = rule(write_ksef_number=True, wait_for_ksef="no")
    actions = r.decide(order(), [doc("FS", "1", ksef="online_pending", issued=NOW)], facts(), CTX)
    assert summary(actions) == [("attach", "1", "invoice"), ("skip", "1", "ksef_number_later")]
    assert actions[0].ksef_label == "offline" and actions[1].final and actions[1].key == LATE
    assert "OFFLINE" in actions[1].reason


def test_number_arriving_after_an_offline_upload_is_written_once() -> None:
    r = rule(write_ksef_number=True)
    numbered_now = doc("FS", "1")                          # was sent with OFFLINE, now Subiekt has the number
    actions = r.decide(order(), [numbered_now], facts(done=[attach_key("1")], skips=[LATE]), CTX)
    assert summary(actions) == [("field", "ksef_number", "1")]
    field = actions[0]
    assert field.value == "5265877635-20261127-0100004A1B2C-00" and field.after == [attach_key("1")]
    assert field.key == "field:100:ksef_number:1"
    done = facts(done=[attach_key("1"), "field:100:ksef_number:1"], skips=[LATE])
    assert r.decide(order(), [numbered_now], done, CTX) == []


def test_numbered_invoices_are_left_to_the_sink() -> None:
    """A number known at upload time is written by the sink with the file (its ksef_number_field)."""
    r = rule(write_ksef_number=True)
    assert summary(r.decide(order(), [doc("FS", "1")], facts(), CTX)) == [("attach", "1", "invoice")]
    assert r.decide(order(), [doc("FS", "1")], facts(done=[attach_key("1")]), CTX) == []


def test_no_number_field_by_default_nor_for_receipts_and_corrections() -> None:
    pending = doc("FS", "1", ksef="online_pending", issued=NOW)
    assert summary(rule(wait_for_ksef="no").decide(order(), [pending], facts(), CTX)) == [("attach", "1", "invoice")]
    assert rule().decide(order(), [doc("FS", "1")], facts(done=[attach_key("1")], skips=[LATE]), CTX) == []
    kfs = doc("KFS", "5", corrected=corrected_fs(), ksef="online_pending", issued=NOW)
    actions = rule(write_ksef_number=True, wait_for_ksef="no").decide(
        order(), [kfs], facts(done=[attach_key("1")]), CTX)
    assert summary(actions) == [("attach", "5", "correction")]


def test_number_is_written_even_after_the_order_left_the_scanned_statuses() -> None:
    r = rule(write_ksef_number=True, statuses=["Nowe"], on_success=SUCCESS)
    moved = order(status_name="Faktura wysłana", status_id="8")
    f = facts(done=[attach_key("1"), "status:100:success"], skips=[LATE])
    actions = r.decide(moved, [doc("FS", "1"), doc("PA", "7")], f, CTX)
    assert summary(actions) == [("skip", "7", "status_not_scanned"), ("field", "ksef_number", "1")]


def test_actions_come_in_a_fixed_order() -> None:
    r = rule(on_success=SUCCESS, on_failure=FAILURE, write_ksef_number=True)
    f = facts(done=[attach_key("1")], failed={attach_key("7"): "boom"}, skips=[LATE])
    actions = r.decide(order(), [doc("PA", "7"), doc("FS", "1")], f, CTX)
    assert [type(a) for a in actions] == [AttachDocument, SetField, SetStatus, SetStatus]
    assert [a.cause for a in only(actions, SetStatus)] == ["failure", "success"]
    assert not any(isinstance(a, Skip) for a in actions)
