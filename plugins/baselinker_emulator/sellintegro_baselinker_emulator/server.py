"""A threaded loopback HTTP server for the emulator's WSGI app (stdlib ``wsgiref``), started in the background.

::

    with serve(Emulator(token="t")) as server:   # port 0 = a free port
        print(server.url)                         # http://127.0.0.1:PORT/connector.php
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
from collections.abc import Iterator
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.handlers import SimpleHandler
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

from .app import SERVER_ENVIRON_KEY, DropConnection, Emulator


class _ServerHandler(ServerHandler):
    def handle_error(self) -> None:
        if isinstance(sys.exc_info()[1], DropConnection):
            raise  # noqa: PLE0704 -- propagate to the request handler, which closes the socket
        super().handle_error()

    status: str | None
    request_handler: Any

    def close(self) -> None:
        if self.status is None:  # dropped: nothing was sent, nothing to log
            SimpleHandler.close(self)
            return
        super().close()


class _RequestHandler(WSGIRequestHandler):
    """wsgiref's handler, quiet, marking the environ as "on a socket" and able to drop connections."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def get_environ(self) -> dict[str, Any]:
        environ = super().get_environ()
        environ[SERVER_ENVIRON_KEY] = True
        return environ

    def handle(self) -> None:
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.send_error(414)
            return
        if not self.parse_request():
            return
        handler = _ServerHandler(self.rfile, self.wfile, self.get_stderr(),  # type: ignore[arg-type]
                                 self.get_environ(), multithread=True)
        handler.request_handler = self
        server: Any = self.server
        try:
            handler.run(server.get_app())
        except DropConnection:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True


class EmulatorServer:
    """A running server: ``url`` (…/connector.php), ``host``, ``port``, ``emulator``, ``token``; ``stop()``."""

    def __init__(self, emulator: Emulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self.emulator = emulator
        self._server = _ThreadingServer((host, port), _RequestHandler)
        self._server.set_app(emulator.wsgi_app)
        self.host = host
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"bl-emulator-{self.port}", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/connector.php"

    @property
    def token(self) -> str:
        return self.emulator.token

    def stop(self) -> None:
        """Stop accepting, close the socket and persist the state."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self.emulator.save_state()

    def __enter__(self) -> EmulatorServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def serve(emulator: Emulator, host: str = "127.0.0.1", port: int = 0) -> Iterator[EmulatorServer]:
    """Run ``emulator`` on ``host:port`` in a background thread for the duration of the ``with`` block."""
    server = EmulatorServer(emulator, host, port)
    try:
        yield server
    finally:
        server.stop()
