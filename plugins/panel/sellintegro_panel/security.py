"""Login and CSRF: a password (``SELLINTEGRO_PANEL_PASSWORD``) guards every page when set; every POST must
carry the session's CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``) or it gets 403.

The session is Starlette's signed cookie (itsdangerous); its key is random per panel process.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any
from urllib.parse import parse_qs, quote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PASSWORD_ENV = "SELLINTEGRO_PANEL_PASSWORD"
LOOPBACK_NAMES = frozenset({"127.0.0.1", "::1", "[::1]", "localhost"})
MAX_FORM_BYTES = 1_000_000
PUBLIC_PREFIXES = ("/static/", "/login")


def is_loopback(host: str) -> bool:
    """Only 127.0.0.1, ::1 and localhost count (the issue's rule; 127.0.0.2 does not)."""
    return host.strip().lower() in LOOPBACK_NAMES


def csrf_token(session: dict[str, Any]) -> str:
    token = session.get("csrf")
    if not isinstance(token, str) or len(token) < 20:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def password_ok(given: str, password: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), password.encode("utf-8"))


class GuardMiddleware:
    """Runs inside the session middleware: login redirect (when a password is set) and the CSRF check."""

    def __init__(self, app: ASGIApp, *, password: str | None, host: str = "127.0.0.1") -> None:
        self.app = app
        self.password = password
        # Without a password only loopback names are accepted in the Host header: a web page cannot reach the
        # panel through a rebound DNS name (DNS rebinding) and read or drive it.
        self.hosts = None if password is not None else LOOPBACK_NAMES | {host.lower()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.hosts is not None and _host_name(scope) not in self.hosts:
            await _send_simple(send, 403, b"403 Forbidden: unexpected Host header; open the panel at the "
                                          b"address it printed")
            return
        session = scope["session"]
        expected = csrf_token(session)
        path = scope["path"]
        if self.password is not None and not session.get("auth") and not path.startswith(PUBLIC_PREFIXES):
            if scope["method"] in ("GET", "HEAD"):
                target = path + (("?" + scope["query_string"].decode("latin-1")) if scope["query_string"] else "")
                await _send_simple(send, 303, b"", [(b"location", f"/login?next={quote(target)}".encode())])
            else:
                await _send_simple(send, 403, b"403 Forbidden: log in first")
            return
        if scope["method"] not in ("POST", "PUT", "PATCH", "DELETE"):
            await self.app(scope, receive, send)
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_FORM_BYTES:
                await _send_simple(send, 413, b"413 form too large")
                return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        given = headers.get("x-csrf-token", "")
        if not given and headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            given = (parse_qs(body.decode("utf-8", "replace")).get("csrf_token") or [""])[0]
        if not given or not hmac.compare_digest(given.encode(), expected.encode()):
            await _send_simple(send, 403, b"403 Forbidden: missing or wrong CSRF token; reload the page and "
                                          b"try again")
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _host_name(scope: Scope) -> str:
    """The Host header without its port (``[::1]:8765`` -> ``[::1]``)."""
    raw = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), "").strip().lower()
    if raw.startswith("["):
        return raw[:raw.find("]") + 1] if "]" in raw else raw
    return raw.rsplit(":", 1)[0] if raw.count(":") == 1 else raw


async def _send_simple(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    head = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
            *(headers or [])]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body})
