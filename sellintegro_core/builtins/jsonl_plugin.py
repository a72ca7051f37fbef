"""Registers the built-in JSONL source and sink (the classes live in ``jsonl.py``, imported on use)."""

from __future__ import annotations

from typing import Any

from .. import hookimpl
from ..components import SinkSpec, SourceSpec


@hookimpl
def sellintegro_register_sources(register: Any) -> None:
    from .jsonl import JsonlSource, JsonlSourceConfig

    register(SourceSpec(name="jsonl", config_model=JsonlSourceConfig, factory=JsonlSource,
                        description="sales documents from a JSONL file"))


@hookimpl
def sellintegro_register_sinks(register: Any) -> None:
    from .jsonl import JsonlSink, JsonlSinkConfig

    register(SinkSpec(name="jsonl", config_model=JsonlSinkConfig, factory=JsonlSink,
                      description="records actions to a JSONL file (dry runs, debugging)"))
