"""Hook implementations of the ``subiekt_gt`` plugin. Imports stay light: the reader, pyodbc and the
generator load only when a source is built or a command runs."""

from __future__ import annotations

from typing import Any

from sellintegro_core.api import CommandSpec, ComponentContext, SourceSpec, hookimpl


def make_source(config: Any, context: ComponentContext) -> Any:
    """Factory of the ``subiekt_gt`` source (see :class:`sellintegro_subiekt_gt.reader.SubiektSource`)."""
    from .reader import SubiektSource

    return SubiektSource(config, context)


def _config_model() -> Any:
    from .config import SubiektConfig

    return SubiektConfig


@hookimpl
def sellintegro_register_sources(register: Any) -> None:
    """Register the ``subiekt_gt`` source."""
    register(SourceSpec(name="subiekt_gt", config_model=_config_model, factory=make_source,
                        description="InsERT Subiekt GT: FS, PA, KFS, ZW and FSd read-only over ODBC"))


@hookimpl
def sellintegro_register_commands(register: Any) -> None:
    """``sellintegro subiekt detect SCENARIO`` and ``sellintegro subiekt demo-db PATH``."""
    from .commands import run, setup

    register(CommandSpec(name="subiekt", help="Subiekt GT tools: detect match settings, build a demo database",
                         setup=setup, run=run, after="init"))


@hookimpl
def sellintegro_init_questions(register: Any) -> None:
    """The ``[source]`` questions: the DSN's variable and the match field and pattern."""
    from .init_questions import SECTION

    register(SECTION)


@hookimpl
def sellintegro_demo_parts(register: Any) -> None:
    """The demo's source: a generated Subiekt GT database (``sellintegro subiekt demo-db``)."""
    from sellintegro_core.api import DemoPart

    from .demo_part import start

    register(DemoPart(kind="source", name="subiekt_gt", start=start))
