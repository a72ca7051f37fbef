"""The core's public API: the only module plugins and front ends (the web panel, scripts) import.

The names in ``__all__`` are stable: they keep their meaning and signature across minor versions. A plugin
imports nothing else from ``sellintegro_core`` (tests/core/test_public_api.py fails when one does). Importing
this module is cheap (``sellintegro --help`` imports every plugin): each name is loaded from its module on
first use.
"""

from __future__ import annotations

import importlib
import re
from typing import TYPE_CHECKING, Any

from . import hookimpl

if TYPE_CHECKING:
    from .answers import env_name, http_url, int_range, model_setting, one_of_list, required, split_list
    from .budget import budget_key
    from .building import build, build_component, component_config, component_context
    from .capabilities import (
        BatchingSink,
        Checkable,
        Closable,
        CountsCalls,
        Finder,
        ListsSeries,
        ListsStatuses,
        PlanCheckingRenderer,
        PlanCheckingSink,
        Preflighting,
        PreviewsMatch,
        ReferencesStatuses,
        RendersHtml,
        StatusChecking,
    )
    from .check import run_checks
    from .clock import check_timezone, now
    from .components import (
        ApplyContext,
        CheckItem,
        CommandSpec,
        ComponentContext,
        ComponentSpec,
        Limits,
        MemoryState,
        OrderQuery,
        OrderScan,
        Renderer,
        RendererSpec,
        Rule,
        RuleContext,
        RuleSpec,
        Sink,
        SinkSpec,
        Source,
        SourceSpec,
        StateStore,
        StepLog,
        close_quietly,
        component_checks,
    )
    from .config import COMPONENT_SECTIONS, Scenario, format_validation_error, load_scenario, read_toml
    from .demo_parts import DemoContext, DemoPart, DemoPiece, ServerProcess
    from .engine import run_scenario
    from .errors import (
        EXIT_CONFIG,
        EXIT_CONNECTION,
        EXIT_DEFERRED,
        EXIT_DOCUMENT_ERRORS,
        EXIT_OK,
        AuthError,
        ConfigError,
        DocumentError,
        PluginError,
        RateLimitBlocked,
        RetriableError,
        SellintegroError,
        SourceConnectionError,
        Stopped,
    )
    from .exemption import apply_exemption_basis, has_exempt_lines
    from .hints import did_you_mean
    from .identifiers import KSEF_NUMBER, crc8, make_ksef_number, nip_check_digit, nip_checksum_ok
    from .ledger import SqliteLedger, open_ledger
    from .models import (
        Action,
        ActionResult,
        AttachDocument,
        DocumentLine,
        DocumentRef,
        KsefInfo,
        KsefState,
        MatchInfo,
        Order,
        OrderFacts,
        OrderRef,
        PaidPart,
        Party,
        Payment,
        SalesDocument,
        SetField,
        SetStatus,
        Skip,
        Totals,
        VatRow,
        Window,
        updated,
    )
    from .output import outcome_table_rows
    from .paths import SQLITE_URL_PREFIX, sqlite_path, sqlite_uri
    from .plugins import PluginHost, get_host
    from .report import RunReport
    from .scale import enqueue_run, is_distributed
    from .scenario_ledger import LedgerStore, ScenarioLedger
    from .schedule import ScenarioLock, lock_path, next_run
    from .secrets import EnvSecret, MaybeEnvSecret, redact, remember_secret
    from .stopping import StopFlag
    from .terminal import plain
    from .vocabulary import (
        BEFORE_SETUP_DAYS,
        DAYS_BACK,
        DOCUMENT_KINDS,
        ORDER_KEYS,
        SCHEDULE_HOURS,
        WEEKDAYS,
        DocumentKind,
        OrderKey,
        Weekday,
    )
    from .window import recent_window
    from .wizard import InitSection, Question

