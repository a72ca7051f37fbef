"""The core's public API for tools built on top of it (the web panel, scripts).

Everything a front end needs to load, validate, check, plan and run scenarios, read the ledger and preview
a document's PDF, without reaching into the core's modules. Names listed in ``__all__`` stay stable.
"""

from __future__ import annotations

import re
from typing import Any

from .check import run_checks
from .clock import now
from .components import CheckItem, Limits, close_quietly, component_checks
from .config import COMPONENT_SECTIONS, Scenario, load_scenario, read_toml
from .engine import RunReport, StopFlag, build_component, run_scenario
from .errors import (
    EXIT_CONFIG,
    AuthError,
    ConfigError,
    DocumentError,
    RetriableError,
    SellintegroError,
    SourceConnectionError,
)
from .exemption import apply_exemption_basis
from .ledger import SqliteLedger, open_ledger
from .output import outcome_table_rows
from .plugins import PluginHost, get_host
from .scale import enqueue_run, is_distributed
from .schedule import ScenarioLock, lock_path, next_run

__all__ = [
    "COMPONENT_SECTIONS", "EXIT_CONFIG", "AuthError", "CheckItem", "ConfigError", "DocumentError", "Limits",
    "PluginHost", "RetriableError", "RunReport", "Scenario", "ScenarioLock", "SellintegroError",
    "SourceConnectionError", "SqliteLedger", "StopFlag", "build_component", "close_quietly", "component_checks",
    "env_secret_names", "get_host", "load_scenario", "lock_path", "next_run", "now", "open_ledger",
    "outcome_table_rows", "read_toml", "render_document_pdf", "run_checks", "run_scenario", "scenario_lock",
    "enqueue_run", "is_distributed",
]


def scenario_lock(scenario: Scenario) -> Any:
    """The lock a run of ``scenario`` holds (the same file for `run`, `schedule` and the panel; with a
    PostgreSQL state, the scenario's lock in PostgreSQL that `run` and every worker take). When
    :func:`is_distributed` is true for the state URL, *Run now* should call :func:`enqueue_run` instead of
    running in-process."""
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


def _template_for(rule_section: dict[str, Any], document: Any) -> str:
    buyer = getattr(document, "buyer", None)
    if buyer is not None and getattr(buyer, "is_foreign", False) and rule_section.get("foreign_buyer_template"):
        return str(rule_section["foreign_buyer_template"])
    return str(rule_section.get("template") or "pl")


def render_document_pdf(scenario: Scenario, ref: str, *, host: PluginHost | None = None) -> tuple[str, bytes]:
    """Render one document of the scenario's source as ``sellintegro pdf`` does: ``(number, pdf bytes)``.

    The source finds the document by number or id; the scenario's renderer renders it with the template the
    rule would use. The sink is never built; nothing is written.
    """
    source = build_component(scenario, "source", host=host, plan_only=True)
    try:
        find = getattr(source, "find", None)
        if not callable(find):
            raise ConfigError(f"the source {scenario.plugin_name('source')!r} cannot look up single documents")
        document = find(ref)
        if document is None:
            raise DocumentError(f"document {ref!r} not found in the source of scenario {scenario.name!r}",
                                code="not_found")
    finally:
        close_quietly(source)
    renderer = build_component(scenario, "renderer", host=host, plan_only=True)
    if renderer is None:
        raise ConfigError("no renderer is installed to make the PDF (install sellintegro-invoice-pdf)")
    try:
        document = apply_exemption_basis(document, scenario.exemption_basis)
        pdf = renderer.render(document, _template_for(scenario.section("rule"), document))
    finally:
        close_quietly(renderer)
    return document.number, pdf


def safe_filename(number: str) -> str:
    """``"FS 12/2026"`` -> ``FS_12_2026.pdf``."""
    stem = re.sub(r"[^\w.-]+", "_", number, flags=re.UNICODE).strip("_.") or "document"
    return f"{stem}.pdf"


__all__ += ["safe_filename"]

# Plugin-facing names (issue 14): hook marker and the specs plugins register.
from . import hookimpl  # noqa: E402
from .answers import env_name, http_url, int_range, model_setting, one_of_list, required, split_list  # noqa: E402
from .components import CommandSpec  # noqa: E402
from .demo_parts import DemoContext, DemoPart, DemoPiece, ServerProcess  # noqa: E402
from .wizard import InitSection, Question  # noqa: E402

__all__ += ["hookimpl", "CommandSpec", "DemoContext", "DemoPart", "DemoPiece", "InitSection", "Question",
            "ServerProcess", "env_name", "http_url", "int_range", "model_setting", "one_of_list", "required",
            "split_list"]
