"""The invoice_pdf rule and KSeF: waiting for the number, the timeout with the OFFLINE label, policies."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sellintegro_core.models import updated
from sellintegro_invoice_pdf.rule_ksef import is_b2b, wait_started

from .test_rule import CTX, NOW, TZ, company, consumer, context, doc, facts, order, rule, summary

ISSUED = NOW - timedelta(hours=3)
KOD2 = "https://qr.ksef.mf.gov.pl/certificate/Nip/5265877635/5265877635/01F20A5D352AE590/abc"


def test_b2b_invoice_waits_for_the_ksef_number() -> None:
    fs = doc("FS", "1", ksef="online_pending", issued=ISSUED)
    actions = rule(wait_for_ksef="b2b", ksef_wait_max_hours=24).decide(order(), [fs], facts(), CTX)
    assert summary(actions) == [("skip", "1", "waiting_for_ksef")]
    skip = actions[0]
    assert skip.final                                 # recorded once, see test_rule_pending
    assert "2026-11-28 09:00" in skip.reason           # waiting since (Warsaw time)
    assert "2026-11-29 09:00" in skip.reason           # until
    assert "24 h" in skip.reason and "keeps waiting and is reported" in skip.reason


def test_waiting_reason_is_stable_between_runs() -> None:
    """Plan shows the same reason however often it is run before the number arrives."""
    fs = doc("FS", "1", ksef="online_pending", issued=ISSUED)
    r = rule()
    first = r.decide(order(), [fs], facts(), context(NOW))[0].reason
    later = r.decide(order(), [fs], facts(), context(NOW + timedelta(hours=5)))[0].reason
    assert first == later


def test_after_max_hours_an_online_sent_invoice_keeps_waiting_and_is_reported() -> None:
    fs = doc("FS", "1", ksef="online_pending", issued=NOW - timedelta(hours=25))
    actions = rule(ksef_wait_max_hours=24).decide(order(), [fs], facts(), CTX)
    assert summary(actions) == [("skip", "1", "ksef_overdue")]
    assert actions[0].final and "send_without_ksef_number" in actions[0].reason
    assert "offline" not in actions[0].reason.lower()


def test_after_max_hours_the_invoice_goes_when_the_scenario_allows_it() -> None:
    fs = doc("FS", "1", ksef="online_pending", issued=NOW - timedelta(hours=25))
    actions = rule(ksef_wait_max_hours=24, send_without_ksef_number=True).decide(order(), [fs], facts(), CTX)
    assert summary(actions) == [("attach", "1", "invoice")]
    attach = actions[0]
    assert attach.ksef_label == "offline"
    assert "KSeF number missing after 24 h" in attach.reason and "OFFLINE" in attach.reason


def test_deadline_is_exact() -> None:
    fs = doc("FS", "1", ksef="online_pending", issued=ISSUED)
    r = rule(ksef_wait_max_hours=3, send_without_ksef_number=True)
    assert summary(r.decide(order(), [fs], facts(), context(ISSUED + timedelta(hours=3) - timedelta(seconds=1)))
                   ) == [("skip", "1", "waiting_for_ksef")]
    assert summary(r.decide(order(), [fs], facts(), context(ISSUED + timedelta(hours=3)))) == [
        ("attach", "1", "invoice")]


def test_without_issue_time_the_wait_starts_at_the_start_of_the_issue_day() -> None:
    fs = doc("FS", "1", ksef="online_pending", issued=None, issue_date=date(2026, 11, 27))
    assert wait_started(fs, TZ) == datetime(2026, 11, 27, 0, 0, tzinfo=ZoneInfo(TZ))
    r = rule(ksef_wait_max_hours=36, send_without_ksef_number=True)   # 27.11 00:00 + 36 h = 28.11 12:00 = NOW
    assert summary(r.decide(order(), [fs], facts(), context(NOW - timedelta(minutes=1)))) == [
        ("skip", "1", "waiting_for_ksef")]
    assert summary(r.decide(order(), [fs], facts(), CTX)) == [("attach", "1", "invoice")]


def test_consumer_invoice_does_not_wait_under_b2b() -> None:
    fs = doc("FS", "1", buyer=consumer(), ksef="online_pending", issued=ISSUED)
    actions = rule(wait_for_ksef="b2b").decide(order(), [fs], facts(), CTX)
    assert summary(actions) == [("attach", "1", "invoice")]
    assert actions[0].ksef_label == "offline" and "consumer" in actions[0].reason


def test_consumer_invoice_waits_under_all() -> None:
    fs = doc("FS", "1", buyer=consumer(), ksef="online_pending", issued=ISSUED)
    assert summary(rule(wait_for_ksef="all").decide(order(), [fs], facts(), CTX)) == [
        ("skip", "1", "waiting_for_ksef")]


def test_no_waiting_sends_pending_invoices_at_once_with_offline_label() -> None:
    fs = doc("FS", "1", ksef="online_pending", issued=ISSUED)
    actions = rule(wait_for_ksef="no").decide(order(), [fs], facts(), CTX)
    assert actions[0].ksef_label == "offline" and 'wait_for_ksef = "no"' in actions[0].reason


@pytest.mark.parametrize("policy", ["no", "b2b", "all"])
def test_offline_invoice_without_kod2_is_never_sent_before_its_number(policy: str) -> None:
    fs = doc("FS", "1", ksef="offline_pending", issued=ISSUED)
    actions = rule(wait_for_ksef=policy).decide(order(), [fs], facts(), CTX)
    assert summary(actions) == [("skip", "1", "waiting_for_ksef")]
    assert "KOD II" in actions[0].reason


def test_offline_invoice_without_kod2_is_reported_overdue_after_max_hours() -> None:
    fs = doc("FS", "1", ksef="offline_pending", issued=NOW - timedelta(hours=30))
    fs = updated(fs, {"ksef.status": "3 wysłano"})
    actions = rule().decide(order(), [fs], facts(), CTX)
    assert summary(actions) == [("skip", "1", "ksef_overdue")]
    assert actions[0].final and "3 wysłano" in actions[0].reason


def test_offline_invoice_with_kod2_follows_the_waiting_policy() -> None:
    fs = doc("FS", "1", ksef="offline_pending", issued=ISSUED, extra={"ksef_kod2_url": KOD2})
    assert summary(rule().decide(order(), [fs], facts(), CTX)) == [("skip", "1", "waiting_for_ksef")]
    late = doc("FS", "1", ksef="offline_pending", issued=NOW - timedelta(hours=25), extra={"ksef_kod2_url": KOD2})
    actions = rule().decide(order(), [late], facts(), CTX)
    assert summary(actions) == [("attach", "1", "invoice")] and actions[0].ksef_label == "offline"


def test_receipts_never_wait_for_ksef() -> None:
    pa = doc("PA", "7", ksef="online_pending", issued=ISSUED)        # inconsistent data: ignored for receipts
    actions = rule(wait_for_ksef="all").decide(order(), [pa], facts(), CTX)
    assert summary(actions) == [("attach", "7", "receipt")] and actions[0].ksef_label is None


def test_correction_waits_for_its_own_ksef_number() -> None:
    from .test_rule import attach_key, corrected_fs

    kfs = doc("KFS", "5", corrected=corrected_fs(), ksef="online_pending", issued=ISSUED)
    actions = rule().decide(order(), [kfs], facts(done=[attach_key("1")]), CTX)
    assert summary(actions) == [("skip", "5", "waiting_for_ksef")]


def test_b2b_means_nip_or_company() -> None:
    assert is_b2b(doc("FS", "1", buyer=company()))
    with_nip = consumer()
    with_nip = updated(with_nip, {"nip": "1111111111"})
    assert is_b2b(doc("FS", "1", buyer=with_nip))
    assert not is_b2b(doc("FS", "1", buyer=consumer()))
    assert not is_b2b(doc("PA", "7"))
