"""pending(): from the ledger alone, does an order still need work? False means no BaseLinker call for it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sellintegro_core.models import OrderFacts

from .test_rule import CTX, NOW, attach_key, context, corrected_fs, doc, facts, order, rule, skip_key

SUCCESS = {"status": "Faktura wysłana"}


def test_new_document_is_pending() -> None:
    assert rule().pending([doc("FS", "1")], facts(), CTX) is True


def test_unknown_order_is_pending() -> None:
    assert rule().pending([doc("FS", "1", order="A-1")], OrderFacts(order_id=""), CTX) is True


def test_everything_attached_is_not_pending() -> None:
    f = facts(done=[attach_key("1"), attach_key("7")])
    assert rule().pending([doc("FS", "1"), doc("PA", "7")], f, CTX) is False


def test_attached_but_success_status_missing_is_pending() -> None:
    assert rule(on_success=SUCCESS).pending([doc("FS", "1")], facts(done=[attach_key("1")]), CTX) is True


def test_attached_and_status_set_is_not_pending() -> None:
    f = facts(done=[attach_key("1"), "status:100:success"])
    assert rule(on_success=SUCCESS).pending([doc("FS", "1")], f, CTX) is False


def test_failed_attach_is_pending() -> None:
    assert rule().pending([doc("FS", "1")], facts(failed={attach_key("1"): "boom"}), CTX) is True


def test_final_skips_are_recorded_once_then_settled() -> None:
    r = rule(documents=["FS"])
    pa = doc("PA", "7")
    assert r.pending([pa], facts(), CTX) is True                       # recorded once, so history shows why
    assert r.pending([pa], facts(skips=[skip_key("7", "kind_not_selected")]), CTX) is False


def test_order_dependent_final_skips_settle_the_document() -> None:
    for code in ("already_in_baselinker", "outside_window", "order_has_other_invoice"):
        assert rule().pending([doc("FS", "1")], facts(skips=[skip_key("1", code)]), CTX) is False, code


def test_final_skip_of_an_old_configuration_does_not_block() -> None:
    """A PA skipped as 'kind_not_selected' is sent once PA is added to documents."""
    f = facts(skips=[skip_key("7", "kind_not_selected")])
    assert rule(documents=["FS", "PA"]).pending([doc("PA", "7")], f, CTX) is True


def test_waiting_for_ksef_costs_one_look_then_none_until_something_changes() -> None:
    r = rule(ksef_wait_max_hours=24)
    waiting = doc("FS", "1", ksef="online_pending", issued=NOW - timedelta(hours=1))
    assert r.pending([waiting], facts(), CTX) is True                       # first sight: record why it waits
    recorded = facts(skips=[skip_key("1", "waiting_for_ksef")])
    assert r.pending([waiting], recorded, CTX) is False                     # only time passes
    assert r.decide(order(), [waiting], recorded, CTX) == []                # nothing repeated if looked at
    assert r.pending([doc("FS", "1")], recorded, CTX) is True               # the number arrived
    assert r.pending([waiting], recorded, context(NOW + timedelta(hours=23))) is True   # deadline passed


def test_offline_invoice_overdue_is_reported_once() -> None:
    late = doc("FS", "1", ksef="offline_pending", issued=NOW - timedelta(hours=30))
    assert rule().pending([late], facts(skips=[skip_key("1", "waiting_for_ksef")]), CTX) is True
    assert rule().pending([late], facts(skips=[skip_key("1", "waiting_for_ksef"),
                                                skip_key("1", "ksef_overdue")]), CTX) is False


def test_correction_waiting_for_its_original_is_looked_at_every_run() -> None:
    """BaseLinker may get the original by other means, so the order is fetched while the correction waits."""
    kfs = doc("KFS", "5", corrected=corrected_fs())
    assert rule().pending([kfs], facts(), CTX) is True


def test_late_ksef_number_is_pending_once_it_arrives() -> None:
    r = rule(write_ksef_number=True)
    late = skip_key("1", "ksef_number_later")
    offline = doc("FS", "1", ksef="online_pending", issued=NOW)
    assert r.pending([offline], facts(done=[attach_key("1")], skips=[late]), CTX) is False   # no number yet
    assert r.pending([doc("FS", "1")], facts(done=[attach_key("1")], skips=[late]), CTX) is True
    assert r.pending([doc("FS", "1")], facts(done=[attach_key("1"), "field:100:ksef_number:1"], skips=[late]),
                     CTX) is False
    assert r.pending([doc("FS", "1")], facts(done=[attach_key("1")]), CTX) is False     # number known at upload


def test_failure_status_due_is_pending_even_without_the_document() -> None:
    f = facts(failed={attach_key("9"): "boom"})
    assert rule(on_failure={"status": "Błąd"}).pending([doc("FS", "1")], facts(done=[attach_key("1")]), CTX) \
        is False
    assert rule(on_failure={"status": "Błąd"}).pending(
        [doc("FS", "1")], facts(done=[attach_key("1")], failed=f.failed), CTX) is True


def test_pending_agrees_with_decide() -> None:
    """Whenever pending() is False, decide() has nothing to do (so skipping the fetch loses nothing)."""
    r = rule(on_success=SUCCESS, on_failure={"status": "Błąd"}, write_ksef_number=True, documents=["FS", "PA"])
    cases: list[tuple[list[Any], Any]] = [
        ([doc("FS", "1")], facts(done=[attach_key("1"), "status:100:success", "field:100:ksef_number:1"],
                                 skips=[skip_key("1", "ksef_number_later")])),
        ([doc("PA", "7"), doc("FSd", "9")], facts(done=[attach_key("7"), "status:100:success"],
                                                  skips=[skip_key("9", "kind_not_selected")])),
        ([doc("FS", "2")], facts(skips=[skip_key("2", "already_in_baselinker")])),
    ]
    for documents, f in cases:
        assert r.pending(documents, f, CTX) is False
        assert r.decide(order(), documents, f, CTX) == []


def test_order_with_only_unselected_kinds_stays_pending_for_no_document() -> None:
    r = rule(documents=["FS"], no_document={"after_hours": 48, "status": "Brak faktury"})
    f = facts(skips=[skip_key("7", "kind_not_selected")])
    assert r.pending([doc("PA", "7")], f, CTX) is True
    assert r.pending([doc("PA", "7")], facts(done=["status:100:no_document"],
                                             skips=[skip_key("7", "kind_not_selected")]), CTX) is False
