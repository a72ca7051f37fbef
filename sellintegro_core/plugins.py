"""Plugin manager: loads entry points of group ``sellintegro`` and collects registered components.

- A plugin that fails to import is reported (name + error) and skipped; ``strict=True`` re-raises.
- ``SELLINTEGRO_LOAD_PLUGINS=a,b`` loads only those entry points; ``SELLINTEGRO_DISABLED_PLUGINS=c`` skips some.
- ``check_pending()`` rejects hook implementations that match no hookspec.
- Two plugins registering the same component name is a ``PluginError`` naming both.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Literal, overload

import pluggy

from . import hookspecs
from .components import CommandSpec, ComponentSpec, Limits, Renderer, Rule, Sink, Source
from .errors import PluginError

GROUP = "sellintegro"
KINDS = ("source", "sink", "rule", "renderer")
_BUILTINS = {"jsonl": "sellintegro_core.builtins.jsonl_plugin", "scale": "sellintegro_core.scale.plugin"}


@dataclass
class LoadFailure:
    name: str
    error: str


@dataclass
class PluginInfo:
    name: str
    version: str
    module: str
    hooks: list[str] = field(default_factory=list)
    components: list[str] = field(default_factory=list)


def _env_list(name: str) -> set[str] | None:
    raw = os.environ.get(name)
    if raw is None:
        return None
    return {item.strip() for item in raw.split(",") if item.strip()}


class PluginHost:
    """The loaded plugins and the components they registered."""

    def __init__(self, *, strict: bool = False, load_entry_points: bool = True,
                 extra_plugins: list[Any] | None = None) -> None:
        self.pm = pluggy.PluginManager("sellintegro")
        self.pm.add_hookspecs(hookspecs.SellintegroSpecs)
        self.failures: list[LoadFailure] = []
        self.strict = strict
        self._dists: dict[str, str] = {}
        self._components: dict[str, dict[str, tuple[ComponentSpec[Any], str]]] | None = None
        self._commands: dict[str, tuple[CommandSpec, str]] | None = None
        deny = _env_list("SELLINTEGRO_DISABLED_PLUGINS") or set()
        for name, module_name in _BUILTINS.items():
            if name not in deny:
                self._register_module(module_name, name, version_of="sellintegro")
        if load_entry_points:
            self._load_entry_points()
        for plugin in extra_plugins or []:
            self.pm.register(plugin, name=getattr(plugin, "__name__", None))
        self.pm.check_pending()

    # -- loading
    def _register_module(self, module_name: str, name: str, version_of: str | None = None) -> None:
        import importlib

        module = importlib.import_module(module_name)
        self.pm.register(module, name=name)
        if version_of:
            from . import __version__

            self._dists[name] = __version__

    def _load_entry_points(self) -> None:
        allow = _env_list("SELLINTEGRO_LOAD_PLUGINS")
        deny = _env_list("SELLINTEGRO_DISABLED_PLUGINS") or set()
        from .entry_points import entry_points, quiet_pydantic_plugin_scan

        quiet_pydantic_plugin_scan()
        for ep in sorted(entry_points(GROUP), key=lambda e: e.name):
            if ep.name in deny or (allow is not None and ep.name not in allow):
                continue
            if self.pm.get_plugin(ep.name) is not None or self.pm.is_blocked(ep.name):
                continue
            try:
                plugin = ep.load()
            except Exception as exc:  # noqa: BLE001 - any import failure of a third-party plugin
                if self.strict:
                    raise PluginError(f"plugin {ep.name!r} failed to load: {type(exc).__name__}: {exc}") from exc
                self.failures.append(LoadFailure(ep.name, f"{type(exc).__name__}: {exc}"))
                continue
            self.pm.register(plugin, name=ep.name)
            if ep.dist:
                self._dists[ep.name] = ep.version

    # -- components
    def _collect(self) -> None:
        self._collect_components()
        self._collect_commands()

    def _collect_components(self) -> None:
        components: dict[str, dict[str, tuple[ComponentSpec[Any], str]]] = {k: {} for k in KINDS}
        hooks = {
            "source": self.pm.hook.sellintegro_register_sources,
            "sink": self.pm.hook.sellintegro_register_sinks,
            "rule": self.pm.hook.sellintegro_register_rules,
            "renderer": self.pm.hook.sellintegro_register_renderers,
        }
        for kind, hook in hooks.items():
            for impl in hook.get_hookimpls():
                owner = impl.plugin_name

                def register(spec: ComponentSpec[Any], _kind: str = kind, _owner: str = owner) -> None:
                    table = components[_kind]
                    if spec.name in table:
                        other = table[spec.name][1]
                        raise PluginError(f"{_kind} {spec.name!r} is registered by two plugins: {other!r} and "
                                          f"{_owner!r}; uninstall or disable one "
                                          "(SELLINTEGRO_DISABLED_PLUGINS)")
                    table[spec.name] = (spec, _owner)

                impl.function(register=register)
        self._components = components

    def _collect_commands(self) -> None:
        commands: dict[str, tuple[CommandSpec, str]] = {}
        for impl in self.pm.hook.sellintegro_register_commands.get_hookimpls():
            owner = impl.plugin_name

            def register_command(spec: CommandSpec, _owner: str = owner) -> None:
                if spec.name in commands:
                    raise PluginError(f"command {spec.name!r} is registered by two plugins: "
                                      f"{commands[spec.name][1]!r} and {_owner!r}")
                commands[spec.name] = (spec, _owner)

            impl.function(register=register_command)
        self._commands = commands

    def components(self, kind: str) -> dict[str, tuple[ComponentSpec[Any], str]]:
        if self._components is None:
            self._collect_components()
        assert self._components is not None
        return self._components[kind]

    @overload
    def component(self, kind: Literal["source"], name: str) -> ComponentSpec[Source]: ...
    @overload
    def component(self, kind: Literal["sink"], name: str) -> ComponentSpec[Sink]: ...
    @overload
    def component(self, kind: Literal["rule"], name: str) -> ComponentSpec[Rule]: ...
    @overload
    def component(self, kind: Literal["renderer"], name: str) -> ComponentSpec[Renderer]: ...
    @overload
    def component(self, kind: str, name: str) -> ComponentSpec[Any]: ...

    def component(self, kind: str, name: str) -> ComponentSpec[Any]:
        """The spec registered for ``kind`` under ``name`` (typed by the kind's protocol)."""
        from .hints import did_you_mean

        table = self.components(kind)
        if name not in table:
            known = ", ".join(sorted(table)) or "none installed"
            hint = did_you_mean(name, table)
            raise PluginError(f"no {kind} named {name!r}{hint}; installed {kind}s: {known}",
                              errors=[(f"{kind}.plugin", f"no {kind} named {name!r} is installed{hint} "
                                                         f"(installed: {known})")])
        return table[name][0]

    def commands(self) -> dict[str, tuple[CommandSpec, str]]:
        if self._commands is None:
            self._collect_commands()
        assert self._commands is not None
        return self._commands

    def limits(self) -> Limits:
        limits = Limits()
        self.pm.hook.sellintegro_limits(limits=limits)
        return limits

    def default_renderer(self) -> str | None:
        """The renderer a ``[renderer]`` without ``plugin`` (or no ``[renderer]``) means: the first answer of
        ``sellintegro_default_renderer`` (a plugin overrides another with ``@hookimpl(tryfirst=True)``)."""
        name = self.pm.hook.sellintegro_default_renderer()
        return str(name) if name else None

    # -- reporting
    def plugin_infos(self) -> list[PluginInfo]:
        owners: dict[str, list[str]] = {}
        for kind in KINDS:
            for name, (_spec, owner) in self.components(kind).items():
                owners.setdefault(owner, []).append(f"{kind}:{name}")
        for name, (_command, owner) in self.commands().items():
            owners.setdefault(owner, []).append(f"command:{name}")
        infos = []
        for name, plugin in sorted(self.pm.list_name_plugin(), key=lambda p: str(p[0])):
            if plugin is None or name is None:
                continue
            hooks = sorted(caller.name for caller in self.pm.get_hookcallers(plugin) or [])
            version = self._dists.get(name, "")       # the version of the distribution that installed it
            module = plugin.__name__ if isinstance(plugin, ModuleType) else type(plugin).__name__
            infos.append(PluginInfo(name=name, version=version, module=module, hooks=hooks,
                                    components=sorted(owners.get(name, []))))
        return infos


_HOST: PluginHost | None = None


def get_host(*, strict: bool = False) -> PluginHost:
    """The process-wide plugin host (created on first use)."""
    global _HOST
    if _HOST is None or (strict and not _HOST.strict):
        _HOST = PluginHost(strict=strict)
    return _HOST


def reset_host() -> None:
    global _HOST
    _HOST = None


def report_failures(host: PluginHost, stream: Any = None) -> None:
    stream = stream or sys.stderr
    for failure in host.failures:
        from .terminal import plain

        print(plain(f"warning: plugin {failure.name!r} failed to load and was skipped: {failure.error} "
                    "(use --strict-plugins to stop on this)"), file=stream)
