"""The ``[rule]`` (and ``[renderer]``) questions of ``sellintegro init`` (hook ``sellintegro_init_questions``):
which orders, which statuses, which documents, which template."""

from __future__ import annotations

import json
from typing import Any

from sellintegro_core.api import InitSection, Question, int_range, one_of_list, split_list

DOCUMENT_TYPES = ("FS", "PA", "KFS", "ZW", "FSd")


def _toml(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _status_list(value: str) -> Any:
    if value.strip().lower() in ("all", "wszystkie", ""):
        return "all"
    return [v.strip() for v in value.split(",") if v.strip()]


def _or_none(value: str) -> str | None:
    return value or None


QUESTIONS = (
    Question("statuses", "Order statuses to scan (statusy zamówień): all, or names/ids separated by commas",
             "--statuses", default="all", metavar="all|S1,S2", step=7, convert=_status_list,
             help='"all" or comma-separated BaseLinker status names/ids to scan (default all)'),
    Question("on_success", "Status after the PDF is attached (status po wysłaniu faktury); keep = no change",
             "--on-success", default="keep", metavar="keep|STATUS", step=8,
             help='"keep" or the status name/id to set after the upload (default keep)'),
    Question("on_failure", "Status for orders whose PDF failed (status po błędzie); empty = none", "--on-failure",
             metavar="STATUS", step=9, convert=_or_none,
             help="status name/id for orders whose PDF could not be attached (default: none)"),
    Question("no_document_status", "Status for orders still without a document (status braku faktury); "
             "empty = none", "--no-document-status", metavar="STATUS", step=9, convert=_or_none,
             help="status name/id for orders still without a document (default: none)"),
    Question("no_document_hours", "... after how many hours? (1-3600)", "--no-document-hours", default=48,
             type=int, metavar="N", step=9, convert=int, check=int_range(1, 24 * 150),
             asked=lambda answers: bool(answers.get("no_document_status")),
             help="with --no-document-status: after N hours, 1-3600 (default 48)"),
    Question("documents", f"Documents to send (dokumenty): {','.join(DOCUMENT_TYPES)}", "--documents",
             default="FS,PA,KFS", metavar="KINDS", step=10, convert=split_list,
             check=one_of_list(DOCUMENT_TYPES, "document kind"),
             help="comma-separated document kinds of FS,PA,KFS,ZW,FSd (default FS,PA,KFS)"),
    Question("template", "PDF template (szablon): pl, en or a folder with your templates", "--template",
             default="pl", metavar="pl|en|FOLDER", step=11,
             help='PDF template: "pl", "en" or a folder with your templates (default pl)'),
    Question("foreign_template", "Template for buyers outside Poland (kontrahent zagraniczny)",
             "--foreign-template", default="en", metavar="pl|en|FOLDER", step=11,
             help="PDF template for buyers outside Poland (default en)"),
    Question("exemption_basis", "Legal basis for VAT-exempt (zw) sales when Subiekt has none (podstawa "
             "zwolnienia z VAT); empty = none", "--exemption-basis", metavar="TEXT", step=11, convert=_or_none,
             help='legal basis printed on VAT-exempt (zw) lines when Subiekt has none, e.g. "art. 43 ust. 1 '
                  'pkt 29 lit. a ustawy o VAT" (default: none; such documents then wait for it)'),
    Question("paragon_with_invoice", "A receipt with an invoice issued for it (faktura do paragonu): send the "
             "invoice or the receipt?", "--paragon-with-invoice", default="invoice",
             choices=("invoice", "receipt"), step=14,
             help="a receipt with an invoice issued for it: send the invoice or the receipt (default invoice)"),
)


def render(ans: Any) -> str:
    """``[rule]``, and ``[renderer]`` when an exemption basis was given (the default renderer)."""
    on_success = '"keep"' if ans["on_success"] in ("keep", "") else f'{{ status = {_toml(ans["on_success"])} }}'
    lines = ["[rule]", 'plugin = "invoice_pdf"', f"statuses = {_toml(ans['statuses'])}",
             f"on_success = {on_success}"]
    if ans.get("on_failure"):
        lines.append(f"on_failure = {{ status = {_toml(ans['on_failure'])} }}")
    if ans.get("no_document_status"):
        lines.append(f"no_document = {{ after_hours = {ans['no_document_hours']}, "
                     f"status = {_toml(ans['no_document_status'])} }}")
    lines += [
        f"documents = {_toml(ans['documents'])}",
        f"paragon_with_invoice = {_toml(ans['paragon_with_invoice'])}",
        'wait_for_ksef = "b2b"                # hold B2B uploads until Subiekt has the KSeF number',
        "ksef_wait_max_hours = 24",
        f"template = {_toml(ans['template'])}",
        f"foreign_buyer_template = {_toml(ans['foreign_template'])}",
    ]
    if ans.get("exemption_basis"):
        lines += ["",
                  "[renderer]                        # the PDF; plugin omitted = the default renderer",
                  f"exemption_basis = {_toml(ans['exemption_basis'])}   # printed on zw lines without a basis"]
    return "\n".join(lines)


SECTION = InitSection(kind="rule", plugin="invoice_pdf", questions=QUESTIONS, render=render)
