"""The bad-input catalogue as data: what a user can get wrong, and what sellintegro must answer.

Each :class:`Case` changes the valid full-stack scenario (``stack.scenario_data``) in one place. The test runs
``sellintegro run`` (and ``validate`` when the problem is visible without connecting anywhere) and checks the
exit code, that the message names the setting and how to fix it (``expect``: fragments of stderr), that no
traceback is printed, and that nothing was written (no ledger file, no BaseLinker call).

docs/troubleshooting.md explains every message listed here.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

DROP = object()          # value meaning "remove this key"

# exit codes (sellintegro_core.errors)
CONFIG = 2
CONNECTION = 3
DEFERRED = 4


@dataclass(frozen=True)
class Case:
    id: str
    path: str                       # dotted key in the scenario ("" for the whole file)
    value: Any                      # new value, DROP, or for path "" the raw file text (str/bytes/None=no file)
    exit: int
    expect: tuple[str, ...]         # fragments stderr must contain (case-insensitive)
    runtime: bool = False           # found only when the run starts (validate cannot see it)
    env: dict[str, str] = field(default_factory=dict)
    bug: str = ""                   # a known bug elsewhere: the case is expected to fail until it is fixed

    def apply(self, data: dict[str, Any]) -> dict[str, Any] | str | bytes | None:
        if self.path == "":
            return self.value
        out = copy.deepcopy(data)
        *parents, last = self.path.split(".")
        node = out
        for key in parents:
            node = node.setdefault(key, {})
        if self.value is DROP:
            node.pop(last, None)
        else:
            node[last] = self.value
        return out


CATALOGUE: list[Case] = [
    # ---- the file itself
    Case("file_missing", "", None, CONFIG, ("does not exist", "sellintegro init")),
    Case("file_not_toml", "", 'name = "x"\n[window\ndays_back = 3\n', CONFIG, ("is not valid TOML",)),
    Case("file_not_utf8", "", b'name = "caf\xe9"\n', CONFIG, ("cannot read",)),
    Case("file_empty", "", "", CONFIG, ("name: field required", "source: field required")),
    Case("unknown_top_level_key", "colour", "red", CONFIG, ("colour", "unknown setting")),
    # ---- core keys
    Case("name_missing", "name", DROP, CONFIG, ("name: field required",)),
    Case("name_with_spaces", "name", "my scenario!", CONFIG, ("name:", "is not a scenario name", "letters, digits")),
    Case("timezone_unknown", "timezone", "Mars/Olympus", CONFIG, ("timezone", "unknown time zone", "Europe/Warsaw")),
    Case("window_days_back_zero", "window.days_back", 0, CONFIG, ("window.days_back",)),
    Case("window_days_back_text", "window.days_back", "fourteen", CONFIG, ("window.days_back",)),
    Case("window_days_back_over_cap", "window.days_back", 400, CONFIG, ("window.days_back", "over the limit")),
    Case("window_before_setup_bad", "window.before_setup", "maybe", CONFIG, ("window.before_setup", "skip",
                                                                              "include")),
    Case("window_before_setup_days_over_cap", "window.before_setup_days", 400, CONFIG,
         ("window.before_setup_days", "over the limit")),
    Case("window_unknown_key", "window.day_back", 3, CONFIG, ("window.day_back", "unknown setting")),
    Case("schedule_mode_bad", "schedule.mode", "sometimes", CONFIG, ("schedule.mode", "auto", "manual")),
    Case("schedule_every_minutes_low", "schedule.every_minutes", 1, CONFIG, ("schedule.every_minutes", "5")),
    Case("schedule_every_minutes_high", "schedule.every_minutes", 5000, CONFIG, ("schedule.every_minutes",
                                                                                   "1440")),
    Case("schedule_hours_not_a_range", "schedule.hours", "8-16", CONFIG, ("schedule.hours", "1:00-23:00")),
    Case("schedule_hours_outside", "schedule.hours", "0:00-23:30", CONFIG, ("schedule.hours", "within 1:00-23:00")),
    Case("schedule_hours_reversed", "schedule.hours", "20:00-8:00", CONFIG, ("schedule.hours", "before the end")),
    Case("schedule_weekdays_bad", "schedule.weekdays", ["monday"], CONFIG, ("schedule.weekdays", "'mon'")),
    Case("schedule_weekdays_empty", "schedule.weekdays", [], CONFIG, ("schedule.weekdays",)),
    Case("state_url_not_sqlite", "state.url", "mysql://db/sellintegro", CONFIG,
         ("state.url", "not supported", "sqlite:///"), runtime=True),
    Case("state_url_unwritable", "state.url", "sqlite:////proc/sellintegro/ledger.db", CONFIG,
         ("state.url", "/proc/sellintegro", "writable"), runtime=True),
    Case("source_missing", "source", DROP, CONFIG, ("source: field required",)),
    Case("sink_plugin_missing", "sink.plugin", DROP, CONFIG, ("sink.plugin: field required",)),
    Case("sink_plugin_unknown", "sink.plugin", "allegro", CONFIG, ("sink.plugin", "no sink named 'allegro'",
                                                                    "installed: baselinker")),
    Case("rule_plugin_unknown", "rule.plugin", "fakturownia", CONFIG, ("rule.plugin", "invoice_pdf")),
    Case("renderer_plugin_unknown", "renderer", {"plugin": "latex"}, CONFIG, ("renderer.plugin", "html_pdf")),
    # ---- [source] subiekt_gt
    Case("source_dsn_missing", "source.dsn", DROP, CONFIG, ("source.dsn: field required",)),
    Case("source_dsn_env_unset", "source.dsn", {"env": "RELIABILITY_DSN_NOT_SET"}, CONFIG,
         ("source.dsn", "RELIABILITY_DSN_NOT_SET", "is not set")),
    Case("source_dsn_empty", "source.dsn", "", CONFIG, ("source.dsn: is empty", "sqlite:///")),
    Case("source_dsn_sqlite_two_slashes", "source.dsn", "sqlite://subiekt.sqlite", CONFIG,
         ("source.dsn: 'sqlite://subiekt.sqlite'", "sqlite:///relative/path.sqlite", "three slashes")),
    Case("source_dsn_env_sqlite_two_slashes", "source.dsn", {"env": "RELIABILITY_DSN"}, CONFIG,
         ("source.dsn: from the environment starts with sqlite: but not sqlite:///",),
         env={"RELIABILITY_DSN": "sqlite://subiekt.sqlite"}),
    Case("source_document_types_fv", "source.document_types", ["FV"], CONFIG, ("source.document_types", "FS")),
    Case("source_document_types_empty", "source.document_types", [], CONFIG, ("source.document_types",)),
    Case("source_match_field_unknown", "source.match.field", "komentarz", CONFIG,
         ("source.match.field", "numer_oryginalny", "pole_wlasne:")),
    Case("source_match_pattern_invalid", "source.match.pattern", "^B_(\\d+", CONFIG,
         ("source.match.pattern", "not a valid regular expression")),
    Case("source_match_pattern_no_ref_group", "source.match.pattern", "^B_(\\d+)$", CONFIG,
         ("source.match.pattern", "(?P<ref>")),
    Case("source_match_order_key_bad", "source.match.order_key", "ean", CONFIG,
         ("source.match.order_key", "order_id")),
    Case("source_timezone_unknown", "source.timezone", "Warsaw", CONFIG, ("source.timezone", "unknown time zone")),
    Case("source_encoding_unknown", "source.encoding", "latin-99", CONFIG, ("source.encoding", "cp1250")),
    Case("source_page_size_low", "source.page_size", 1, CONFIG, ("source.page_size", "10")),
    Case("source_timeout_zero", "source.timeout_seconds", 0, CONFIG, ("source.timeout_seconds",)),
    Case("source_unknown_key", "source.database", "Subiekt", CONFIG, ("source.database", "unknown setting")),
    # ---- [sink] baselinker
    Case("sink_token_missing", "sink.token", DROP, CONFIG, ("sink.token: field required",)),
    Case("sink_token_literal", "sink.token", "1-23-ABC", CONFIG, ("sink.token", "not written in the scenario file",
                                                                   "{ env = ")),
    Case("sink_token_env_unset", "sink.token", {"env": "RELIABILITY_TOKEN_NOT_SET"}, CONFIG,
         ("sink.token", "RELIABILITY_TOKEN_NOT_SET", "export")),
    Case("sink_token_env_empty", "sink.token", {"env": "RELIABILITY_TOKEN_EMPTY"}, CONFIG,
         ("sink.token", "RELIABILITY_TOKEN_EMPTY", "empty"), env={"RELIABILITY_TOKEN_EMPTY": " "}),
    Case("sink_token_env_bad_name", "sink.token", {"env": "1-BAD NAME"}, CONFIG,
         ("sink.token", "not a valid environment variable name")),
    Case("sink_url_not_http", "sink.url", "ftp://api.baselinker.com/connector.php", CONFIG,
         ("sink.url", "https://api.baselinker.com/connector.php")),
    Case("sink_requests_per_minute_high", "sink.requests_per_minute", 150, CONFIG,
         ("sink.requests_per_minute", "between 1 and 100")),
    Case("sink_requests_per_minute_zero", "sink.requests_per_minute", 0, CONFIG, ("sink.requests_per_minute",)),
    Case("sink_invoice_series_empty", "sink.invoice_series", "", CONFIG, ("sink.invoice_series", "must not be empty")),
    Case("sink_invoice_series_bool", "sink.invoice_series", True, CONFIG, ("sink.invoice_series", "name")),
    Case("sink_receipt_series_negative", "sink.receipt_series", -3, CONFIG, ("sink.receipt_series", "positive")),
    Case("sink_ksef_field_empty", "sink.ksef_number_field", " ", CONFIG, ("sink.ksef_number_field",)),
    Case("sink_timeout_low", "sink.timeout", 0.1, CONFIG, ("sink.timeout", "between 1 and 600")),
    Case("sink_max_retries_high", "sink.max_retries", 99, CONFIG, ("sink.max_retries", "between 0 and 10")),
    Case("sink_retry_max_seconds_negative", "sink.retry_max_seconds", -1, CONFIG, ("sink.retry_max_seconds",)),
    Case("sink_existing_documents_bad", "sink.existing_documents", "sometimes", CONFIG,
         ("sink.existing_documents", "batched")),
    Case("sink_rate_window_high", "sink.rate_window_seconds", 120, CONFIG, ("sink.rate_window_seconds",)),
    Case("sink_include_unconfirmed_text", "sink.include_unconfirmed", "perhaps", CONFIG,
         ("sink.include_unconfirmed",)),
    Case("sink_unknown_key", "sink.api_key", "x", CONFIG, ("sink.api_key", "unknown setting")),
    # ---- [rule] invoice_pdf
    Case("rule_statuses_text", "rule.statuses", "Nowe", CONFIG, ("rule.statuses", '["Nowe"]')),
    Case("rule_statuses_empty", "rule.statuses", [], CONFIG, ("rule.statuses", "empty")),
    Case("rule_on_success_text", "rule.on_success", "Wysłane", CONFIG,
         ("rule.on_success", '{ status = "Wysłane" }')),
    Case("rule_on_success_unknown_key", "rule.on_success", {"status": "Wysłane", "colour": "red"}, CONFIG,
         ("rule.on_success.colour", "unknown setting")),
    Case("rule_on_failure_number", "rule.on_failure", 5, CONFIG, ("rule.on_failure", "{ status = 5 }")),
    Case("rule_on_success_empty_status", "rule.on_success", {"status": " "}, CONFIG, ("rule.on_success",
                                                                                       "empty")),
    Case("rule_no_document_text", "rule.no_document", "Brak faktury", CONFIG,
         ("rule.no_document", "after_hours")),
    Case("rule_no_document_negative_hours", "rule.no_document", {"after_hours": -1, "status": "Brak faktury"},
         CONFIG, ("rule.no_document.after_hours",)),
    Case("rule_documents_fv", "rule.documents", ["FV"], CONFIG, ("rule.documents", "FS")),
    Case("rule_documents_pai", "rule.documents", ["PAi"], CONFIG, ("rule.documents", '"PA"')),
    Case("rule_documents_fsd_case", "rule.documents", ["FSD"], CONFIG, ("rule.documents", "FSd")),
    Case("rule_documents_empty", "rule.documents", [], CONFIG, ("rule.documents", "nothing would ever be sent")),
    Case("rule_paragon_with_invoice_bad", "rule.paragon_with_invoice", "both", CONFIG,
         ("rule.paragon_with_invoice", "invoice", "receipt")),
    Case("rule_wait_for_ksef_bad", "rule.wait_for_ksef", "yes", CONFIG, ("rule.wait_for_ksef", "b2b")),
    Case("rule_ksef_wait_zero", "rule.ksef_wait_max_hours", 0, CONFIG, ("rule.ksef_wait_max_hours",)),
    Case("rule_ksef_wait_too_long", "rule.ksef_wait_max_hours", 100000, CONFIG, ("rule.ksef_wait_max_hours",)),
    Case("rule_template_empty", "rule.template", " ", CONFIG, ("rule.template", '"pl", "en"')),
    Case("rule_template_folder_missing", "rule.template", "my-templates", CONFIG, ("my-templates",),
         runtime=True),
    Case("rule_write_ksef_number_text", "rule.write_ksef_number", "sure", CONFIG, ("rule.write_ksef_number",)),
    Case("rule_unknown_key", "rule.status_after", "Wysłane", CONFIG, ("rule.status_after", "unknown setting")),
    # ---- [renderer] html_pdf
    Case("renderer_ksef_environment_bad", "renderer", {"plugin": "html_pdf", "ksef_environment": "staging"},
         CONFIG, ("renderer.ksef_environment", "prod")),
    Case("renderer_unknown_key", "renderer", {"plugin": "html_pdf", "colour": "red"}, CONFIG,
         ("renderer.colour", "unknown setting")),
    Case("renderer_templates_dir_missing", "renderer", {"plugin": "html_pdf", "templates_dir": "my-look"}, CONFIG,
         ("renderer.templates_dir", "my-look", "is not a folder"), runtime=True),
]
