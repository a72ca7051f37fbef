"""The Starlette application: routes, templates (autoescaped), the signed-cookie session and the guard."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import jinja2
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .security import GuardMiddleware, csrf_token
from .state import Panel

HERE = Path(__file__).resolve().parent
ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                         undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render(request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200) -> HTMLResponse:
    panel: Panel = request.app.state.panel
    ctx = {"csrf": csrf_token(request.session), "login": panel.password is not None,
           "entries": list(panel.entries.values()), "path": request.url.path}
    ctx.update(context or {})
    return HTMLResponse(ENV.get_template(name).render(ctx), status_code=status)


def build_app(paths: list[Path], *, password: str | None, host: str = "127.0.0.1") -> Starlette:
    from . import pages_main, pages_orders, pages_settings

    panel = Panel(paths, password=password)
    routes = [
        *pages_main.ROUTES, *pages_orders.ROUTES, *pages_settings.ROUTES,
        Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
    ]
    middleware = [
        Middleware(SessionMiddleware, secret_key=secrets.token_hex(32), session_cookie="sellintegro_panel",
                   same_site="strict", https_only=False, max_age=12 * 3600),
        Middleware(GuardMiddleware, password=password, host=host),
    ]
    app = Starlette(routes=routes, middleware=middleware)
    app.state.panel = panel
    app.state.runs = panel.runs
    return app


__all__ = ["ENV", "Route", "build_app", "render"]
