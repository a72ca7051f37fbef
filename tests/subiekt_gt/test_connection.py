"""Connection settings and failures: clear messages, exit codes, never a password."""

from __future__ import annotations

import shutil

import pytest
from pydantic import ValidationError

from sellintegro_core.errors import ConfigError, SourceConnectionError
from sellintegro_subiekt_gt.config import SubiektConfig
from sellintegro_subiekt_gt.connection import Database, describe_target

from .conftest import make_source, odbc_dsn, window


def test_missing_demo_file_is_a_connection_error(tmp_path):
    source = make_source("sqlite:///nowhere/demo.sqlite", base_dir=tmp_path)
    with pytest.raises(SourceConnectionError) as info:
        list(source.read(window()))
    assert info.value.exit_code == 3
    assert str(tmp_path / "nowhere" / "demo.sqlite") in str(info.value)
    assert "sellintegro subiekt demo-db" in str(info.value)


def test_relative_sqlite_path_resolves_against_the_scenario_folder(demo, tmp_path):
    shutil.copy(demo.path, tmp_path / "demo.sqlite")
    source = make_source("sqlite:///demo.sqlite", base_dir=tmp_path)
    assert list(source.read(window()))
    source.close()


@pytest.mark.parametrize("dsn", ["sqlite:demo.sqlite", "sqlite://demo.sqlite", "SQLite://demo.sqlite"])
def test_malformed_sqlite_url_is_refused_by_the_settings_and_by_the_connection(tmp_path, dsn):
    with pytest.raises(ValidationError, match="three slashes"):
        make_source(dsn, base_dir=tmp_path)
    with pytest.raises(ConfigError, match="sqlite:///relative/path.sqlite"):
        Database.open(dsn, base_dir=tmp_path)


def test_unknown_odbc_driver_names_the_server_never_the_password():
    odbc_dsn  # the ODBC layer itself must be installed for this test to mean anything  # noqa: B018
    dsn = ("Driver={No Such SQL Driver 99};Server=sql.example.local\\INSERTGT;Database=Nexo_Sklep;"
           "UID=sellintegro_ro;PWD=Sekret!123")
    source = make_source(dsn)
    with pytest.raises(SourceConnectionError) as info:
        list(source.read(window()))
    message = str(info.value)
    assert info.value.exit_code == 3
    assert "sql.example.local\\INSERTGT" in message and "Nexo_Sklep" in message
    assert "Sekret!123" not in message and "Sekret" not in repr(info.value.__dict__)
    assert "installed drivers" in message and "SQLite3" in message


def test_check_reports_an_unreachable_database_in_red(tmp_path):
    items = make_source("sqlite:///missing.sqlite", base_dir=tmp_path).check()
    assert [(i.name, i.ok) for i in items] == [("Subiekt GT reachable", False)]
    assert "missing.sqlite" in items[0].detail


def test_dsn_from_the_environment(monkeypatch, demo):
    monkeypatch.setenv("SUBIEKT_DSN", f"sqlite:///{demo.path}")
    config = SubiektConfig.model_validate({"dsn": {"env": "SUBIEKT_DSN"}})
    assert config.dsn.get_secret_value() == f"sqlite:///{demo.path}"
    assert "sqlite" not in repr(config)       # kept as a secret: never printed
    monkeypatch.delenv("SUBIEKT_DSN")
    with pytest.raises(ValidationError, match="SUBIEKT_DSN"):
        SubiektConfig.model_validate({"dsn": {"env": "SUBIEKT_DSN"}})


def test_describe_target_strips_credentials():
    text = describe_target("DRIVER={ODBC Driver 18 for SQL Server};SERVER=tcp:10.0.0.5,1433;"
                           "DATABASE=Sklep;UID=ro;PWD={p;w=d};Encrypt=yes")
    assert text == "server tcp:10.0.0.5,1433, database Sklep"
    assert describe_target("DSN=SubiektGT;UID=ro;PWD=x") == "ODBC data source SubiektGT"


@pytest.mark.parametrize("backend", ["sqlite", "odbc"])
def test_check_lists_connection_schema_counts_and_matching(demo, tmp_path, backend, monkeypatch):
    from .conftest import NOW

    monkeypatch.setenv("SELLINTEGRO_NOW", NOW.isoformat())
    dsn = f"sqlite:///{demo.path}" if backend == "sqlite" else odbc_dsn(demo.path)
    source = make_source(dsn, match={"pattern": r"^B_(?P<ref>\d+)$"})
    items = {i.name: i for i in source.check()}
    source.close()
    assert all(i.ok for i in items.values()), items
    assert "2026" in items["Subiekt GT schema"].detail
    counts = items["Subiekt GT documents (14 days)"].detail
    assert all(kind in counts for kind in ("FS", "PA", "KFS", "ZW", "FSd"))
    assert " of " in items["Subiekt GT documents matchable"].detail
    wrong = make_source(dsn, match={"field": "tytul", "pattern": r"^X_(?P<ref>\d+)$"})
    matchable = {i.name: i for i in wrong.check()}["Subiekt GT documents matchable"]
    wrong.close()
    assert not matchable.ok and "sellintegro subiekt detect" in matchable.detail
