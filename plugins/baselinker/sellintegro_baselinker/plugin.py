"""Hook implementations of sellintegro-baselinker.

Imports stay light: httpx loads only inside the factory. The emulator (``sellintegro baselinker emulator``) is
a separate distribution, sellintegro-baselinker-emulator (plugins/baselinker_emulator).
"""

from __future__ import annotations

from typing import Any

from sellintegro_core.api import hookimpl

# --- sink: ``[sink] plugin = "baselinker"`` ---------------------------------------------------------------------


def _make_sink(config: Any, context: Any) -> Any:
    from .sink import make_sink  # httpx is imported only when a sink is built

    return make_sink(config, context)


def _config_model() -> Any:
    from .config import BaseLinkerConfig  # pydantic loads only when a scenario uses the sink

    return BaseLinkerConfig


@hookimpl
def sellintegro_register_sinks(register: Any) -> None:
    """Register the ``baselinker`` sink."""
    from sellintegro_core.api import SinkSpec

    register(SinkSpec(name="baselinker", config_model=_config_model, factory=_make_sink,
                      description="BaseLinker orders: attaches PDFs to invoices/receipts, sets statuses"))


# --- set-up: ``sellintegro init`` questions, the demo's BaseLinker account, the window caps --------------------


@hookimpl
def sellintegro_init_questions(register: Any) -> None:
    """The ``[sink]`` questions: token variable, API address, series."""
    from .init_questions import SECTION

    register(SECTION)


@hookimpl
def sellintegro_demo_parts(register: Any) -> None:
    """The demo's BaseLinker: the local emulator seeded with the demo orders, statuses and series."""
    from sellintegro_core.api import DemoPart

    from .demo_part import start

    register(DemoPart(kind="sink", name="baselinker", start=start))


@hookimpl
def sellintegro_limits(limits: Any) -> None:
    """BaseLinker orders older than 14 days (7 before the set-up) need SI Extender: name it in the message."""
    limits.suggest(plugin="si_extender", package="sellintegro-si-extender", days_back=150, before_setup_days=90)