# name -> the core module that defines it (imported on first use, see __getattr__)
_LAZY: dict[str, str] = {
    "budget_key": "budget",
    **dict.fromkeys(("build", "build_component", "component_config", "component_context"), "building"),
    "run_checks": "check",
    **dict.fromkeys(("check_timezone", "now"), "clock"),
    **dict.fromkeys(("ApplyContext", "CheckItem", "CommandSpec", "ComponentContext", "ComponentSpec", "Limits",
                     "MemoryState", "OrderQuery", "OrderScan", "Renderer", "RendererSpec", "Rule", "RuleContext",
                     "RuleSpec", "Sink", "SinkSpec", "Source", "SourceSpec", "StateStore", "StepLog",
                     "close_quietly", "component_checks"), "components"),
    **dict.fromkeys(("COMPONENT_SECTIONS", "Scenario", "format_validation_error", "load_scenario", "read_toml"),
                    "config"),
    "run_scenario": "engine",
    **dict.fromkeys(("EXIT_OK", "EXIT_DOCUMENT_ERRORS", "EXIT_CONFIG", "EXIT_CONNECTION", "EXIT_DEFERRED",
                     "AuthError", "ConfigError", "DocumentError", "PluginError", "RateLimitBlocked",
                     "RetriableError", "SellintegroError", "SourceConnectionError", "Stopped"), "errors"),
    **dict.fromkeys(("apply_exemption_basis", "has_exempt_lines"), "exemption"),
    "did_you_mean": "hints",
    **dict.fromkeys(("KSEF_NUMBER", "crc8", "make_ksef_number", "nip_check_digit", "nip_checksum_ok"),
                    "identifiers"),
    **dict.fromkeys(("SqliteLedger", "open_ledger"), "ledger"),
    **dict.fromkeys(("Action", "ActionResult", "AttachDocument", "DocumentLine",
                     "DocumentRef", "KsefInfo", "MatchInfo", "Order", "OrderFacts", "OrderRef",
                     "PaidPart", "Party", "Payment", "SalesDocument", "SetField", "SetStatus", "Skip", "Totals",
                     "VatRow", "Window"), "models"),
    "outcome_table_rows": "output",
    **dict.fromkeys(("SQLITE_URL_PREFIX", "sqlite_path", "sqlite_uri"), "paths"),
    **dict.fromkeys(("PluginHost", "get_host"), "plugins"),
    "RunReport": "report",
    **dict.fromkeys(("enqueue_run", "is_distributed"), "scale"),
    **dict.fromkeys(("ScenarioLock", "lock_path", "next_run"), "schedule"),
    **dict.fromkeys(("EnvSecret", "MaybeEnvSecret", "redact", "remember_secret"), "secrets"),
    "StopFlag": "stopping",
    "plain": "terminal",
    "recent_window": "window",
    **dict.fromkeys((
        'BatchingSink', 'Checkable', 'Closable', 'CountsCalls', 'Finder', 'ListsSeries', 'ListsStatuses',
        'PlanCheckingRenderer', 'PlanCheckingSink', 'Preflighting', 'PreviewsMatch', 'ReferencesStatuses',
        'RendersHtml', 'StatusChecking'
    ), "capabilities"),
    **dict.fromkeys(("LedgerStore", "ScenarioLedger"), "scenario_ledger"),
    **dict.fromkeys(("updated", "KsefState"), "models"),
    **dict.fromkeys(("env_name", "http_url", "int_range", "model_setting", "one_of_list", "required", "split_list"),
                    "answers"),
    **dict.fromkeys(("DemoContext", "DemoPart", "DemoPiece", "ServerProcess"), "demo_parts"),
    **dict.fromkeys(("InitSection", "Question"), "wizard"),
    **dict.fromkeys(("BEFORE_SETUP_DAYS", "DAYS_BACK", "DOCUMENT_KINDS", "SCHEDULE_HOURS", "WEEKDAYS", "DocumentKind",
                     "ORDER_KEYS", "OrderKey", "Weekday"), "vocabulary"),
}

