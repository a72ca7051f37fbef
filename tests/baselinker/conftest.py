"""Shared fixtures for the BaseLinker plugin tests (client, sink and emulator).

* ``emulator`` -- a fresh :class:`Emulator` served on a real loopback socket; yields the running
  :class:`EmulatorServer` (``.url``, ``.token``, ``.emulator`` for state inspection without HTTP).
* ``emulator_factory`` -- ``emulator_factory(**Emulator kwargs) -> EmulatorServer`` for custom set-ups
  (seed, rate limit, time scale, faults...), or ``emulator_factory(emulator=Emulator(...))`` to serve one you
  built; every server it starts is stopped after the test.
* ``wsgi_emulator`` -- a fresh :class:`Emulator` without a socket; use ``wsgi_emulator.wsgi_app`` with
  ``httpx.Client(transport=httpx.WSGITransport(app=wsgi_emulator.wsgi_app))``.
* ``bl_call`` -- ``bl_call(client_or_url, method, token=..., **parameters) -> dict`` plain-httpx helper.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

TOKEN = "1-23-ABC"


@pytest.fixture
def emulator_factory(tmp_path) -> Iterator[Callable[..., Any]]:
    from sellintegro_baselinker_emulator import Emulator, serve

    started: list[Any] = []

    def factory(**kwargs: Any) -> Any:
        kwargs.setdefault("token", TOKEN)
        emu = kwargs.pop("emulator", None) or Emulator(**kwargs)
        cm = serve(emu)
        server = cm.__enter__()
        started.append(cm)
        return server

    yield factory
    for cm in reversed(started):
        cm.__exit__(None, None, None)


@pytest.fixture
def emulator(emulator_factory) -> Any:
    """A running emulator (fresh account, token ``1-23-ABC``) on 127.0.0.1; ``.url``, ``.emulator``."""
    return emulator_factory()


@pytest.fixture
def wsgi_emulator() -> Any:
    """A fresh in-process emulator (token ``1-23-ABC``); use its ``.wsgi_app`` with ``httpx.WSGITransport``."""
    from sellintegro_baselinker_emulator import Emulator

    return Emulator(token=TOKEN)


def call(target: httpx.Client | str, method: str, token: str | None = TOKEN, **parameters: Any) -> dict:
    """POST one ``connector.php`` call like BaseLinker expects and return the decoded JSON body.

    ``target`` is a URL (real socket) or an ``httpx.Client`` (e.g. with a WSGI transport; posts to its base URL).
    """
    headers = {"X-BLToken": token} if token is not None else {}
    data = {"method": method, "parameters": json.dumps(parameters)}
    if isinstance(target, str):
        resp = httpx.post(target, headers=headers, data=data, timeout=10.0)
    else:
        resp = target.post("/connector.php", headers=headers, data=data)
    assert resp.status_code == 200, resp.text
    return resp.json()


@pytest.fixture
def bl_call() -> Callable[..., dict]:
    return call


@pytest.fixture
def wsgi_client(wsgi_emulator) -> Iterator[httpx.Client]:
    """An ``httpx.Client`` talking to ``wsgi_emulator`` in-process (base URL http://emulator)."""
    with httpx.Client(transport=httpx.WSGITransport(app=wsgi_emulator.wsgi_app), base_url="http://emulator") as c:
        yield c
