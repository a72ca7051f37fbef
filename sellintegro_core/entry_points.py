"""Entry points of one group, read straight from the installed distributions' metadata folders.

``importlib.metadata`` imports the ``email`` package and builds a ``Distribution`` per installed package,
which cost about a fifth of a command's start-up. A plugin host only needs the ``[sellintegro]`` section of
each ``entry_points.txt`` and the distribution's name and version, which the folder name holds
(``name-1.0.dist-info``). The rules are the ones ``importlib.metadata.entry_points()`` follows: folders on
``sys.path`` in order, the first distribution of a (normalised) name wins. When ``sys.path`` holds anything
but folders (a zip file, an egg), this falls back to ``importlib.metadata``.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from dataclasses import dataclass
from typing import Any

_SUFFIXES = (".dist-info", ".egg-info")


@dataclass(frozen=True)
class EntryPoint:
    name: str
    value: str          # "package.module" or "package.module:attribute"
    dist: str           # the distribution's name, e.g. "sellintegro-baselinker"
    version: str

    def load(self) -> Any:
        module_name, _, attr = self.value.partition(":")
        target: Any = importlib.import_module(module_name.strip())
        for part in filter(None, attr.strip().split(".")):
            target = getattr(target, part)
        return target


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _section(text: str, group: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    inside = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            inside = line[1:-1].strip() == group
        elif inside and "=" in line:
            name, value = line.split("=", 1)
            found.append((name.strip(), value.strip()))
    return found


def _version_from_file(folder: str) -> str:
    for name in ("METADATA", "PKG-INFO"):
        try:
            with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as handle:
                for line in handle:
                    if line.startswith("Version:"):
                        return line.split(":", 1)[1].strip()
                    if not line.strip():
                        break
        except OSError:
            continue
    return ""


def _name_version(folder: str, entry: str) -> tuple[str, str]:
    stem = entry[: -len(".dist-info")] if entry.endswith(".dist-info") else entry[: -len(".egg-info")]
    name, _, rest = stem.partition("-")
    version = rest.split("-", 1)[0] if rest else ""
    return name, version or _version_from_file(os.path.join(folder, entry))


_Installed = list[tuple[str, str, str]]     # (distribution name, version, entry_points.txt text)
_scanned: tuple[tuple[tuple[str, int], ...], _Installed] | None = None   # ((folder, mtime) scanned, what it held)


def _installed() -> _Installed | None:
    """Every installed distribution with an ``entry_points.txt``, first of a name wins; None when ``sys.path``
    holds something other than folders. Read again only when ``sys.path`` or one of its folders changed (an
    install or uninstall changes the folder's modification time)."""
    global _scanned
    paths = [p or "." for p in sys.path]
    if not all(os.path.isdir(p) for p in paths if os.path.exists(p)):
        return None
    scanned = tuple((p, _mtime(p)) for p in paths)
    if _scanned is not None and _scanned[0] == scanned:
        return _scanned[1]
    seen: set[str] = set()
    found: _Installed = []
    for path in paths:
        try:
            entries = sorted(os.listdir(path))
        except OSError:
            continue
        for entry in entries:
            if not entry.endswith(_SUFFIXES):
                continue
            name, version = _name_version(path, entry)
            key = _normal(name)
            if key in seen:
                continue
            seen.add(key)
            try:
                with open(os.path.join(path, entry, "entry_points.txt"), encoding="utf-8") as handle:
                    found.append((name, version, handle.read()))
            except OSError:
                continue
    _scanned = (scanned, found)
    return found


def _mtime(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return -1


def entry_points(group: str) -> list[EntryPoint]:
    """The entry points of ``group`` of every installed distribution (see the module's docstring)."""
    installed = _installed()
    if installed is None:
        return _from_importlib(group)
    return [EntryPoint(n, v, name, version) for name, version, text in installed for n, v in _section(text, group)]


def group_present(group: str) -> bool:
    """Whether any installed distribution declares an entry point of ``group``."""
    return bool(entry_points(group))


def quiet_pydantic_plugin_scan() -> None:
    """Spare pydantic its own scan of every distribution for ``pydantic`` plugins when there are none.

    pydantic looks for plugins (the ``pydantic`` entry-point group) through ``importlib.metadata`` the first
    time a model is validated, which costs a command's start-up a few milliseconds. When this process's scan
    finds no such entry point, ``PYDANTIC_DISABLE_PLUGINS=__all__`` (pydantic's documented switch) tells it so:
    nothing changes but the time. A value the user set is left alone."""
    if "PYDANTIC_DISABLE_PLUGINS" not in os.environ and _installed() is not None and not group_present("pydantic"):
        os.environ["PYDANTIC_DISABLE_PLUGINS"] = "__all__"


def _from_importlib(group: str) -> list[EntryPoint]:
    from importlib import metadata

    return [EntryPoint(ep.name, ep.value, ep.dist.name if ep.dist else "", ep.dist.version if ep.dist else "")
            for ep in metadata.entry_points(group=group)]
