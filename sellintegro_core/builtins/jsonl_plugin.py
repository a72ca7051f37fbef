"""Registers the built-in JSONL source and sink (the classes live in ``jsonl.py``, imported on use: a command
that does not use them does not pay for importing them and the document models)."""

from __future__ import annotations

from typing import Any

from .. import hookimpl
from ..components import SinkSpec, SourceSpec


def _source(config: Any, context: Any) -> Any:
    from .jsonl import JsonlSource

    return JsonlSource(config, context)


def _sink(config: Any, context: Any) -> Any:
    from .jsonl import JsonlSink

    return JsonlSink(config, context)


@hookimpl
def sellintegro_register_sources(register: Any) -> None:
    from .jsonl_config import JsonlSourceConfig

    register(SourceSpec(name="jsonl", config_model=JsonlSourceConfig, factory=_source,
                        description="sales documents from a JSONL file"))


@hookimpl
def sellintegro_register_sinks(register: Any) -> None:
    from .jsonl_config import JsonlSinkConfig

    register(SinkSpec(name="jsonl", config_model=JsonlSinkConfig, factory=_sink,
                      description="records actions to a JSONL file (dry runs, debugging)"))
