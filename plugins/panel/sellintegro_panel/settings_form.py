"""The Settings form <-> the scenario file: tomlkit edits that keep comments; validation by ``load_scenario``.

Each form field maps to one TOML path. Save writes the candidate text next to the scenario, validates it with
the same code as `sellintegro validate`, and replaces the file only when it is valid.
"""

from __future__ import annotations

import os
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit

from sellintegro_core.api import DOCUMENT_KINDS, WEEKDAYS, ConfigError, load_scenario

KINDS = list(DOCUMENT_KINDS)
MATCH_FIELDS = ["numer_oryginalny", "podtytul", "tytul", "uwagi"]


@dataclass(frozen=True)
class Field:
    name: str          # form field name = TOML path
    kind: str          # int | float | str | list | bool | status | statuses | optional


FIELDS = [
    Field("window.days_back", "int"), Field("window.before_setup", "str"), Field("window.before_setup_days", "int"),
    Field("rule.statuses", "statuses"), Field("rule.on_success", "status"), Field("rule.on_failure", "status"),
    Field("rule.no_document", "no_document"),
    Field("sink.invoice_series", "optional"), Field("sink.receipt_series", "optional"),
    Field("sink.correction_series", "optional"),
    Field("rule.documents", "list"), Field("source.document_types", "list"),
    Field("source.match.field", "str"), Field("source.match.pattern", "optional"),
    Field("source.match.via_order_document", "bool"),
    Field("schedule.mode", "str"), Field("schedule.every_minutes", "int"), Field("schedule.hours", "str"),
    Field("schedule.weekdays", "list"),
]


DEFAULTS: dict[str, Any] = {
    "window.days_back": 14, "window.before_setup": "skip", "window.before_setup_days": 7,
    "rule.documents": ["FS", "FSd", "PA", "KFS"], "source.document_types": ["FS", "PA", "KFS"],
    "source.match.field": "numer_oryginalny", "source.match.via_order_document": True,
    "schedule.mode": "auto", "schedule.every_minutes": 30, "schedule.hours": "1:00-23:00",
    "schedule.weekdays": list(WEEKDAYS),
}


def get_path(data: Any, path: str, default: Any = None) -> Any:
    for part in path.split("."):
        if not isinstance(data, dict) or part not in data:
            return default
        data = data[part]
    return data


def _set_path(doc: Any, path: str, value: Any) -> None:
    parts = path.split(".")
    table = doc
    for part in parts[:-1]:
        if part not in table:
            if value is None:
                return
            table[part] = tomlkit.table()
        table = table[part]
    key = parts[-1]
    if value is None:
        if key in table:
            del table[key]
        return
    old = table.get(key)
    if old is not None and _plain(old) == _plain(value):
        return                                   # unchanged: the line stays as written, comment and all
    comment = getattr(getattr(old, "trivia", None), "comment", "")
    item = tomlkit.item(value)
    if comment and hasattr(item, "trivia"):
        item.trivia.comment = comment            # a changed value keeps its end-of-line comment
        item.trivia.comment_ws = getattr(old.trivia, "comment_ws", "  ") or "  "
    table[key] = item


def _plain(value: Any) -> Any:
    unwrap = getattr(value, "unwrap", None)
    return unwrap() if callable(unwrap) else value


def _number(text: str, kind: str) -> Any:
    text = text.strip()
    try:
        return int(text) if kind == "int" else float(text)
    except ValueError:
        return text          # kept as text: validation names the field and says a number is expected


def _inline(**values: Any) -> Any:
    table = tomlkit.inline_table()
    table.update(values)
    return table


def apply_form(text: str, form: Any) -> str:
    """The scenario text with the form's values written in (comments and unknown keys kept)."""
    doc = tomlkit.parse(text)
    for field in FIELDS:
        name = field.name
        if field.kind in ("int", "float"):
            _set_path(doc, name, _number(str(form.get(name, "")), field.kind))
        elif field.kind == "str":
            _set_path(doc, name, str(form.get(name, "")).strip())
        elif field.kind == "optional":
            value = str(form.get(name, "")).strip()
            _set_path(doc, name, value or None)
        elif field.kind == "bool":
            _set_path(doc, name, form.get(name) in ("on", "true", "1"))
        elif field.kind == "list":
            _set_path(doc, name, [str(v) for v in form.getlist(name)])
        elif field.kind == "statuses":
            chosen = [str(v) for v in form.getlist(name) if str(v).strip()]
            _set_path(doc, name, "all" if form.get(name + ".all") in ("on", "true", "1") else chosen)
        elif field.kind == "status":
            value = str(form.get(name, "")).strip()
            _set_path(doc, name, _inline(status=value) if value else "keep")
        elif field.kind == "no_document":
            value = str(form.get(name, "")).strip()
            hours = _number(str(form.get(name + ".after_hours", "48")), "float")
            _set_path(doc, name, _inline(after_hours=hours, status=value) if value else None)
    return tomlkit.dumps(doc)


def validate_text(path: Path, text: str, host: Any) -> list[tuple[str, str]]:
    """Every problem `sellintegro validate` would report for ``text`` as the file at ``path`` ([] = valid)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".panel.toml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        load_scenario(tmp, host=host)
    except ConfigError as exc:
        return [(p, m.replace(tmp, str(path))) for p, m in (exc.errors or [("", exc.message)])]
    finally:
        os.unlink(tmp)
    return []


def save_text(path: Path, text: str) -> None:
    """Replace the scenario file atomically (same folder, same permissions)."""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o600
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".saving", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def errors_by_field(errors: list[tuple[str, str]]) -> tuple[dict[str, list[str]], list[str]]:
    """Errors next to their form field (longest matching TOML path); the others for the top of the form."""
    names = sorted((f.name for f in FIELDS), key=len, reverse=True)
    by_field: dict[str, list[str]] = {}
    general: list[str] = []
    for path, message in errors:
        target = next((n for n in names if path == n or path.startswith(n + ".")), None)
        if target is None:
            general.append(f"{path}: {message}" if path else message)
        else:
            by_field.setdefault(target, []).append(message)
    return by_field, general


def form_values(raw: dict[str, Any]) -> dict[str, Any]:
    """What each field shows, from a raw scenario dict."""
    values: dict[str, Any] = {}
    for field in FIELDS:
        value = get_path(raw, field.name, DEFAULTS.get(field.name))
        if field.kind in ("status", "no_document"):
            values[field.name + ".after_hours"] = get_path(value, "after_hours", 48) if isinstance(value, dict) \
                else 48
            value = value.get("status", "") if isinstance(value, dict) else ""
        elif field.kind == "statuses":
            values[field.name + ".all"] = value in (None, "all")
            value = value if isinstance(value, list) else []
        values[field.name] = "" if value is None else value
    return values


def parse_text(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}
