"""Fixtures: one generated demo database per session, read through the stdlib and through the SQLite ODBC
driver (a missing driver FAILS the tests: CI installs unixodbc + libsqliteodbc)."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sellintegro_core.components import ComponentContext
from sellintegro_core.models import SalesDocument, Window
from sellintegro_subiekt_gt.config import SubiektConfig
from sellintegro_subiekt_gt.demo_db import DemoSummary, generate
from sellintegro_subiekt_gt.reader import SubiektSource

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
TZ = ZoneInfo("Europe/Warsaw")
NOW = datetime(2026, 11, 20, 14, 30, tzinfo=TZ)
ODBC_DRIVER = "SQLite3"
ALL_KINDS = ["FS", "PA", "KFS", "ZW", "FSd"]


def odbc_dsn(path: Path) -> str:
    """ODBC connection string for a SQLite file; fails (never skips) when the driver is not installed."""
    import pyodbc

    if ODBC_DRIVER not in pyodbc.drivers():
        pytest.fail(f"the SQLite ODBC driver {ODBC_DRIVER!r} is not installed (installed: {pyodbc.drivers()}); "
                    "install unixodbc and libsqliteodbc")
    return f"Driver={ODBC_DRIVER};Database={path}"


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoSummary:
    """The demo database (seed 3, 120 sales documents) generated at a fixed moment ``NOW``."""
    path = tmp_path_factory.mktemp("subiekt") / "demo.sqlite"
    return generate(path, documents=120, seed=3, now=NOW)


@pytest.fixture
def demo_copy(demo: DemoSummary, tmp_path: Path) -> Callable[[list[str]], Path]:
    """A copy of the demo database with some SQL applied (e.g. DROP COLUMN to imitate older versions)."""

    def make(statements: list[str]) -> Path:
        path = tmp_path / "copy.sqlite"
        shutil.copy(demo.path, path)
        con = sqlite3.connect(path)
        for sql in statements:
            con.execute(sql)
        con.commit()
        con.close()
        return path

    return make


def window(days: int = 14, *, now: datetime = NOW) -> Window:
    return Window(start=now - timedelta(days=days), end=now, timezone="Europe/Warsaw")


def make_source(dsn: str, base_dir: Path | None = None, **settings: Any) -> SubiektSource:
    section: dict[str, Any] = {"dsn": dsn, "document_types": ALL_KINDS}
    section.update(settings)
    config = SubiektConfig.model_validate(section)
    return SubiektSource(config, ComponentContext(scenario="test", base_dir=base_dir or Path.cwd()))


@pytest.fixture(params=["sqlite", "odbc"])
def dsn(request: pytest.FixtureRequest, demo: DemoSummary) -> str:
    """The demo database as ``sqlite:///`` and as an ODBC connection string (every reader test runs twice)."""
    return f"sqlite:///{demo.path}" if request.param == "sqlite" else odbc_dsn(demo.path)


def read_all(dsn: str, days: int = 14, **settings: Any) -> list[SalesDocument]:
    source = make_source(dsn, **settings)
    try:
        return list(source.read(window(days)))
    finally:
        source.close()


def by_id(docs: list[SalesDocument]) -> dict[str, SalesDocument]:
    return {d.id: d for d in docs}
