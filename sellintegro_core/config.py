"""Scenario files: TOML, one per scenario, validated with pydantic (extra keys forbidden).

The core validates its own keys (name, timezone, window, schedule, state); each component section
([source], [sink], [rule], [renderer]) names its plugin and is validated by that component's own model.
Errors come out as ``section.field: message`` and exit with code 2.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .clock import check_timezone
from .components import Limits
from .errors import ConfigError
from .vocabulary import (
    BEFORE_SETUP_DAYS,
    DAYS_BACK,
    SCHEDULE_EARLIEST,
    SCHEDULE_HOURS,
    SCHEDULE_LATEST,
    WEEKDAYS,
    Weekday,
)

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
HOURS_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
CORE_SECTIONS = ("name", "timezone", "window", "schedule", "state")
COMPONENT_SECTIONS = ("source", "sink", "rule", "renderer")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WindowConfig(_Strict):
    days_back: int = Field(DAYS_BACK, ge=1, description="orders placed at most N days ago (the sink's order date)")
    before_setup: Literal["skip", "include"] = "skip"
    before_setup_days: int = Field(BEFORE_SETUP_DAYS, ge=1)


class ScheduleConfig(_Strict):
    mode: Literal["auto", "manual"] = "auto"
    every_minutes: int = Field(30, ge=5, le=1440)
    hours: str = SCHEDULE_HOURS
    weekdays: list[Weekday] = Field(
        default_factory=lambda: list(WEEKDAYS), min_length=1)

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        parse_hours(value)
        return value

    def active_minutes(self) -> tuple[int, int]:
        return parse_hours(self.hours)


def parse_hours(value: str) -> tuple[int, int]:
    """``"1:00-23:00"`` -> (60, 1380) minutes after midnight; must lie within 1:00-23:00."""
    match = HOURS_RE.match(value)
    if not match:
        raise ValueError(f'{value!r} is not a range like "{SCHEDULE_HOURS}"')
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if m1 > 59 or m2 > 59 or h1 > 23 or h2 > 23:
        raise ValueError(f"{value!r} has an invalid time")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if start >= end:
        raise ValueError(f"{value!r}: the start must be before the end")
    if start < SCHEDULE_EARLIEST or end > SCHEDULE_LATEST:
        raise ValueError(f"{value!r} must lie within {SCHEDULE_HOURS}")
    return start, end


class StateConfig(_Strict):
    url: str = "sqlite:///sellintegro-state.db"


class ComponentSection(BaseModel):
    """``plugin = "name"``; the other keys belong to that plugin and are validated by its model."""

    model_config = ConfigDict(extra="allow")
    plugin: str


EXEMPTION_BASIS_MAX = 300
RENDER_WORKERS_MAX = 64
RENDER_TIMEOUT = 60.0


class RendererSection(ComponentSection):
    """``[renderer]``: ``plugin`` omitted means the default renderer (the one a plugin declares in
    ``sellintegro_default_renderer``); ``exemption_basis`` is the core's own key,
    accepted whatever the renderer: the legal basis printed on ``zw`` lines whose document has none in the
    source (art. 106e ust. 1 pkt 19), e.g. ``"art. 43 ust. 1 pkt 29 lit. a ustawy o VAT"``."""

    plugin: str | None = None  # type: ignore[assignment]  # omitted = the default renderer
    exemption_basis: str | None = Field(default=None, max_length=EXEMPTION_BASIS_MAX)
    # render ahead (sellintegro_core.render_ahead): worker processes making the next PDFs while the sink waits;
    # None = the number of cores, 0 = in the run process. ``timeout``: seconds one PDF may take in a worker.
    workers: int | None = Field(default=None, ge=0, le=RENDER_WORKERS_MAX)
    timeout: float = Field(default=RENDER_TIMEOUT, gt=0, le=3600)

    @field_validator("exemption_basis")
    @classmethod
    def _basis(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = " ".join(value.split())
        if not value:
            raise ValueError('is empty: write the legal basis of the exemption, e.g. "art. 43 ust. 1 pkt 29 '
                             'lit. a ustawy o VAT", or remove the key')
        return value


RENDERER_CORE_KEYS = ("plugin", "exemption_basis", "workers", "timeout")


class ScenarioModel(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    timezone: str = "Europe/Warsaw"
    window: WindowConfig = Field(default_factory=WindowConfig)
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)
    state: StateConfig = Field(default_factory=StateConfig)
    source: ComponentSection
    sink: ComponentSection
    rule: ComponentSection
    renderer: RendererSection | None = None

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, value: Any) -> Any:
        if isinstance(value, str) and not NAME_RE.match(value):
            raise ValueError(f"{value!r} is not a scenario name: use 1-64 letters, digits, '.', '_' or '-', "
                             "starting with a letter or digit (e.g. \"sklep-allegro\")")
        return value

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        return check_timezone(value)


@dataclass
class Scenario:
    """A loaded scenario: validated core settings plus the raw component sections."""

    model: ScenarioModel
    path: Path
    raw: dict[str, Any]
    configs: dict[str, Any] = field(default_factory=dict)   # validated component configs by kind
    default_renderer: str | None = None                      # what a [renderer] without ``plugin`` means

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def timezone(self) -> str:
        return self.model.timezone

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    def section(self, kind: str) -> dict[str, Any]:
        """The component section without the core's keys (``plugin``; ``exemption_basis`` of [renderer])."""
        return component_section(self.raw.get(kind) or {}, kind)

    @property
    def exemption_basis(self) -> str | None:
        """``[renderer] exemption_basis``: the fallback legal basis for VAT-exempt (``zw``) lines."""
        return self.model.renderer.exemption_basis if self.model.renderer is not None else None

    @property
    def render_workers(self) -> int:
        """``[renderer] workers``: processes rendering ahead (default: the number of cores; 0 = in the run)."""
        workers = self.model.renderer.workers if self.model.renderer is not None else None
        return workers if workers is not None else (os.cpu_count() or 1)

    @property
    def render_timeout(self) -> float:
        """``[renderer] timeout``: seconds one PDF may take in a worker before it is a document error."""
        return self.model.renderer.timeout if self.model.renderer is not None else RENDER_TIMEOUT

    def plugin_name(self, kind: str) -> str | None:
        sec = getattr(self.model, kind)
        if kind == "renderer" and (sec is None or sec.plugin is None):
            return self.default_renderer
        return sec.plugin if sec is not None else None


