"""Registers the built-in JSONL source and sink (the classes live in ``jsonl.py``, imported on use)."""

from __future__ import annotations

from collections.abc import Callable

from .. import hookimpl
from ..components import SinkSpec, SourceSpec


@hookimpl
def sellintegro_register_sources(register: Callable[[SourceSpec], None]) -> None:
    from .jsonl import JsonlSource, JsonlSourceConfig

    register(SourceSpec(name="jsonl", config_model=JsonlSourceConfig, factory=JsonlSource,
                        description="sales documents from a JSONL file"))


@hookimpl
def sellintegro_register_sinks(register: Callable[[SinkSpec], None]) -> None:
    from .jsonl import JsonlSink, JsonlSinkConfig

    register(SinkSpec(name="jsonl", config_model=JsonlSinkConfig, factory=JsonlSink,
                      description="records actions to a JSONL file (dry runs, debugging)"))
