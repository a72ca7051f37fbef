"""Settings: the scenario form (live status and series pickers), Test pattern, Save (validated, comments kept)."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from sellintegro_core.api import (
    ConfigError,
    ListsSeries,
    ListsStatuses,
    PreviewsMatch,
    SellintegroError,
    build_component,
    close_quietly,
    env_secret_names,
    load_scenario,
)

from .app import render
from .settings_form import (
    KINDS,
    MATCH_FIELDS,
    WEEKDAYS,
    apply_form,
    errors_by_field,
    form_values,
    parse_text,
    save_text,
    validate_text,
)
from .state import Panel

PREVIEW_SAMPLE = 20


def _panel(request: Request) -> Panel:
    return request.app.state.panel


def _lookups(panel: Panel, key: str) -> dict[str, Any]:
    """The account's live statuses and series (through the sink's optional status_list / series_list)."""
    out: dict[str, Any] = {"statuses": None, "series": None, "lookup_error": ""}
    try:
        scenario = panel.load(key, validate_components=False)
        sink = build_component(scenario, "sink", host=panel.host, plan_only=True)
    except (SellintegroError, ValueError) as exc:
        out["lookup_error"] = getattr(exc, "message", str(exc)).splitlines()[0]
        return out
    try:
        if isinstance(sink, ListsStatuses):
            out["statuses"] = [name for _id, name in sink.status_list()]
        if isinstance(sink, ListsSeries):
            out["series"] = sink.series_list()
    except SellintegroError as exc:
        out["lookup_error"] = exc.message
    finally:
        close_quietly(sink)
    return out


def _limits(panel: Panel) -> dict[str, str]:
    limits = panel.host.limits()
    out = {}
    for key in ("days_back", "before_setup_days"):
        by = limits.raised_by.get(key)
        out[key] = f"limit {getattr(limits, key)}" + (f" (raised by plugin {by})" if by else "")
    return out


async def settings_index(request: Request) -> Response:
    panel = _panel(request)
    if len(panel.entries) == 1:
        return RedirectResponse(f"/settings/{next(iter(panel.entries))}", status_code=303)
    return render(request, "settings_index.html", {})


async def _form_page(request: Request, key: str, text: str, *, errors: list[tuple[str, str]] | None = None,
                     saved: bool = False, status: int = 200) -> Response:
    panel = _panel(request)
    raw = parse_text(text)
    by_field, general = errors_by_field(errors or [])
    lookups = await run_in_threadpool(_lookups, panel, key)
    return render(request, "settings.html", {
        "key": key, "file": str(panel.entries[key].path), "values": form_values(raw), "field_errors": by_field,
        "general_errors": general, "saved": saved, "secrets": env_secret_names(raw), "limits": _limits(panel),
        "kinds": KINDS, "weekdays": WEEKDAYS, "match_fields": MATCH_FIELDS, **lookups}, status=status)


async def settings_page(request: Request) -> Response:
    panel = _panel(request)
    key = request.path_params["key"]
    if panel.entry(key) is None:
        return HTMLResponse("unknown scenario", status_code=404)
    text = panel.entries[key].path.read_text(encoding="utf-8")
    return await _form_page(request, key, text, saved=request.query_params.get("saved") == "1")


async def save(request: Request) -> Response:
    panel = _panel(request)
    key = request.path_params["key"]
    entry = panel.entry(key)
    if entry is None:
        return HTMLResponse("unknown scenario", status_code=404)
    form = await request.form()
    try:
        text = apply_form(entry.path.read_text(encoding="utf-8"), form)
    except Exception as exc:  # noqa: BLE001 - a file tomlkit cannot edit: say so, change nothing
        return await _form_page(request, key, entry.path.read_text(encoding="utf-8"),
                                errors=[("", f"the file could not be edited: {exc}")], status=400)
    errors = await run_in_threadpool(validate_text, entry.path, text, panel.host)
    if errors:
        return await _form_page(request, key, text, errors=errors, status=400)
    save_text(entry.path, text)
    panel.checks.pop(key, None)
    return RedirectResponse(f"/settings/{key}?saved=1", status_code=303)


def _preview(panel: Panel, key: str, match: dict[str, Any]) -> tuple[list[dict[str, str]], str]:
    try:
        scenario = load_scenario(panel.entries[key].path, host=panel.host, validate_components=False)
        current = scenario.raw.get("source", {}).get("match", {})
        match.setdefault("order_key", current.get("order_key", "order_id") if isinstance(current, dict)
                         else "order_id")
        scenario.raw = {**scenario.raw, "source": {**scenario.raw["source"], "match": {}}}
        source = build_component(scenario, "source", host=panel.host, plan_only=True)
    except (SellintegroError, ValueError) as exc:
        return [], getattr(exc, "message", str(exc))
    try:
        if not isinstance(source, PreviewsMatch):
            return [], f"the source {scenario.plugin_name('source')!r} cannot preview matching"
        return source.match_preview(match, PREVIEW_SAMPLE), ""
    except ConfigError as exc:
        return [], "; ".join(f"{p}: {m}" for p, m in exc.errors) or exc.message
    except SellintegroError as exc:
        return [], exc.message
    finally:
        close_quietly(source)


async def test_pattern(request: Request) -> Response:
    panel = _panel(request)
    key = request.path_params["key"]
    if panel.entry(key) is None:
        return HTMLResponse("unknown scenario", status_code=404)
    form = await request.form()
    match = {"field": str(form.get("source.match.field", "")).strip() or "numer_oryginalny",
             "pattern": str(form.get("source.match.pattern", "")) or None,
             "via_order_document": form.get("source.match.via_order_document") in ("on", "true", "1")}
    rows, error = await run_in_threadpool(_preview, panel, key, match)
    matched = sum(1 for r in rows if r["order"])
    return render(request, "pattern.html", {"rows": rows, "error": error, "matched": matched})


ROUTES = [
    Route("/settings", settings_index),
    Route("/settings/{key}", settings_page),
    Route("/settings/{key}", save, methods=["POST"]),
    Route("/settings/{key}/test-pattern", test_pattern, methods=["POST"]),
]
