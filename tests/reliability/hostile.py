"""A hostile BaseLinker on 127.0.0.1: a proxy in front of the emulator that misbehaves on chosen methods.

``HostileProxy(upstream_url, {"getOrders": drip(5.0)})`` forwards every call to the emulator except the
methods given, which it answers itself:

* ``drip(interval)``: a valid answer, one byte every ``interval`` seconds (httpx's per-read timeout never
  trips);
* ``huge(megabytes, length_header=False)``: a SUCCESS answer that goes on for ``megabytes`` MB (streamed, so
  the proxy itself stays small);
* ``answer(body)``: this JSON body instead of the emulator's (wrong shapes, errors);
* ``echo_token(code)``: an ``ERROR`` that repeats the ``X-BLToken`` it received (as servers do);
* ``hang()``: never answers (until the client goes away).

``proxy.methods`` lists the methods asked, in order.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

Behaviour = Callable[["_Handler", dict[str, str]], None]


def drip(interval: float, body: bytes = b'{"status": "SUCCESS", "orders": []}') -> Behaviour:
    def act(handler: _Handler, form: dict[str, str]) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        for i in range(len(body)):
            if handler.server.closing.is_set():  # type: ignore[attr-defined]
                return
            handler.wfile.write(body[i:i + 1])
            handler.wfile.flush()
            handler.server.closing.wait(interval)  # type: ignore[attr-defined]
    return act


def huge(megabytes: float, *, length_header: bool = False) -> Behaviour:
    entry = b'{"order_id": 1, "order_status_id": 1, "date_add": 1764000000, "padding": "' + b"x" * 900 + b'"},'
    head, tail = b'{"status": "SUCCESS", "orders": [', b'{"order_id": 2}]}'
    count = int(megabytes * 1024 * 1024) // len(entry)

    def act(handler: _Handler, form: dict[str, str]) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        if length_header:
            handler.send_header("Content-Length", str(len(head) + count * len(entry) + len(tail)))
        else:
            handler.send_header("Connection", "close")
        handler.end_headers()
        try:
            handler.wfile.write(head)
            block = entry * 256
            for _ in range(count // 256):
                handler.wfile.write(block)
            handler.wfile.write(entry * (count % 256) + tail)
        except OSError:
            return                              # the client refused the rest: that is the point
        handler.close_connection = True
    return act


def answer(body: dict[str, Any]) -> Behaviour:
    def act(handler: _Handler, form: dict[str, str]) -> None:
        handler.send_json(body)
    return act


def echo_token(code: str = "ERROR_BAD_TOKEN") -> Behaviour:
    def act(handler: _Handler, form: dict[str, str]) -> None:
        token = handler.headers.get("X-BLToken", "")
        handler.send_json({"status": "ERROR", "error_code": code,
                           "error_message": f"Invalid token {token} (token {token} is not known)"})
    return act


def hang() -> Behaviour:
    def act(handler: _Handler, form: dict[str, str]) -> None:
        handler.server.closing.wait(600)  # type: ignore[attr-defined]
    return act


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass

    def send_json(self, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8"), keep_blank_values=True).items()}
        method = form.get("method", "")
        proxy: HostileProxy = self.server.proxy  # type: ignore[attr-defined]
        proxy.methods.append(method)
        behaviour = proxy.behaviours.get(method)
        if behaviour is not None:
            behaviour(self, form)
            return
        request = urllib.request.Request(proxy.upstream, data=raw, method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded", "X-BLToken": self.headers.get("X-BLToken", "")})
        with urllib.request.urlopen(request, timeout=30) as upstream:  # noqa: S310 - loopback emulator
            data = upstream.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class HostileProxy:
    """Context manager: ``with HostileProxy(url, {...}) as proxy: proxy.url``."""

    def __init__(self, upstream: str, behaviours: dict[str, Behaviour] | None = None) -> None:
        self.upstream = upstream
        self.behaviours = dict(behaviours or {})
        self.methods: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.proxy = self  # type: ignore[attr-defined]
        self._server.closing = threading.Event()  # type: ignore[attr-defined]
        host, port = self._server.server_address[:2]
        self.url = f"http://{host}:{port}/connector.php"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    def __enter__(self) -> HostileProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.closing.set()  # type: ignore[attr-defined]
        self._server.shutdown()
        self._server.server_close()
        time.sleep(0.05)
