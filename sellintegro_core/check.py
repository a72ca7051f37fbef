"""``sellintegro check``: one line per connection and setting, green or red."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from . import clock
from .capabilities import ReferencesStatuses, StatusChecking
from .components import CheckItem, close_quietly, component_checks
from .config import Scenario, load_scenario
from .errors import ConfigError, SellintegroError
from .ledger_file import check_ledger_file
from .paths import sqlite_path
from .schedule import next_run


def _build(scenario: Scenario, kind: str, host: Any, items: list[CheckItem], label: str) -> object:
    from .building import build_component

    try:
        component = build_component(scenario, kind, host=host, plan_only=True)
    except SellintegroError as exc:
        items.append(CheckItem(label, False, str(exc)))
        return None
    return component


def _safe_checks(component: object, label: str, items: list[CheckItem]) -> None:
    try:
        items.extend(component_checks(component))
    except SellintegroError as exc:
        items.append(CheckItem(label, False, str(exc)))


def _ledger_item(scenario: Scenario) -> CheckItem:
    url = scenario.model.state.url
    path = sqlite_path(url, scenario.base_dir)
    if path is None:
        return CheckItem("ledger writable", False, f"unsupported state.url {url!r}")
    if path.exists():
        try:
            check_ledger_file(path)
        except SellintegroError as exc:
            return CheckItem("ledger readable", False, exc.message)
        ok = os.access(path, os.W_OK)
        return CheckItem("ledger writable", ok, str(path) if ok else f"{path} is not writable")
    folder = path.parent
    ok = folder.is_dir() and os.access(folder, os.W_OK)
    return CheckItem("ledger writable", ok, f"{path} (created on the first run)" if ok
                     else f"cannot create {path}: folder missing or not writable")


def run_checks(path: str | Path, *, host: Any) -> list[CheckItem]:
    items: list[CheckItem] = []
    try:
        scenario = load_scenario(path, host=host)
    except ConfigError as exc:
        return [CheckItem("config valid", False, str(exc))]
    items.append(CheckItem("config valid", True, f"scenario {scenario.name!r}"))
    source = _build(scenario, "source", host, items, "source reachable")
    if source is not None:
        _safe_checks(source, "source", items)
        close_quietly(source)
    sink = _build(scenario, "sink", host, items, "sink reachable")
    rule = _build(scenario, "rule", host, items, "rule settings")
    if sink is not None:
        before = len(items)
        _safe_checks(sink, "sink", items)
        sink_down = len(items) > before and not any(item.ok for item in items[before:])
        if sink_down:
            items.append(CheckItem("statuses exist", False,
                                   "not checked: the sink did not answer (see the line above)"))
        elif isinstance(rule, ReferencesStatuses) and isinstance(sink, StatusChecking):
            try:
                items.extend(sink.check_statuses(list(rule.referenced_statuses())))
            except SellintegroError as exc:
                items.append(CheckItem("statuses exist", False, str(exc)))
        close_quietly(sink)
    if rule is not None:
        _safe_checks(rule, "rule", items)
    renderer = _build(scenario, "renderer", host, items, "renderer")
    if renderer is not None:
        items.append(CheckItem("renderer ready", True, scenario.plugin_name("renderer") or ""))
        close_quietly(renderer)
    items.append(_ledger_item(scenario))
    schedule = scenario.model.schedule
    if schedule.mode == "auto":
        when = next_run(clock.now(scenario.timezone), schedule, scenario.timezone)
        items.append(CheckItem("next scheduled run", True, f"{when:%Y-%m-%d %H:%M %Z} (every "
                                                           f"{schedule.every_minutes} min, {schedule.hours})"))
    else:
        items.append(CheckItem("next scheduled run", True, "manual: runs only with `sellintegro run`"))
    return items


def print_checks(items: list[CheckItem]) -> None:
    from .terminal import console as plain_console
    from .terminal import plain, text

    console = plain_console()
    for item in items:
        colour = "green" if item.ok else "red"
        console.print(text("■", colour), plain(f"{item.name}:"), text("ok" if item.ok else "FAIL", colour),
                      *(["—", plain(item.detail)] if item.detail else []))
    failed = sum(not item.ok for item in items)
    console.print("all checks passed" if not failed else f"{failed} check(s) failed")
