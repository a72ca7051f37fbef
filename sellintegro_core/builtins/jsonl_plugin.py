"""Registers the built-in JSONL source and sink (the classes live in ``jsonl.py``, imported on use: a command
that does not use them does not pay for importing them and the document models)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .. import hookimpl
from ..components import SinkSpec, SourceSpec

if TYPE_CHECKING:
    from pydantic import BaseModel

    from ..components import ComponentContext, Sink, Source


def _source(config: Any, context: ComponentContext) -> Source:
    from .jsonl import JsonlSource

    return JsonlSource(config, context)


def _sink(config: Any, context: ComponentContext) -> Sink:
    from .jsonl import JsonlSink

    return JsonlSink(config, context)


def _source_config() -> type[BaseModel]:
    from .jsonl_config import JsonlSourceConfig

    return JsonlSourceConfig


def _sink_config() -> type[BaseModel]:
    from .jsonl_config import JsonlSinkConfig

    return JsonlSinkConfig


@hookimpl
def sellintegro_register_sources(register: Callable[[SourceSpec], None]) -> None:
    register(SourceSpec(name="jsonl", config_model=_source_config, factory=_source,
                        description="sales documents from a JSONL file"))


@hookimpl
def sellintegro_register_sinks(register: Callable[[SinkSpec], None]) -> None:
    register(SinkSpec(name="jsonl", config_model=_sink_config, factory=_sink,
                      description="records actions to a JSONL file (dry runs, debugging)"))
