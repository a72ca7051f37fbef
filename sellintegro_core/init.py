"""``sellintegro init [PATH]``: the set-up questions of Sellintegro's plugin, in its order, or as flags.

Writes a commented scenario file, validates it, and records the set-up moment in the ledger.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .errors import ConfigError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

DOCUMENT_TYPES = ("FS", "PA", "KFS", "ZW", "FSd")
MATCH_FIELDS = ("numer_oryginalny", "podtytul", "tytul", "uwagi")
ORDER_KEYS = ("order_id", "shop_order_id", "external_order_id")


def add_init_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", nargs="?", default="sellintegro.toml", help="scenario file to write")
    p.add_argument("--non-interactive", action="store_true", help="take every answer from flags/defaults")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.add_argument("--name", help="scenario name (ledger key); default: the file name")
    p.add_argument("--days-back", type=int, default=14, help="1..14 (150 with si_extender)")
    p.add_argument("--before-setup", choices=("skip", "include"), default="skip")
    p.add_argument("--before-setup-days", type=int, default=7, help="1..7 (90 with si_extender)")
    p.add_argument("--mode", choices=("auto", "manual"), default="auto")
    p.add_argument("--every-minutes", type=int, default=30)
    p.add_argument("--hours", default="1:00-23:00")
    p.add_argument("--weekdays", default=",".join(WEEKDAYS))
    p.add_argument("--token-env", default="BASELINKER_TOKEN", help="environment variable holding the API token")
    p.add_argument("--baselinker-url", default="https://api.baselinker.com/connector.php")
    p.add_argument("--subiekt-dsn-env", default="SUBIEKT_DSN",
                   help="environment variable holding the ODBC connection string")
    p.add_argument("--subiekt-dsn", default=None,
                   help="a DSN without secrets written into the file instead (e.g. sqlite:///demo.sqlite)")
    p.add_argument("--statuses", default="all", help='"all" or comma-separated status names/ids to scan')
    p.add_argument("--on-success", default="keep", help='"keep" or the status to set after the upload')
    p.add_argument("--on-failure", default=None, help="status for orders whose PDF could not be attached")
    p.add_argument("--no-document-status", default=None, help="status for orders still without a document")
    p.add_argument("--no-document-hours", type=int, default=48)
    p.add_argument("--documents", default="FS,PA,KFS", help="document kinds: FS,PA,KFS,ZW,FSd")
    p.add_argument("--template", default="pl", help='"pl", "en" or a folder with your templates')
    p.add_argument("--foreign-template", default="en")
    p.add_argument("--invoice-series", default=None, help="BaseLinker invoice series (name or id)")
    p.add_argument("--receipt-series", default=None)
    p.add_argument("--correction-series", default=None)
    p.add_argument("--match-field", default="numer_oryginalny",
                   help="numer_oryginalny | podtytul | tytul | uwagi | pole_wlasne:<name>")
    p.add_argument("--match-pattern", default=r"^B_(?P<ref>\d+)$")
    p.add_argument("--order-key", choices=ORDER_KEYS, default="order_id")
    p.add_argument("--via-order-document", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--paragon-with-invoice", choices=("invoice", "receipt"), default="invoice")


class Asker:
    """Asks on a terminal, or returns the defaults (the flags) when non-interactive."""

    def __init__(self, interactive: bool) -> None:
        self.interactive = interactive

    def ask(self, question: str, default: Any, *, check: Any = None) -> str:
        if not self.interactive:
            value = "" if default is None else str(default)
            if check is not None:
                check(value)
            return value
        while True:
            shown = "" if default is None else f" [{default}]"
            answer = input(f"{question}{shown}: ").strip()
            value = answer or ("" if default is None else str(default))
            try:
                if check is not None:
                    check(value)
                return value
            except ValueError as exc:
                print(f"  {exc}")


def _int_range(low: int, high: int) -> Any:
    def check(value: str) -> None:
        if not value.isdigit() or not low <= int(value) <= high:
            raise ValueError(f"enter a whole number from {low} to {high}")
    return check


def _choice(*options: str) -> Any:
    def check(value: str) -> None:
        if value not in options:
            raise ValueError(f"choose one of: {', '.join(options)}")
    return check


def _toml(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _status_list(value: str) -> Any:
    if value.strip().lower() in ("all", "wszystkie", ""):
        return "all"
    return [v.strip() for v in value.split(",") if v.strip()]


def gather(args: argparse.Namespace, host: Any) -> dict[str, Any]:
    from .config import parse_hours

    a = Asker(not args.non_interactive and sys.stdin.isatty())
    limits = host.limits()
    ans: dict[str, Any] = {}
    ans["name"] = a.ask("Scenario name", args.name or Path(args.path).stem)
    ans["days_back"] = int(a.ask(f"2. Do ilu dni wstecz przetwarzać zamówienia? (1-{limits.days_back})",
                                 args.days_back, check=_int_range(1, limits.days_back)))
    ans["before_setup"] = a.ask("3. Przetwarzać zamówienia sprzed konfiguracji? (skip / include)",
                                args.before_setup, check=_choice("skip", "include"))
    ans["before_setup_days"] = args.before_setup_days
    if ans["before_setup"] == "include":
        ans["before_setup_days"] = int(a.ask(f"   Ile dni przed konfiguracją? (1-{limits.before_setup_days})",
                                             args.before_setup_days,
                                             check=_int_range(1, limits.before_setup_days)))
    ans["mode"] = a.ask("4. Uruchamiać automatycznie? (auto / manual)", args.mode, check=_choice("auto", "manual"))
    ans["every_minutes"] = int(a.ask("   Co ile minut?", args.every_minutes, check=_int_range(5, 1440)))
    ans["hours"] = a.ask("   Godziny działania (within 1:00-23:00)", args.hours, check=lambda v: parse_hours(v))
    ans["weekdays"] = [d.strip() for d in a.ask("   Dni tygodnia", args.weekdays).split(",") if d.strip()]
    ans["token_env"] = a.ask("5. BaseLinker: environment variable with the API token", args.token_env)
    ans["baselinker_url"] = a.ask("   BaseLinker API URL", args.baselinker_url)
    if args.subiekt_dsn:
        ans["dsn"] = args.subiekt_dsn
    else:
        ans["dsn_env"] = a.ask("6. Subiekt GT: environment variable with the ODBC connection string",
                               args.subiekt_dsn_env)
    ans["statuses"] = _status_list(a.ask("7. Statuses to scan (all, or names/ids separated by commas)",
                                         args.statuses))
    ans["on_success"] = a.ask('8. Status after the PDF is attached ("keep" = do not change)', args.on_success)
    ans["on_failure"] = a.ask("9. Status for orders whose PDF failed (empty = none)", args.on_failure) or None
    ans["no_document_status"] = a.ask("   Status for orders still without a document (empty = none)",
                                      args.no_document_status) or None
    ans["no_document_hours"] = args.no_document_hours
    if ans["no_document_status"]:
        ans["no_document_hours"] = int(a.ask("   ... after how many hours?", args.no_document_hours,
                                             check=_int_range(1, 24 * 150)))

    def _docs(value: str) -> None:
        bad = [d for d in value.split(",") if d.strip() not in DOCUMENT_TYPES]
        if bad:
            raise ValueError(f"unknown document kinds {bad}; choose from {', '.join(DOCUMENT_TYPES)}")

    ans["documents"] = [d.strip() for d in a.ask("10. Documents to send (FS,PA,KFS,ZW,FSd)", args.documents,
                                                 check=_docs).split(",")]
    ans["template"] = a.ask('11. PDF template ("pl", "en" or a folder)', args.template)
    ans["foreign_template"] = a.ask("    Template for buyers outside Poland", args.foreign_template)
    ans["invoice_series"] = a.ask("12. BaseLinker invoice series for the placeholders (name or id; empty = default)",
                                  args.invoice_series) or None
    ans["receipt_series"] = a.ask("    Receipt series (empty = default)", args.receipt_series) or None
    ans["correction_series"] = a.ask("    Correction series (empty = default)", args.correction_series) or None
    if a.interactive:
        print("13. Which Subiekt field holds the BaseLinker order? Not sure? After saving, run:\n"
              f"    sellintegro subiekt detect {args.path}")
    ans["match_field"] = a.ask("    Field (numer_oryginalny, podtytul, tytul, uwagi, pole_wlasne:<name>)",
                               args.match_field)
    ans["match_pattern"] = a.ask("    Pattern (regex with a group named ref)", args.match_pattern)
    ans["order_key"] = a.ask("    Which BaseLinker field is that (order_id, shop_order_id, external_order_id)",
                             args.order_key, check=_choice(*ORDER_KEYS))
    ans["via_order_document"] = args.via_order_document
    ans["paragon_with_invoice"] = a.ask("14. Paragon with a faktura do paragonu: send the invoice or the receipt?",
                                        args.paragon_with_invoice, check=_choice("invoice", "receipt"))
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
    return "\n".join(lines)


def run_init(args: argparse.Namespace, *, host: Any) -> int:
    from . import clock
    from .config import load_scenario
    from .ledger import open_ledger

    path = Path(args.path).expanduser()
    if path.exists() and not args.force:
        raise ConfigError(f"{path} already exists; use --force to overwrite it or choose another path")
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
