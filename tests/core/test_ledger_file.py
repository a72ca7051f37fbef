"""A damaged ledger is never taken for a new one (issue 11): exit 2, what is wrong, and the way out.

A missing ledger is new (the next run adopts what BaseLinker holds); a 0-byte, cut-short, non-SQLite or
foreign SQLite file stops every command that opens it before anything else happens, naming the problem and
printing the command that moves the file aside or restores a backup. A new ledger is created atomically.
"""

from __future__ import annotations

import os
import shlex
import sqlite3
import subprocess
from pathlib import Path

import pytest

from sellintegro_core.errors import EXIT_CONFIG, ConfigError
from sellintegro_core.ledger import SqliteLedger
from tests.conftest import run_cli


def _ledger(path: Path) -> Path:
    store = SqliteLedger(path)
    for i in range(300):                                   # a few pages
        store.set_state("shop", f"key-{i}", {"value": "x" * 200})
    store.close()
    return path


def _damage(path: Path, how: str) -> str:
    if how == "empty":
        path.write_bytes(b"")
        return "empty (0 bytes)"
    if how == "cut_short":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
        return "cut short"
    if how == "garbage":
        path.write_bytes(b"\x00\x01 not a database " * 64)
        return "not a SQLite database"
    path.unlink()
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE invoices (id INTEGER)")
    db.commit()
    db.close()
    return "not a sellintegro ledger"


@pytest.mark.parametrize("how", ["empty", "cut_short", "garbage", "foreign"])
def test_damaged_ledger_is_refused_with_the_way_out(tmp_path: Path, how: str) -> None:
    path = _ledger(tmp_path / "state.db")
    what = _damage(path, how)
    before = path.read_bytes()
    with pytest.raises(ConfigError) as info:
        SqliteLedger(path)
    message = info.value.message
    assert info.value.exit_code == EXIT_CONFIG
    assert str(path) in message and what in message, message
    assert "cp " in message and "mv " in message
    assert path.read_bytes() == before, "the damaged file must be left as it is"
    with pytest.raises(ConfigError):
        SqliteLedger(path, read_only=True)
    # the printed command moves it aside; then a new ledger is created (and adopts on the next run)
    command = next(line.strip() for line in message.splitlines() if line.strip().startswith("mv "))
    subprocess.run(shlex.split(command.split(" && ")[0]), check=True)
    assert not path.exists()
    SqliteLedger(path).close()
    assert path.stat().st_size > 0


def test_a_missing_ledger_is_new_and_created_whole(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "state.db"
    store = SqliteLedger(path)
    store.close()
    assert path.stat().st_size > 0 and oct(path.stat().st_mode & 0o777) == "0o600"
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".new")]
    SqliteLedger(path).close()                              # and it opens again


def test_cli_run_and_check_on_a_truncated_ledger(tmp_path: Path) -> None:
    scenario = tmp_path / "shop.toml"
    scenario.write_text(
        'name = "shop"\n[state]\nurl = "sqlite:///state.db"\n'
        '[source]\nplugin = "subiekt_gt"\ndsn = "sqlite:///missing.sqlite"\n'
        '[sink]\nplugin = "baselinker"\ntoken = { env = "NO_SUCH_TOKEN_VAR_X" }\nurl = "http://127.0.0.1:9/connector.php"\n'
        'invoice_series = "Subiekt"\n[rule]\nplugin = "invoice_pdf"\n', encoding="utf-8")
    (tmp_path / "state.db").write_bytes(b"")
    result = run_cli("run", str(scenario), env={"NO_SUCH_TOKEN_VAR_X": "t"})
    assert result.returncode == 2, result.stdout + result.stderr
    assert "state.db is damaged: the file is empty (0 bytes)" in result.stderr
    assert "mv " in result.stderr
    assert os.path.getsize(tmp_path / "state.db") == 0
    checked = run_cli("check", str(scenario), env={"NO_SUCH_TOKEN_VAR_X": "t"})
    assert "damaged" in checked.stdout + checked.stderr
