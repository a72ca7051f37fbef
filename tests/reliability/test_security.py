"""Security: the Subiekt source only reads; the token and the DSN password never leak; the ledger is private.

The static check that every SQL text of the Subiekt plugin is a SELECT lives in tests/subiekt_gt/test_queries.py
(``test_statement_parses_as_tsql_select``, ``test_reader_code_holds_no_writing_sql``,
``test_database_refuses_anything_but_select``); this module adds what those do not cover: no module runs SQL
except through ``Database.execute`` (which refuses non-SELECT text), a full read of the demo database under a
SQLite authorizer that allows reading only, and an ODBC read that leaves the database file byte-identical.
"""

from __future__ import annotations

import ast
import hashlib
import os
import sqlite3
import stat
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import sellintegro_subiekt_gt

from .stack import (
    NOW,
    TOKEN,
    Demo,
    cli_env,
    emulator_seed,
    full_scenario,
    iter_text_files,
    run_cli,
    snapshot,
    write_scenario,
)

PACKAGE = Path(sellintegro_subiekt_gt.__file__).parent
SQL_CALLS = {"execute", "executemany", "executescript", "cursor"}
PASSWORD = "Pwd-7c1e9d-odbc-SECRET"


# ------------------------------------------------------------------------------------------------ SELECT only


def test_only_database_execute_runs_sql() -> None:
    """Outside the demo generator, SQL reaches a driver only in ``Database.execute`` (after its SELECT check) and
    in the ``SELECT 1`` that probes a new SQLite connection."""
    found = []
    for module in sorted(PACKAGE.glob("*.py")):
        if module.name == "demo_db.py":          # writes its own new demo file, never a user's database
            continue
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for func in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]:
            for node in ast.walk(func):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                        node.func.attr in SQL_CALLS:
                    receiver = ast.unparse(node.func.value)
                    first = node.args[0] if node.args else None
                    literal = first.value if isinstance(first, ast.Constant) else None
                    found.append((module.name, func.name, receiver, node.func.attr, literal))
    allowed = {("connection.py", "_open_sqlite", "con", "execute", "SELECT 1"),
               ("connection.py", "execute", "self.connection", "cursor", None),
               ("connection.py", "execute", "cursor", "execute", None),
               ("connection.py", "rows", "self", "execute", None),
               ("connection.py", "page", "self", "execute", None),
               ("connection.py", "iter_rows", "self", "execute", None)}
    unexpected = [f for f in found if f not in allowed]
    assert not unexpected, f"SQL run outside Database.execute: {unexpected}"


def test_database_execute_checks_select_before_the_driver_sees_the_text() -> None:
    source = (PACKAGE / "connection.py").read_text(encoding="utf-8")
    execute = next(n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef) and n.name == "execute")
    body = ast.unparse(execute)
    check = body.replace("'", '"').index('startswith("SELECT")')
    assert check < body.index("cursor.execute("), body


@pytest.fixture
def demo_copy(demo: Demo, tmp_path: Path) -> Path:
    return demo.copy_to(tmp_path / "db")


def _read_everything(dsn: str, base_dir: Path) -> int:
    from sellintegro_core.components import ComponentContext
    from sellintegro_core.models import Window
    from sellintegro_subiekt_gt.config import SubiektConfig
    from sellintegro_subiekt_gt.reader import SubiektSource

    config = SubiektConfig.model_validate({"dsn": dsn, "document_types": ["FS", "PA", "KFS", "ZW", "FSd"],
                                           "include_drafts": True,
                                           "match": {"field": "numer_oryginalny", "pattern": r"^B_(?P<ref>\d+)$"}})
    source = SubiektSource(config, ComponentContext(scenario="security", base_dir=base_dir))
    try:
        return len(list(source.read(Window(start=NOW - timedelta(days=60), end=NOW, timezone="Europe/Warsaw"))))
    finally:
        source.close()


