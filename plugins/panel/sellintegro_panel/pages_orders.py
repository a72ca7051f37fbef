"""Orders: the Search box, one order's page, and its documents' PDFs (rendered like `sellintegro pdf`)."""

from __future__ import annotations

from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from sellintegro_core.api import ConfigError, SellintegroError, render_document_pdf, safe_filename

from .app import render
from .orders import order_details, search
from .state import Panel

MAX_QUERY = 200


def _panel(request: Request) -> Panel:
    return request.app.state.panel


async def orders(request: Request) -> Response:
    panel = _panel(request)
    query = request.query_params.get("q", "").strip()[:MAX_QUERY]
    results, problems = [], []
    if query:
        for key in panel.entries:
            try:
                scenario = panel.load(key, validate_components=False)
            except ConfigError as exc:
                problems.append(f"{panel.entries[key].path.name}: {exc.message}")
                continue
            results.extend(await run_in_threadpool(search, key, scenario, query))
    return render(request, "orders.html", {"q": query, "results": results, "problems": problems})


async def order_page(request: Request) -> Response:
    panel = _panel(request)
    key, order_id = request.path_params["key"], request.path_params["order_id"]
    if panel.entry(key) is None:
        return HTMLResponse("unknown scenario", status_code=404)
    try:
        scenario = panel.load(key, validate_components=False)
    except ConfigError as exc:
        return render(request, "message.html", {"title": "Scenario invalid", "message": str(exc),
                                                "errors": exc.errors, "key": key}, status=400)
    details = await run_in_threadpool(order_details, scenario, order_id, panel.host)
    return render(request, "order.html", {"key": key, "scenario": scenario.name, "order_id": order_id,
                                          "quote": quote, **details})


async def pdf(request: Request) -> Response:
    panel = _panel(request)
    key = request.path_params["key"]
    ref = request.query_params.get("document", "").strip()[:MAX_QUERY]
    if panel.entry(key) is None or not ref:
        return HTMLResponse("unknown scenario or document", status_code=404)
    try:
        scenario = panel.load(key, validate_components=False)
        number, data = await run_in_threadpool(render_document_pdf, scenario, ref, host=panel.host)
    except SellintegroError as exc:
        return render(request, "message.html", {"title": "PDF", "message": exc.message, "errors": [],
                                                "key": key}, status=404 if exc.exit_code == 1 else 400)
    name = safe_filename(number)
    return Response(data, media_type="application/pdf",
                    headers={"Content-Disposition": f"inline; filename=\"{name}\"",
                             "X-Content-Type-Options": "nosniff"})


ROUTES = [
    Route("/orders", orders),
    Route("/orders/{key}/pdf", pdf),
    Route("/orders/{key}/{order_id}", order_page),
]
