"""Hook implementations of sellintegro-baselinker.

Imports stay light: httpx loads only inside the factory. The emulator (``sellintegro baselinker emulator``) is
a separate distribution, sellintegro-baselinker-emulator (plugins/baselinker_emulator).
"""

from __future__ import annotations

from typing import Any

from sellintegro_core import hookimpl

# --- sink: ``[sink] plugin = "baselinker"`` ---------------------------------------------------------------------


def _make_sink(config: Any, context: Any) -> Any:
    from .sink import make_sink  # httpx is imported only when a sink is built

    return make_sink(config, context)


@hookimpl
def sellintegro_register_sinks(register: Any) -> None:
    """Register the ``baselinker`` sink."""
    from sellintegro_core.components import SinkSpec

    from .config import BaseLinkerConfig

    register(SinkSpec(name="baselinker", config_model=BaseLinkerConfig, factory=_make_sink,
                      description="BaseLinker orders: attaches PDFs to invoices/receipts, sets statuses"))
