"""The one path from a scenario section to a component: spec -> validated config -> ``factory(config, context)``.

Every caller goes through here: scenario validation (:func:`validate_sections`), the engine, `check`, `pdf`,
`subiekt detect`, the panel and the conformance kit (:func:`build`). A section that does not validate raises
``ConfigError`` whose errors are named ``kind.field`` (``source.dsn``), a plugin name that is not installed
``kind.plugin`` with the closest installed name.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .components import ComponentContext, ComponentSpec
from .errors import ConfigError

if TYPE_CHECKING:
    from .config import Scenario
    from .plugins import PluginHost
    from .scenario_ledger import ScenarioLedger
    from .stopping import StopFlag

__all__ = ["build", "build_component", "component_config", "component_context", "validate_sections"]


def component_config(spec: ComponentSpec[Any], kind: str, section: dict[str, Any]) -> Any:
    """``section`` (without the core's keys) validated with the spec's model; errors named ``kind.field``."""
    from pydantic import ValidationError

    from .config import format_validation_error

    model = spec.settings_model()
    try:
        return model.model_validate(section)
    except ValidationError as exc:
        raise ConfigError(f"the [{kind}] section is invalid",
                          errors=format_validation_error(exc, prefix=kind, model=model)) from None


def build(spec: ComponentSpec[Any], kind: str, section: dict[str, Any], context: ComponentContext) -> Any:
    """Validate ``section`` and call the spec's factory: a component outside any scenario (tests, tools)."""
    return spec.factory(component_config(spec, kind, section), context)


def validate_sections(raw: dict[str, Any], kinds: Iterable[str],
                      host: PluginHost) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The component sections of a raw scenario validated by their plugins' models: ``(configs by kind,
    errors)``. A section that is missing or has no ``plugin`` string is left to the core's own model."""
    from .config import component_plugin, component_section

    configs: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    default = host.default_renderer()
    for kind in kinds:
        section = raw.get(kind)
        if kind == "renderer" and isinstance(section, dict) and "plugin" not in section and default is None:
            errors.append(("renderer.plugin", "no renderer is installed to be the default; install one "
                                              "or name it with plugin = \"...\""))
            continue
        name = component_plugin(raw, kind, default)
        if name is None:
            continue
        try:
            configs[kind] = component_config(host.component(kind, name), kind,
                                             component_section(raw.get(kind) or {}, kind))
        except ConfigError as exc:
            errors.extend(exc.errors or [(kind, exc.message)])
    return configs, errors


def component_context(scenario: Scenario, *, ledger: ScenarioLedger | None = None, plan_only: bool = False,
                      stop: StopFlag | None = None) -> ComponentContext:
    """What a factory gets for ``scenario``: with a ledger, persistent state and the shared call budgets."""
    state = budgets = None
    if ledger is not None:
        state = ledger
        if not plan_only:
            from .budget import open_budgets

            budgets = open_budgets(ledger.store)
    return ComponentContext(scenario=scenario.name, base_dir=scenario.base_dir, timezone=scenario.timezone,
                            state=state, plan_only=plan_only, stop=stop, budgets=budgets)


def build_component(scenario: Scenario, kind: str, *, host: PluginHost | None = None,
                    ledger: ScenarioLedger | None = None, plan_only: bool = False, stop: StopFlag | None = None,
                    section: dict[str, Any] | None = None) -> Any:
    """Build the component a scenario names for ``kind`` (source, sink, rule, renderer); None when the scenario
    names none. ``section`` replaces the scenario's section (e.g. without a key a tool ignores)."""
    from .plugins import get_host

    host = host or get_host()
    name = scenario.plugin_name(kind)
    if name is None:
        return None
    spec = host.component(kind, name)
    if section is not None:
        config = component_config(spec, kind, section)
    else:
        config = scenario.configs.get(kind)
        if config is None:
            config = scenario.configs[kind] = component_config(spec, kind, scenario.section(kind))
    return spec.factory(config, component_context(scenario, ledger=ledger, plan_only=plan_only, stop=stop))