__all__ = [
    "hookimpl", "build", "build_component", "component_config", "component_context", "run_checks", "now",
    "ApplyContext", "CheckItem", "CommandSpec", "ComponentContext", "ComponentSpec", "Limits", "MemoryState",
    "OrderQuery", "OrderScan", "Renderer", "RendererSpec", "Rule", "RuleContext", "RuleSpec", "Sink", "SinkSpec",
    "Source", "SourceSpec", "StateStore", "StepLog", "close_quietly", "component_checks", "COMPONENT_SECTIONS",
    "Scenario", "format_validation_error", "load_scenario", "read_toml", "run_scenario", "EXIT_OK",
    "EXIT_DOCUMENT_ERRORS", "EXIT_CONFIG", "EXIT_CONNECTION", "EXIT_DEFERRED", "AuthError", "ConfigError",
    "DocumentError", "PluginError", "RateLimitBlocked", "RetriableError", "SellintegroError",
    "SourceConnectionError", "Stopped", "apply_exemption_basis", "has_exempt_lines", "did_you_mean", "KSEF_NUMBER",
    "crc8", "make_ksef_number", "nip_check_digit", "nip_checksum_ok", "SqliteLedger", "open_ledger",
    "DOCUMENT_KINDS", "Action", "ActionResult", "AttachDocument", "DocumentKind", "DocumentLine", "DocumentRef",
    "KsefInfo", "MatchInfo", "Order", "OrderFacts", "OrderKey", "OrderRef", "PaidPart", "Party", "Payment",
    "SalesDocument", "SetField", "SetStatus", "Skip", "Totals", "VatRow", "Window", "outcome_table_rows",
    "sqlite_uri", "PluginHost", "get_host", "RunReport", "enqueue_run", "is_distributed", "ScenarioLock",
    "lock_path", "next_run", "EnvSecret", "MaybeEnvSecret", "redact", "remember_secret", "StopFlag", "plain",
    "env_secret_names", "render_document_pdf", "scenario_lock", "default_template", "safe_filename",
    "budget_key", "check_timezone", "BEFORE_SETUP_DAYS", "DAYS_BACK", "SCHEDULE_HOURS", "WEEKDAYS", "Weekday",
    "ORDER_KEYS", "SQLITE_URL_PREFIX", "sqlite_path", "recent_window",
]
__all__ += [
    "BatchingSink", "Checkable", "Closable", "CountsCalls", "Finder", "ListsSeries", "ListsStatuses",
    "PlanCheckingRenderer", "PlanCheckingSink", "Preflighting", "PreviewsMatch", "ReferencesStatuses",
    "RendersHtml", "StatusChecking", "LedgerStore", "ScenarioLedger", "updated"
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__package__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def scenario_lock(scenario: Scenario) -> Any:
    """The lock a run of ``scenario`` holds (the same file for `run`, `schedule` and the panel; with a
    PostgreSQL state, the scenario's lock in PostgreSQL that `run` and every worker take). When
    :func:`is_distributed` is true for the state URL, *Run now* should call :func:`enqueue_run` instead of
    running in-process."""
    from .scale import is_distributed
    from .schedule import ScenarioLock, lock_path

    if is_distributed(scenario.model.state.url):
        from .scale.locks import PgScenarioLock

        return PgScenarioLock(scenario.model.state.url, scenario.name)
    return ScenarioLock(lock_path(scenario.model.state.url, scenario.base_dir, scenario.name))


def env_secret_names(raw: Any, prefix: str = "") -> dict[str, str]:
    """Every ``{ env = "NAME" }`` in a raw scenario dict: ``{"sink.token": "NAME"}`` (values never read)."""
    out: dict[str, str] = {}
    if isinstance(raw, dict):
        if set(raw) == {"env"} and isinstance(raw["env"], str):
            return {prefix: raw["env"]}
        for key, value in raw.items():
            out.update(env_secret_names(value, f"{prefix}.{key}" if prefix else str(key)))
    return out


def default_template(rule_section: dict[str, Any], document: Any) -> str:
    """The template the rule would use for ``document``: ``foreign_buyer_template`` for buyers outside Poland,
    else ``template`` (default ``"pl"``)."""
    buyer = getattr(document, "buyer", None)
    if buyer is not None and getattr(buyer, "is_foreign", False) and rule_section.get("foreign_buyer_template"):
        return str(rule_section["foreign_buyer_template"])
    return str(rule_section.get("template") or "pl")


def render_document_pdf(scenario: Scenario, ref: str, *, host: PluginHost | None = None,
                        template: str | None = None, ksef_label: str | None = None) -> tuple[str, bytes]:
    """Render one document of the scenario's source as ``sellintegro pdf`` does: ``(number, pdf bytes)``.

    The source finds the document by number or id; the scenario's renderer renders it with ``template``
    (default: the one the rule would use, :func:`default_template`). The sink is never built; nothing is
    written.
    """
    from .building import build_component
    from .components import close_quietly
    from .errors import ConfigError, DocumentError
    from .exemption import apply_exemption_basis

    source = build_component(scenario, "source", host=host, plan_only=True)
    try:
        find = getattr(source, "find", None)
        if not callable(find):
            raise ConfigError(f"the source {scenario.plugin_name('source')!r} cannot look up single documents "
                              "(it has no find method), so `sellintegro pdf` cannot preview with it")
        document = find(ref)
        if document is None:
            raise DocumentError(f"document {ref!r} not found in the source of scenario {scenario.name!r}; give "
                                "the number exactly as printed (e.g. \"FS 12/2026\") or the document id",
                                code="not_found")
    finally:
        close_quietly(source)
    renderer = build_component(scenario, "renderer", host=host, plan_only=True)
    if renderer is None:
        raise ConfigError("no renderer is installed to make the PDF (install sellintegro-invoice-pdf)")
    try:
        document = apply_exemption_basis(document, scenario.exemption_basis)
        pdf = renderer.render(document, template or default_template(scenario.section("rule"), document),
                              ksef_label=ksef_label)
    finally:
        close_quietly(renderer)
    return document.number, pdf


def safe_filename(number: str) -> str:
    """``"FS 12/2026"`` -> ``FS_12_2026.pdf``."""
    stem = re.sub(r"[^\w.-]+", "_", number, flags=re.UNICODE).strip("_.") or "document"
    return f"{stem}.pdf"
__all__ += ["DemoContext", "DemoPart", "DemoPiece", "InitSection", "Question", "ServerProcess", "env_name",
            "http_url", "int_range", "model_setting", "one_of_list", "required", "split_list"]
__all__ += ["KsefState"]
