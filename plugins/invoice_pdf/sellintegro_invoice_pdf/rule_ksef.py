"""The rule's KSeF decision: send now (with which label), or wait for the KSeF number.

Follows the decision table of ksef_visualisation.md §4.2 together with the renderer (``ksef.decide``):

| KSeF state | wait_for_ksef applies | before the deadline | after ``ksef_wait_max_hours`` |
|---|---|---|---|
| ``not_in_ksef`` | — | send, no KSeF marks (label None) | — |
| ``numbered`` | — | send with KOD I + number (label ``number``) | — |
| ``online_pending`` | yes | wait (``waiting_for_ksef``) | keep waiting (``ksef_overdue``); see below |
| ``online_pending`` | no | send with KOD I + ``OFFLINE`` | — |
| ``offline_pending`` + KOD II link | as online_pending | as online_pending | as online_pending |
| ``offline_pending`` without KOD II | — | wait (``waiting_for_ksef``) | keep waiting (``ksef_overdue``) |

An invoice Subiekt sent online is never described as issued in offline mode: its PDF says it was sent to
KSeF and has no number yet (the ``OFFLINE`` word stays only as the label the KSeF docs prescribe under KOD I).
By default such an invoice is not sent without its number after the wait: it keeps waiting and is reported;
with ``send_without_ksef_number`` it is sent with KOD I + ``OFFLINE`` and the "sent, no number yet" wording.

An offline invoice without its KOD II link cannot be printed legally before KSeF numbers it (the renderer
refuses it), so the rule never sends it early: it waits, and after the deadline reports it as overdue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from sellintegro_core.api import SalesDocument

RECEIPT_KINDS = ("PA", "ZW")


@dataclass(frozen=True)
class KsefVerdict:
    """``send`` with ``label`` and a ``note`` for the reason, or wait (``code`` + ``reason``)."""

    send: bool
    label: Literal["number", "offline"] | None = None
    note: str = ""
    code: str = ""
    reason: str = ""


def is_b2b(document: SalesDocument) -> bool:
    """A business buyer: one with a NIP (tax id) or marked as a company in Subiekt."""
    buyer = document.buyer
    return buyer is not None and (buyer.is_company or bool((buyer.nip or "").strip()))


def wait_started(document: SalesDocument, timezone: str) -> datetime:
    """When waiting for the KSeF number starts: ``issued_at``, else the start of the issue day."""
    tz = ZoneInfo(timezone)
    moment = document.issued_at
    if moment is not None:
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)
    return datetime.combine(document.issue_date, time(0, 0), tzinfo=tz)


def fmt(moment: datetime, timezone: str) -> str:
    """``2026-11-28 10:00 CET`` in the scenario's time zone (every time shown carries its zone)."""
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M %Z")


def hours_text(hours: float) -> str:
    return f"{hours:g} h"


def ksef_verdict(document: SalesDocument, *, wait_for_ksef: str, max_hours: float, now: datetime,
                 timezone: str, send_without_number: bool = False) -> KsefVerdict:
    """Decide how (and whether) a document goes out, from its KSeF state and the waiting policy."""
    if document.kind in RECEIPT_KINDS:
        return KsefVerdict(send=True)              # receipts never go to KSeF
    state = document.ksef.state
    if state == "numbered":
        return KsefVerdict(send=True, label="number", note=f"KSeF number {document.ksef.number}")
    if state not in ("online_pending", "offline_pending"):
        return KsefVerdict(send=True)

    b2b = is_b2b(document)
    waits = wait_for_ksef == "all" or (wait_for_ksef == "b2b" and b2b)
    started = wait_started(document, timezone)
    deadline = started + timedelta(hours=max_hours)
    can_offline = state == "online_pending" or bool(document.extra.get("ksef_kod2_url"))
    mode = "online" if state == "online_pending" else "offline"

    if not can_offline:
        base = (f"{document.number} was issued in KSeF offline mode and has no KSeF number yet; Subiekt gave no "
                f"KOD II (certificate) link, so its PDF can only be made once KSeF assigns the number")
        if now < deadline:
            return KsefVerdict(send=False, code="waiting_for_ksef",
                               reason=f"{base} (waiting since {fmt(started, timezone)})")
        return KsefVerdict(send=False, code="ksef_overdue",
                           reason=f"{base}; still no number {hours_text(max_hours)} after "
                                  f"{fmt(started, timezone)}: check the document's KSeF status in Subiekt "
                                  f"(status: {document.ksef.status or 'unknown'})")

    if not waits:
        why = ('wait_for_ksef = "no"' if wait_for_ksef == "no"
               else 'wait_for_ksef = "b2b" and the buyer is a consumer (no NIP)')
        return KsefVerdict(send=True, label="offline",
                           note=f"sent without waiting for the KSeF number ({why}): OFFLINE label")
    after = ("it is sent with the OFFLINE label" if state == "offline_pending" or send_without_number
             else "it keeps waiting and is reported")
    if now < deadline:
        return KsefVerdict(
            send=False, code="waiting_for_ksef",
            reason=(f"{document.number} was sent to KSeF ({mode}) but has no KSeF number yet; waiting since "
                    f"{fmt(started, timezone)}, at most {hours_text(max_hours)} (until {fmt(deadline, timezone)}),"
                    f" then {after} (wait_for_ksef = \"{wait_for_ksef}\")"))
    waited = (now - started).total_seconds() / 3600
    if state == "online_pending" and not send_without_number:
        return KsefVerdict(
            send=False, code="ksef_overdue",
            reason=(f"{document.number} was sent to KSeF online but still has no KSeF number {hours_text(max_hours)}"
                    f" after {fmt(started, timezone)} (status: {document.ksef.status or 'unknown'}); it keeps "
                    "waiting: check its KSeF status in Subiekt, or set [rule] send_without_ksef_number = true to "
                    "upload it saying it was sent to KSeF and has no number yet"))
    return KsefVerdict(send=True, label="offline",
                       note=f"KSeF number missing after {hours_text(max_hours)} (waited {waited:.0f} h since "
                            f"{fmt(started, timezone)}): sent with OFFLINE label")