def test_reading_the_demo_database_only_reads(demo_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full read under a SQLite authorizer that denies anything but reading (and records every action)."""
    allowed = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE}
    actions: list[tuple[int, Any, Any]] = []
    real_connect = sqlite3.connect
    before = hashlib.sha256(demo_copy.read_bytes()).hexdigest()

    def permitted(action: int, arg1: Any, arg2: Any) -> bool:
        if action in allowed:
            return True
        if action == sqlite3.SQLITE_PRAGMA:          # the catalogue query's pragma_table_info (read-only)
            return arg1 == "table_info"
        # SQLite reports its own first read of the schema (behind pragma_table_info) as an "update" of
        # sqlite_master columns; it is no statement of ours, and the connection is read-only (mode=ro)
        return action == sqlite3.SQLITE_UPDATE and arg1 == "sqlite_master"

    def authorizer(action: int, arg1: Any, arg2: Any, db: Any, trigger: Any) -> int:
        actions.append((action, arg1, arg2))
        return sqlite3.SQLITE_OK if permitted(action, arg1, arg2) else sqlite3.SQLITE_DENY

    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        con = real_connect(*args, **kwargs)
        con.set_authorizer(authorizer)
        return con

    monkeypatch.setattr(sqlite3, "connect", connect)
    assert _read_everything(f"sqlite:///{demo_copy}", demo_copy.parent) > 10
    assert actions, "the authorizer saw nothing: the read did not go through sqlite3.connect"
    refused = sorted({(a, x, y) for a, x, y in actions if not permitted(a, x, y)}, key=str)
    assert not refused, refused
    assert hashlib.sha256(demo_copy.read_bytes()).hexdigest() == before


def test_reading_through_odbc_leaves_the_database_unchanged(demo_copy: Path) -> None:
    import pyodbc

    assert "SQLite3" in pyodbc.drivers(), "CI installs unixodbc + libsqliteodbc"
    before = hashlib.sha256(demo_copy.read_bytes()).hexdigest()
    mtime = demo_copy.stat().st_mtime_ns
    assert _read_everything(f"Driver=SQLite3;Database={demo_copy}", demo_copy.parent) > 10
    assert hashlib.sha256(demo_copy.read_bytes()).hexdigest() == before
    assert demo_copy.stat().st_mtime_ns == mtime
    assert not [p for p in demo_copy.parent.iterdir() if p.name.endswith(("-journal", "-wal"))]


# ------------------------------------------------------------------------------------------------ secrets


@pytest.fixture
def secret_stack(demo: Demo, tmp_path: Path) -> Any:
    """A full scenario whose token and ODBC password are distinctive; the emulator writes its call log."""
    from sellintegro_baselinker_emulator import Emulator, serve

    folder = tmp_path / "secret"
    db = demo.copy_to(folder)
    emulator = Emulator(token=TOKEN, seed=emulator_seed(demo.sidecar), log_path=folder / "emulator-calls.jsonl")
    with serve(emulator) as server:
        data = full_scenario(server.url, fast=False)
        data["source"]["dsn"] = {"env": "RELIABILITY_SUBIEKT_DSN"}
        scenario = write_scenario(folder, data)
        env = cli_env(RELIABILITY_SUBIEKT_DSN=f"Driver=SQLite3;Database={db};UID=sellintegro;PWD={PASSWORD}")
        yield folder, scenario, env, emulator


def _assert_no_secret(where: str, text: str | bytes) -> None:
    data = text.encode("utf-8") if isinstance(text, str) else text
    for secret in (TOKEN, PASSWORD):
        raw = secret.encode()
        assert raw not in data, f"{secret!r} leaked into {where}"
        assert raw.hex().encode() not in data, f"{secret!r} (hex) leaked into {where}"
        assert secret.encode("utf-16-le") not in data, f"{secret!r} (UTF-16) leaked into {where}"


def test_token_and_password_never_appear(secret_stack: Any) -> None:
    folder, scenario, env, emulator = secret_stack
    outputs = []
    # error paths first (while there is still work, so the run has to reach BaseLinker and the database)
    wrong = run_cli("run", str(scenario), env={**env, "SELLINTEGRO_RELIABILITY_TOKEN": TOKEN + "-x"}, cwd=folder)
    assert wrong.returncode == 3, wrong.stdout + wrong.stderr
    outputs.append(("run with a wrong token", wrong.stdout + wrong.stderr))
    broken_env = {**env, "RELIABILITY_SUBIEKT_DSN": f"Driver=NoSuchDriver;Server=sql.invalid;PWD={PASSWORD}"}
    for args in (["run", str(scenario)], ["--debug", "run", str(scenario)], ["check", str(scenario)]):
        broken = run_cli(*args, env=broken_env, cwd=folder)
        assert broken.returncode in (1, 3), broken.stderr
        outputs.append((" ".join(args) + " with a broken DSN", broken.stdout + broken.stderr))
    for args in (["validate", str(scenario)], ["plan", str(scenario), "--json"], ["run", str(scenario), "--json"],
                 ["run", str(scenario)], ["history", str(scenario)], ["history", str(scenario), "--json"],
                 ["check", str(scenario)], ["check", str(scenario), "--json"]):
        result = run_cli(*args, env=env, cwd=folder)
        assert "Traceback" not in result.stdout + result.stderr, (args, result.stderr)
        outputs.append((" ".join(args[:1] + args[2:]), result.stdout + result.stderr))
    assert snapshot(emulator).attached, "the run attached nothing: the secrets were not exercised"
    for where, text in outputs:
        _assert_no_secret(f"the output of `sellintegro {where}`", text)
    # every file the runs left behind: ledger (+ WAL), lock, PDFs, the emulator's call log...
    files = [p for p in iter_text_files(folder) if p.name != "subiekt.sqlite"]
    assert any(p.name == "ledger.db" for p in files)
    for path in files:
        _assert_no_secret(str(path.relative_to(folder)), path.read_bytes())


def test_ledger_is_created_private_whatever_the_umask(secret_stack: Any) -> None:
    folder, scenario, env, _ = secret_stack
    script = ("import os, sys; os.umask(0); from sellintegro_core import cli; "
              "sys.exit(cli.main(['run', sys.argv[1]]))")
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", script, str(scenario)], env=env, cwd=folder, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode in (0, 1), result.stderr
    state = folder / "state"
    ledger = state / "ledger.db"
    assert stat.S_IMODE(ledger.stat().st_mode) == 0o600
    for extra in ("-wal", "-shm"):
        side = Path(str(ledger) + extra)
        if side.exists():
            assert stat.S_IMODE(side.stat().st_mode) == 0o600, side
    assert stat.S_IMODE(os.stat(state).st_mode) & 0o002 == 0, "the state folder is world-writable"
