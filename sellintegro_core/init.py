"""``sellintegro init [PATH]``: the set-up questions of Sellintegro's plugin, in its order, or as flags.

Writes a commented scenario file, validates it, and records the set-up moment in the ledger.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .answers import (
    Asker,
    choice,
    component_setting,
    env_name,
    http_url,
    int_range,
    matches,
    one_of_list,
    required,
    split_list,
    weekdays,
)
from .errors import ConfigError
from .vocabulary import DOCUMENT_KINDS as DOCUMENT_TYPES
from .vocabulary import ORDER_KEYS

MATCH_FIELDS = ("numer_oryginalny", "podtytul", "tytul", "uwagi")


def add_init_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", nargs="?", default="sellintegro.toml",
                   help="scenario file to write (default: sellintegro.toml)")
    p.add_argument("--non-interactive", action="store_true",
                   help="ask nothing: take every answer from the flags and their defaults")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.add_argument("--name", help="scenario name, the ledger key: letters, digits, . _ - (default: the file name)")
    p.add_argument("--days-back", type=int, default=14, metavar="N",
                   help="orders placed at most N days ago: 1-14, 1-150 with si_extender (default 14)")
    p.add_argument("--before-setup", choices=("skip", "include"), default="skip",
                   help="skip: only orders placed after the set-up; include: also the days before it "
                        "(default skip)")
    p.add_argument("--before-setup-days", type=int, default=7, metavar="N",
                   help="with --before-setup include: 1-7, 1-90 with si_extender (default 7)")
    p.add_argument("--mode", choices=("auto", "manual"), default="auto",
                   help="auto: `sellintegro schedule` runs it; manual: only `sellintegro run` (default auto)")
    p.add_argument("--every-minutes", type=int, default=30, metavar="N",
                   help="minutes between scheduled runs, 5-1440 (default 30)")
    p.add_argument("--hours", default="1:00-23:00", metavar="H:MM-H:MM",
                   help="when scheduled runs may start, within 1:00-23:00 (default 1:00-23:00)")
    p.add_argument("--weekdays", default=None, metavar="DAYS",
                   help="comma-separated days of mon,tue,wed,thu,fri,sat,sun (default: every day)")
    p.add_argument("--token-env", default="BASELINKER_TOKEN", metavar="VARIABLE",
                   help="environment variable holding the BaseLinker API token (default BASELINKER_TOKEN)")
    p.add_argument("--baselinker-url", default="https://api.baselinker.com/connector.php", metavar="URL",
                   help="BaseLinker API address, http(s)://... (default https://api.baselinker.com/connector.php)")
    p.add_argument("--subiekt-dsn-env", default="SUBIEKT_DSN", metavar="VARIABLE",
                   help="environment variable holding the ODBC connection string (default SUBIEKT_DSN)")
    p.add_argument("--subiekt-dsn", default=None, metavar="DSN",
                   help="a DSN without secrets written into the file instead (e.g. sqlite:///demo.sqlite)")
    p.add_argument("--statuses", default="all", metavar="all|S1,S2",
                   help='"all" or comma-separated BaseLinker status names/ids to scan (default all)')
    p.add_argument("--on-success", default="keep", metavar="keep|STATUS",
                   help='"keep" or the status name/id to set after the upload (default keep)')
    p.add_argument("--on-failure", default=None, metavar="STATUS",
                   help="status name/id for orders whose PDF could not be attached (default: none)")
    p.add_argument("--no-document-status", default=None, metavar="STATUS",
                   help="status name/id for orders still without a document (default: none)")
    p.add_argument("--no-document-hours", type=int, default=48, metavar="N",
                   help="with --no-document-status: after N hours, 1-3600 (default 48)")
    p.add_argument("--documents", default="FS,PA,KFS", metavar="KINDS",
                   help="comma-separated document kinds of FS,PA,KFS,ZW,FSd (default FS,PA,KFS)")
    p.add_argument("--template", default="pl", metavar="pl|en|FOLDER",
                   help='PDF template: "pl", "en" or a folder with your templates (default pl)')
    p.add_argument("--foreign-template", default="en", metavar="pl|en|FOLDER",
                   help="PDF template for buyers outside Poland (default en)")
    p.add_argument("--exemption-basis", default=None, metavar="TEXT",
                   help='legal basis printed on VAT-exempt (zw) lines when Subiekt has none, e.g. "art. 43 ust. 1 '
                        'pkt 29 lit. a ustawy o VAT" (default: none; such documents then wait for it)')
    p.add_argument("--invoice-series", default=None, metavar="NAME|ID",
                   help="BaseLinker INVOICE series for placeholder invoices, not the one sent to KSeF (required)")
    p.add_argument("--receipt-series", default=None, metavar="NAME|ID",
                   help="BaseLinker RECEIPT series (default: the account's default)")
    p.add_argument("--correction-series", default=None, metavar="NAME|ID",
                   help="BaseLinker CORRECTION series (default: the corrected invoice's series)")
    p.add_argument("--match-field", default="numer_oryginalny", metavar="FIELD",
                   help="where Subiekt keeps the order number: numer_oryginalny, podtytul, tytul, uwagi or "
                        "pole_wlasne:<name> (default numer_oryginalny)")
    p.add_argument("--match-pattern", default=r"^B_(?P<ref>\d+)$", metavar="REGEX",
                   help="regular expression with a group named ref (default ^B_(?P<ref>\\d+)$)")
    p.add_argument("--order-key", choices=ORDER_KEYS, default="order_id",
                   help="which BaseLinker number the reference is (default order_id)")
    p.add_argument("--via-order-document", action=argparse.BooleanOptionalAction, default=True,
                   help="also look on the ZK the document was issued from (default: yes)")
    p.add_argument("--paragon-with-invoice", choices=("invoice", "receipt"), default="invoice",
                   help="a receipt with an invoice issued for it: send the invoice or the receipt (default invoice)")


def _toml(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _status_list(value: str) -> Any:
    if value.strip().lower() in ("all", "wszystkie", ""):
        return "all"
    return [v.strip() for v in value.split(",") if v.strip()]


def gather(args: argparse.Namespace, host: Any) -> dict[str, Any]:
    """The set-up questions of Sellintegro's plugin, in its order (numbered as there); answers in English, with
    the Polish term of Subiekt and BaseLinker in parentheses."""
    from .config import NAME_RE, WEEKDAYS, parse_hours

    def _hours(value: str) -> None:
        parse_hours(value)

    a = Asker(not args.non_interactive and sys.stdin.isatty())
    limits = host.limits()
    ans: dict[str, Any] = {}
    ans["name"] = a.ask("Scenario name (the ledger key; letters, digits, . _ -)", args.name or Path(args.path).stem,
                        check=matches(NAME_RE, "sklep-allegro"), flag="--name")
    ans["days_back"] = int(a.ask(f"2. How many days back to process orders (dni wstecz)? (1-{limits.days_back})",
                                 args.days_back, check=int_range(1, limits.days_back), flag="--days-back"))
    ans["before_setup"] = a.ask("3. Process orders placed before the set-up (zamówienia sprzed konfiguracji)? "
                                "(skip / include)", args.before_setup, check=choice("skip", "include"),
                                flag="--before-setup")
    ans["before_setup_days"] = args.before_setup_days
    if ans["before_setup"] == "include":
        ans["before_setup_days"] = int(a.ask(f"   How many days before the set-up? (1-{limits.before_setup_days})",
                                             args.before_setup_days, check=int_range(1, limits.before_setup_days),
                                             flag="--before-setup-days"))
    ans["mode"] = a.ask("4. Run automatically (automatycznie)? (auto / manual)", args.mode,
                        check=choice("auto", "manual"), flag="--mode")
    ans["every_minutes"] = int(a.ask("   Every how many minutes (co ile minut)? (5-1440)", args.every_minutes,
                                     check=int_range(5, 1440), flag="--every-minutes"))
    ans["hours"] = a.ask("   Working hours (godziny działania), within 1:00-23:00", args.hours,
                         check=_hours, flag="--hours")
    every_day = ",".join(WEEKDAYS)
    ans["weekdays"] = split_list(a.ask(f"   Days of the week (dni tygodnia): {every_day}", args.weekdays or every_day,
                                       check=weekdays(WEEKDAYS), flag="--weekdays"))
    ans["token_env"] = a.ask("5. BaseLinker: environment variable holding the API token (token API)",
                             args.token_env, check=env_name, flag="--token-env")
    ans["baselinker_url"] = a.ask("   BaseLinker API URL", args.baselinker_url, check=http_url,
                                  flag="--baselinker-url")
    if args.subiekt_dsn:
        ans["dsn"] = args.subiekt_dsn
    else:
        ans["dsn_env"] = a.ask("6. Subiekt GT: environment variable holding the ODBC connection string",
                               args.subiekt_dsn_env, check=env_name, flag="--subiekt-dsn-env")
    ans["statuses"] = _status_list(a.ask("7. Order statuses to scan (statusy zamówień): all, or names/ids "
                                         "separated by commas", args.statuses))
    ans["on_success"] = a.ask("8. Status after the PDF is attached (status po wysłaniu faktury); keep = no change",
                              args.on_success)
    ans["on_failure"] = a.ask("9. Status for orders whose PDF failed (status po błędzie); empty = none",
                              args.on_failure) or None
    ans["no_document_status"] = a.ask("   Status for orders still without a document (status braku faktury); "
                                      "empty = none", args.no_document_status) or None
    ans["no_document_hours"] = args.no_document_hours
    if ans["no_document_status"]:
        ans["no_document_hours"] = int(a.ask("   ... after how many hours? (1-3600)", args.no_document_hours,
                                             check=int_range(1, 24 * 150), flag="--no-document-hours"))
    ans["documents"] = split_list(a.ask(f"10. Documents to send (dokumenty): {','.join(DOCUMENT_TYPES)}",
                                        args.documents, check=one_of_list(DOCUMENT_TYPES, "document kind"),
                                        flag="--documents"))
    ans["template"] = a.ask("11. PDF template (szablon): pl, en or a folder with your templates", args.template)
    ans["foreign_template"] = a.ask("    Template for buyers outside Poland (kontrahent zagraniczny)",
                                    args.foreign_template)
    ans["exemption_basis"] = a.ask("    Legal basis for VAT-exempt (zw) sales when Subiekt has none (podstawa "
                                   "zwolnienia z VAT); empty = none", args.exemption_basis) or None
    ans["invoice_series"] = a.ask("12. BaseLinker invoice series for placeholder invoices (seria numeracji faktur), "
                                  "NOT the one sent to KSeF; name or id", args.invoice_series,
                                  check=required("the invoice series (name or id of a BaseLinker INVOICE series)"),
                                  flag="--invoice-series")
    ans["receipt_series"] = a.ask("    Receipt series (seria paragonów); empty = the account's default",
                                  args.receipt_series) or None
    ans["correction_series"] = a.ask("    Correction series (seria korekt); empty = the corrected invoice's series",
                                     args.correction_series) or None
    if a.interactive:
        print("13. Which Subiekt field holds the BaseLinker order number? Not sure? After saving, run:\n"
              f"    sellintegro subiekt detect {args.path}")
    ans["match_field"] = a.ask("    Field: numer_oryginalny (numer oryginału), podtytul (podtytuł), tytul (tytuł), "
                               "uwagi, pole_wlasne:<name> (pole własne)", args.match_field,
                               check=component_setting(host, "source", "subiekt_gt", "match",
                                                       lambda v: {"field": v}), flag="--match-field")
    ans["match_pattern"] = a.ask("    Pattern: a regular expression with a group named ref, e.g. ^B_(?P<ref>\\d+)$",
                                 args.match_pattern,
                                 check=component_setting(host, "source", "subiekt_gt", "match",
                                                         lambda v: {"field": ans["match_field"], "pattern": v}),
                                 flag="--match-pattern")
    ans["order_key"] = a.ask(f"    Which BaseLinker number is it: {', '.join(ORDER_KEYS)}", args.order_key,
                             check=choice(*ORDER_KEYS), flag="--order-key")
    ans["via_order_document"] = args.via_order_document
    ans["paragon_with_invoice"] = a.ask("14. A receipt with an invoice issued for it (faktura do paragonu): send "
                                        "the invoice or the receipt?", args.paragon_with_invoice,
                                        check=choice("invoice", "receipt"), flag="--paragon-with-invoice")
    return ans


def render_scenario(ans: dict[str, Any]) -> str:
    on_success = '"keep"' if ans["on_success"] in ("keep", "") else f'{{ status = {_toml(ans["on_success"])} }}'
    lines = [
        "# sellintegro scenario — written by `sellintegro init`; check it with `sellintegro check THIS_FILE`",
        f"name = {_toml(ans['name'])}              # ledger key: keep it stable",
        'timezone = "Europe/Warsaw"',
        "",
        "[window]",
        f"days_back = {ans['days_back']}                   # orders placed in BaseLinker at most N days ago",
        f"before_setup = {_toml(ans['before_setup'])}            # skip: only orders placed after set-up",
        f"before_setup_days = {ans['before_setup_days']}            # with include: days before set-up",
        "",
        "[schedule]",
        f"mode = {_toml(ans['mode'])}                   # auto: `sellintegro schedule`; manual: `sellintegro run`",
        f"every_minutes = {ans['every_minutes']}",
        f"hours = {_toml(ans['hours'])}             # within 1:00-23:00",
        f"weekdays = {_toml(ans['weekdays'])}",
        "",
        "[state]",
        'url = "sqlite:///sellintegro-state.db"   # the ledger, next to this file: back it up',
        "",
        "[source]",
        'plugin = "subiekt_gt"',
        (f"dsn = {_toml(ans['dsn'])}" if "dsn" in ans else
         f"dsn = {{ env = {_toml(ans['dsn_env'])} }}   # ODBC connection string, read-only login"),
        f"document_types = {_toml(ans['documents'])}",
        "",
        "[source.match]                     # where Subiekt keeps the BaseLinker order (numer oryginału...)",
        f"field = {_toml(ans['match_field'])}",
        f"pattern = {_toml(ans['match_pattern'])}",
        f"via_order_document = {'true' if ans['via_order_document'] else 'false'}   # also the ZK it was issued from",
        f"order_key = {_toml(ans['order_key'])}",
        "",
        "[sink]",
        'plugin = "baselinker"',
        f"token = {{ env = {_toml(ans['token_env'])} }}",
        f"url = {_toml(ans['baselinker_url'])}",
        "requests_per_minute = 60          # BaseLinker allows 100 per token, shared with other integrations",
    ]
    for key in ("invoice_series", "receipt_series", "correction_series"):
        if ans.get(key):
            lines.append(f"{key} = {_toml(ans[key])}")
    lines += [
        "",
        "[rule]",
        'plugin = "invoice_pdf"',
        f"statuses = {_toml(ans['statuses'])}",
        f"on_success = {on_success}",
    ]
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
        "",
    ]
    if ans.get("exemption_basis"):
        lines += ["[renderer]                        # the PDF; plugin omitted = the default renderer",
                  f"exemption_basis = {_toml(ans['exemption_basis'])}   # printed on zw lines without a basis",
                  ""]
    return "\n".join(lines)


def run_init(args: argparse.Namespace, *, host: Any) -> int:
    from . import clock
    from .config import load_scenario
    from .ledger import open_ledger

    path = Path(args.path).expanduser()
    if path.exists() and not args.force:
        raise ConfigError(f"{path} already exists; use --force to overwrite it or choose another path",
                          hint=f"to overwrite it: sellintegro init {path} --force; to check it: "
                               f"sellintegro validate {path}")
    answers = gather(args, host)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_scenario(answers), encoding="utf-8")
    print(f"wrote {path}")
    try:
        scenario = load_scenario(path, host=host)
    except ConfigError as exc:
        env_only = exc.errors and all("environment variable" in msg for _, msg in exc.errors)
        if not env_only:
            raise
        print("the file is valid once these are set:", file=sys.stderr)
        for field, msg in exc.errors:
            print(f"  {field}: {msg}", file=sys.stderr)
        scenario = load_scenario(path, host=host, validate_components=False)
    ledger = open_ledger(scenario.model.state.url, scenario.base_dir)
    try:
        setup = ledger.ensure_setup(scenario.name, clock.now(scenario.timezone))
    finally:
        ledger.close()
    print(f"scenario {scenario.name!r} set up at {setup:%Y-%m-%d %H:%M %Z}; next: sellintegro check {path}")
    return 0
