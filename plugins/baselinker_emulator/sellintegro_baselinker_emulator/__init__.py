"""A BaseLinker ``connector.php`` emulator: WSGI app, threaded loopback server and CLI.

Public names (imported lazily so the CLI starts fast)::

    from sellintegro_baselinker_emulator import Emulator, serve

    emu = Emulator(token="1-23-ABC", seed={...} | None, state_path=None, requests_per_minute=100,
                   time_scale=1.0, log_path=None, faults=None)
    with serve(emu) as server:            # port 0 = a free port
        httpx.post(server.url, headers={"X-BLToken": "1-23-ABC"}, data={"method": "getOrders", ...})

    httpx.Client(transport=httpx.WSGITransport(app=emu.wsgi_app))  # in-process, no socket

See docs/baselinker-emulator.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import Emulator
    from .faults import FaultSpec
    from .server import EmulatorServer, serve
    from .store import SeedError

__all__ = ["Emulator", "EmulatorServer", "FaultSpec", "SeedError", "serve"]

_WHERE = {"Emulator": "app", "serve": "server", "EmulatorServer": "server", "FaultSpec": "faults",
          "SeedError": "store"}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        module = importlib.import_module(f"{__name__}.{_WHERE[name]}")
        return getattr(module, name)
    raise AttributeError(name)
