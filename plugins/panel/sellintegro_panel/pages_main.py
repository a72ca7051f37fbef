"""Scenarios, Run now / Plan with live progress, Health (Check again), login and logout."""

from __future__ import annotations

import secrets
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from sellintegro_core.api import ConfigError, SellintegroError, enqueue_run, is_distributed, outcome_table_rows

from .app import render
from .runs import AlreadyRunning
from .security import password_ok
from .state import Panel, fmt_time


def _panel(request: Request) -> Panel:
    return request.app.state.panel


async def scenarios(request: Request) -> Response:
    panel = _panel(request)
    rows = [panel.summary(key) for key in panel.entries]
    return render(request, "scenarios.html", {"rows": rows, "checks": panel.checks})


async def check_lines(request: Request) -> Response:
    """htmx partial: the check lines of one scenario (computed once, then cached)."""
    panel = _panel(request)
    key = request.path_params["key"]
    if panel.entry(key) is None:
        return HTMLResponse("unknown scenario", status_code=404)
    if key not in panel.checks:
        await run_in_threadpool(panel.run_checks, key)
    checked, items = panel.checks[key]
    return render(request, "check_lines.html", {"items": items, "checked": checked})


async def start(request: Request) -> Response:
    panel = _panel(request)
    key = request.path_params["key"]
    if panel.entry(key) is None:
        return HTMLResponse("unknown scenario", status_code=404)
    plan_only = request.url.path.endswith("/plan")
    try:
        scenario = await run_in_threadpool(panel.load, key)
    except ConfigError as exc:
        return render(request, "message.html", {"title": "Scenario invalid", "message": str(exc),
                                                "errors": exc.errors, "key": key}, status=400)
    if not plan_only and is_distributed(scenario.model.state.url):
        return await _enqueue(request, key, scenario)
    try:
        run = panel.runs.start(key, scenario, plan_only=plan_only)
    except AlreadyRunning:
        current = panel.runs.running(key)
        return render(request, "message.html", {
            "title": "Run now", "key": key, "errors": [], "current": current,
            "message": f"Scenario {scenario.name} is already running (started by the scheduler, the command line "
                       "or another tab); nothing was started. Its results appear here when it ends."},
            status=409)
    return RedirectResponse(f"/runs/{run.id}", status_code=303)


async def _enqueue(request: Request, key: str, scenario: Any) -> Response:
    """PostgreSQL state: Run now queues the run on the workers, the same path as `sellintegro enqueue`."""
    try:
        job = await run_in_threadpool(enqueue_run, scenario.model.state.url, scenario.name)
    except SellintegroError as exc:
        already = "already running" in exc.message
        message = (f"Scenario {scenario.name} is already running (queued or running on a worker); nothing was "
                   "started." if already else exc.message)
        return render(request, "message.html", {"title": "Run now", "key": key, "errors": [], "message": message},
                      status=409 if already else 400)
    return render(request, "message.html", {
        "title": "Run now", "key": key, "errors": [],
        "message": f"Run of {scenario.name} queued for the workers (job {getattr(job, 'job_id', job)}); its "
                   "results appear on the Scenarios page when it ends (`sellintegro status` shows it too)."})


def _run_context(request: Request) -> dict[str, Any] | None:
    run = _panel(request).runs.get(int(request.path_params["run_id"]))
    if run is None:
        return None
    ctx: dict[str, Any] = {"run": run, "rows": [], "summary": "", "window": ""}
    report = run.report
    if report is not None:
        ctx["rows"] = outcome_table_rows(report)
        counts = ", ".join(f"{k} {v}" for k, v in sorted(report.counts.items()) if v) or "nothing to do"
        ctx["summary"] = f"{report.outcome}: {counts}; BaseLinker calls: {report.api_calls}"
        if report.window_start and report.window_end:
            ctx["window"] = f"orders placed {fmt_time(report.window_start)} … {fmt_time(report.window_end)}"
        ctx["deferred"] = fmt_time(report.deferred_until) if report.deferred_until else ""
    return ctx


async def run_page(request: Request) -> Response:
    ctx = _run_context(request)
    if ctx is None:
        return render(request, "message.html", {"title": "Run", "message": "no such run (the panel was "
                                                "restarted?)", "errors": [], "key": ""}, status=404)
    return render(request, "run.html", ctx)


async def run_progress(request: Request) -> Response:
    ctx = _run_context(request)
    if ctx is None:
        return HTMLResponse("no such run", status_code=404)
    return render(request, "run_progress.html", ctx)


async def health(request: Request) -> Response:
    panel = _panel(request)
    keys = list(panel.entries)
    for key in keys:
        if key not in panel.checks:
            await run_in_threadpool(panel.run_checks, key)
    sections = [{"key": k, "checked": panel.checks[k][0], "items": panel.checks[k][1],
                 "name": panel.entries[k].path.name} for k in keys]
    return render(request, "health.html", {"sections": sections})


async def check_again(request: Request) -> Response:
    panel = _panel(request)
    key = request.path_params["key"]
    if panel.entry(key) is None:
        return HTMLResponse("unknown scenario", status_code=404)
    await run_in_threadpool(panel.run_checks, key)
    return RedirectResponse("/health", status_code=303)


async def login_page(request: Request) -> Response:
    return render(request, "login.html", {"next": request.query_params.get("next", "/"), "wrong": False})


async def login(request: Request) -> Response:
    panel = _panel(request)
    form = await request.form()
    target = str(form.get("next") or "/")
    if not target.startswith("/") or target.startswith("//"):
        target = "/"
    if panel.password is None:
        return RedirectResponse(target, status_code=303)
    if not password_ok(str(form.get("password") or ""), panel.password):
        return render(request, "login.html", {"next": target, "wrong": True}, status=403)
    request.session["auth"] = True
    request.session["csrf"] = secrets.token_urlsafe(32)      # a new token for the logged-in session
    return RedirectResponse(target, status_code=303)


async def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login" if _panel(request).password else "/", status_code=303)


ROUTES = [
    Route("/", scenarios),
    Route("/scenarios/{key}/checks", check_lines),
    Route("/scenarios/{key}/run", start, methods=["POST"]),
    Route("/scenarios/{key}/plan", start, methods=["POST"]),
    Route("/runs/{run_id:int}", run_page),
    Route("/runs/{run_id:int}/progress", run_progress),
    Route("/health", health),
    Route("/health/{key}/check", check_again, methods=["POST"]),
    Route("/login", login_page),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
]
