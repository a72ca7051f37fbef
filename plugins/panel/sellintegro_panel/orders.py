"""Orders from the ledger: search by order id or document number, and everything recorded about one order.

Documents come from the ledger's actions; their KSeF numbers from the scenario's source (``find``, read only).
"""

from __future__ import annotations

import json
from typing import Any

from sellintegro_core.api import Finder, Scenario, build_component, close_quietly, open_ledger

from .state import fmt_time

HINTS = {
    "unmatched": "The document names no order: fix the match field or pattern on Settings (Test pattern), or "
                 "write the order number on the document in Subiekt.",
    "not_found": "BaseLinker has no such order: check the order number on the document and the match settings.",
    "bad_order_id": "The reference is not a BaseLinker order id: set the match's order key on Settings.",
    "template_error": "The PDF template failed: check the template folder, or use the built-in \"pl\"/\"en\".",
    "pdf_error": "The PDF could not be made: preview it with `sellintegro pdf SCENARIO --document NUMBER`.",
    "pdf_too_large": "BaseLinker refuses files this large: shorten the document or its images.",
    "empty_pdf": "The renderer made an empty file: check the renderer and its template.",
    "baselinker_rejected": "BaseLinker refused the call: read its message, fix the setting it names, run again.",
    "placeholder_lost": "The BaseLinker document made for this file disappeared: the next run makes a new one.",
    "number_too_long": "The document number is longer than BaseLinker allows: shorten the series in Subiekt.",
    "exchange_rate_missing": "A foreign-currency document needs its exchange rate in Subiekt: fill it in.",
    "original_missing": "The corrected document was never attached: it is sent first on the next run.",
}
DEFAULT_HINT = "See docs/troubleshooting.md for this message, fix the cause, then Run now again."


def _norm(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def _ledger(scenario: Scenario) -> Any | None:
    try:
        return open_ledger(scenario.model.state.url, scenario.base_dir, read_only=True)
    except Exception:  # noqa: BLE001 - no ledger yet: nothing recorded
        return None


def _actions(ledger: Any, scenario: str) -> list[dict[str, Any]]:
    out = []
    for row in ledger.iter_actions(scenario):
        row = dict(row)
        try:
            row["data"] = json.loads(row.get("data") or "{}")
        except ValueError:
            row["data"] = {}
        out.append(row)
    return out


def search(key: str, scenario: Scenario, query: str) -> list[dict[str, Any]]:
    """Orders of one scenario whose id, or one of whose documents' number or id, equals ``query``."""
    wanted = _norm(query)
    if not wanted:
        return []
    ledger = _ledger(scenario)
    if ledger is None:
        return []
    try:
        actions = _actions(ledger, scenario.name)
        events = ledger.history(scenario.name)
    finally:
        ledger.close()
    hits: dict[str, dict[str, Any]] = {}
    for row in actions:
        number = str(row["data"].get("number") or "")
        if wanted in (_norm(row["order_id"]), _norm(number), _norm(row["document_id"])):
            hit = hits.setdefault(row["order_id"], {"key": key, "scenario": scenario.name,
                                                    "order_id": row["order_id"], "documents": [], "note": ""})
            if number and number not in hit["documents"]:
                hit["documents"].append(number)
    for event in events:
        message = str(event["message"])
        number = message.split(":", 1)[0] if ":" in message else ""
        if wanted in (_norm(event["order_id"]), _norm(number), _norm(event["document_id"])):
            order = event["order_id"] or ""
            hit = hits.setdefault(order or f"doc:{event['document_id']}", {
                "key": key, "scenario": scenario.name, "order_id": order, "documents": [], "note": ""})
            if not order:
                hit["note"] = message
            if number and number not in hit["documents"]:
                hit["documents"].append(number)
    return list(hits.values())


def order_details(scenario: Scenario, order_id: str, host: Any) -> dict[str, Any]:
    """Documents, status changes, ledger steps (with time) and errors (with fix hints) of one order."""
    tz = scenario.timezone
    details: dict[str, Any] = {"documents": [], "statuses": [], "steps": [], "errors": [], "source_error": ""}
    ledger = _ledger(scenario)
    if ledger is None:
        return details
    try:
        actions = [a for a in _actions(ledger, scenario.name) if a["order_id"] == order_id]
        events = ledger.history(scenario.name, order_id)
        for event in events:
            details["steps"].append({"at": fmt_time(event["at"], tz), "what": event["type"],
                                     "outcome": event["outcome"], "message": event["message"]})
            if event["type"] == "set_status":
                details["statuses"].append({"at": fmt_time(event["at"], tz), "outcome": event["outcome"],
                                            "message": event["message"]})
            if event["outcome"] == "failed":
                details["errors"].append({"at": fmt_time(event["at"], tz), "message": event["message"],
                                          "code": event["code"], "hint": HINTS.get(event["code"], DEFAULT_HINT)})
        for action in actions:
            steps = ledger.steps(scenario.name, action["key"]) if hasattr(ledger, "steps") else []
            for step in steps:
                data = ", ".join(f"{k} {v}" for k, v in sorted(step["data"].items()))
                details["steps"].append({"at": fmt_time(step["at"], tz), "what": f"{action['type']} step",
                                         "outcome": step["step"], "message": data})
    finally:
        ledger.close()
    details["steps"].sort(key=lambda s: s["at"])
    docs: dict[str, dict[str, Any]] = {}
    for action in actions:
        if not action["document_id"]:
            continue
        data = action["data"]
        doc = docs.setdefault(action["document_id"], {"id": action["document_id"], "number": "", "target": "",
                                                      "baselinker_id": "", "ksef": "", "state": ""})
        if action["type"] == "attach":
            doc["number"] = str(data.get("number") or doc["number"])
            doc["target"] = str(data.get("target") or "")
            doc["baselinker_id"] = str(data.get("invoice_id") or data.get("receipt_id") or data.get("id") or "")
        doc["state"] = f"{action['type']}: {action['status']}" if not doc["state"] else doc["state"]
    _fill_from_source(scenario, list(docs.values()), host, details)
    details["documents"] = list(docs.values())
    return details


def _fill_from_source(scenario: Scenario, docs: list[dict[str, Any]], host: Any, details: dict[str, Any]) -> None:
    if not docs:
        return
    try:
        source = build_component(scenario, "source", host=host, plan_only=True)
    except Exception as exc:  # noqa: BLE001 - the page still shows what the ledger knows
        details["source_error"] = getattr(exc, "message", str(exc))
        return
    try:
        for doc in docs:
            if not isinstance(source, Finder):
                break
            found = source.find(doc["number"] or doc["id"])
            if found is not None:
                doc["number"] = doc["number"] or found.number
                doc["ksef"] = found.ksef.number or ""
    except Exception as exc:  # noqa: BLE001
        details["source_error"] = getattr(exc, "message", str(exc))
    finally:
        close_quietly(source)