def component_section(section: dict[str, Any], kind: str) -> dict[str, Any]:
    """A component section without the core's keys (``plugin``; ``exemption_basis`` of [renderer])."""
    core = RENDERER_CORE_KEYS if kind == "renderer" else ("plugin",)
    return {k: v for k, v in section.items() if k not in core}


def component_plugin(raw: dict[str, Any], kind: str, default_renderer: str | None = None) -> str | None:
    """The plugin a raw scenario names for ``kind``: None when the section is missing or its ``plugin`` is not a
    string (the core's model reports that); a [renderer] without ``plugin`` uses the default renderer."""
    section = raw.get(kind)
    if not isinstance(section, dict):
        return None
    name = section.get("plugin", default_renderer if kind == "renderer" else None)
    return name if isinstance(name, str) else None


def format_validation_error(exc: ValidationError, prefix: str = "", *,
                            model: type[BaseModel] | None = None) -> list[tuple[str, str]]:
    """pydantic errors -> ``[("sink.token", "field required"), ...]``; with ``model``, an unknown key gets the
    closest allowed one ("did you mean ...?")."""
    from .hints import did_you_mean, model_keys

    out = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"] if not str(p).startswith("function-")]
        path = ".".join(([prefix] if prefix else []) + loc)
        msg = err["msg"]
        if err["type"] == "missing":
            msg = "field required"
        elif err["type"] == "extra_forbidden":
            allowed = model_keys(model, loc[:-1]) if model is not None and loc else []
            hint = did_you_mean(loc[-1], allowed) if allowed else ""
            msg = (f"unknown setting{hint}" if hint else
                   "unknown setting (check the spelling; see the documentation for the allowed keys)")
        elif msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        out.append((path, msg))
    return out


def read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"scenario file {path} does not exist; create one with `sellintegro init {path}`",
                          errors=[("", f"scenario file {path} does not exist; create one with "
                                       f"`sellintegro init {path}`")]) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}", errors=[("", f"cannot read {path}: {exc}")]) from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}",
                          errors=[("", f"{path} is not valid TOML: {exc}")]) from exc


def check_limits(model: ScenarioModel, limits: Limits) -> list[tuple[str, str]]:
    """The window caps; a value over a cap says which plugin would allow it."""
    errors = []
    for key in ("days_back", "before_setup_days"):
        value = getattr(model.window, key)
        cap = getattr(limits, key)
        if value > cap:
            by = limits.raised_by.get(key)
            if by:
                why = f"the limit is {cap} (raised by plugin {by!r})"
            else:
                why = f"the limit is {cap}"
            hint = ""
            suggested = limits.suggested.get(key)     # (plugin, package, cap) a plugin named in sellintegro_limits
            if suggested is not None and suggested[2] > cap:
                hint_plugin, package, hint_cap = suggested
                if value <= hint_cap:
                    hint = (f"; install the {hint_plugin} plugin (pip install {package}) to allow up "
                            f"to {hint_cap}")
                else:
                    hint = f"; the {hint_plugin} plugin allows up to {hint_cap}"
            errors.append((f"window.{key}", f"{value} is over the limit: {why}{hint}"))
    return errors


def load_scenario(path: str | Path, *, host: Any = None, validate_components: bool = True,
                  components: Iterable[str] | None = None) -> Scenario:
    """Read and validate a scenario file. Raises ``ConfigError`` with every problem found.

    The component sections named in ``components`` (default: all of them, or none with
    ``validate_components=False``) are validated by their plugins' models too."""
    from .building import validate_sections
    from .plugins import get_host
    from .secrets import remember_env_secrets

    path = Path(path).expanduser().resolve()
    raw = read_toml(path)
    remember_env_secrets(raw)
    host = host or get_host()
    errors: list[tuple[str, str]] = []
    model: ScenarioModel | None = None
    try:
        model = ScenarioModel.model_validate(raw)
    except ValidationError as exc:
        errors.extend(format_validation_error(exc, model=ScenarioModel))
    if model is not None:
        errors.extend(check_limits(model, host.limits()))
    if components is None:
        components = COMPONENT_SECTIONS if validate_components else ()
    configs, component_errors = validate_sections(raw, components, host)
    errors.extend(component_errors)
    if errors or model is None:
        raise ConfigError(f"{path}: invalid scenario", errors=errors)
    return Scenario(model=model, path=path, raw=raw, configs=configs, default_renderer=host.default_renderer())
