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


def entry_points(group: str) -> list[EntryPoint]:
    """The entry points of ``group`` of every installed distribution (see the module's docstring)."""
    paths = [p or "." for p in sys.path]
    if not all(os.path.isdir(p) for p in paths if os.path.exists(p)):
        return _from_importlib(group)
    seen: set[str] = set()
    found: list[EntryPoint] = []
    for path in paths:
        try:
            entries = sorted(os.listdir(path))
        except OSError:
            continue
        for entry in entries:
            if not entry.endswith(_SUFFIXES):
                continue
            folder = os.path.join(path, entry)
            name, version = _name_version(path, entry)
            key = _normal(name)
            if key in seen:
                continue
            seen.add(key)
            try:
                with open(os.path.join(folder, "entry_points.txt"), encoding="utf-8") as handle:
                    text = handle.read()
            except OSError:
                continue
            found.extend(EntryPoint(n, v, name, version) for n, v in _section(text, group))
    return found


def _from_importlib(group: str) -> list[EntryPoint]:
    from importlib import metadata

    return [EntryPoint(ep.name, ep.value, ep.dist.name if ep.dist else "", ep.dist.version if ep.dist else "")
            for ep in metadata.entry_points(group=group)]
