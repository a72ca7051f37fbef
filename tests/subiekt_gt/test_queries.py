"""Every statement is a SELECT that SQL Server accepts and that names only real Subiekt GT columns."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

import sellintegro_subiekt_gt
from sellintegro_subiekt_gt import queries as q
from sellintegro_subiekt_gt.connection import Database
from sellintegro_subiekt_gt.demo_db import fixture_ddl
from sellintegro_subiekt_gt.schema import REQUIRED, Schema

from .conftest import DATA

SQLITE_ONLY = {"catalog_sqlite"}
CATALOG = {"catalog_sqlserver", "catalog_sqlite"}
GATED_BY_TABLE = {"ksef_print_data"}
PRE_KSEF_DROPS = ["dok_NumerKSeFId", "dok_DoNumerKSeFId", "dok_NumerKSeF", "dok_DataNumeruKSeF", "dok_DoNumerKSeF",
                  "dok_StatusKSeF", "dok_XmlHashKSeF", "dok_DataWystawieniaKSeF", "dok_FormaDokumentowania",
                  "dok_CzekaNaKSeF", "dok_BladKSeF"]


def published_columns() -> dict[str, set[str]]:
    """table -> columns from the 2026 dump (tests/data/subiekt_gt_2026_columns.md) and the fixture DDL the plugin
    ships."""
    columns_md = DATA / "subiekt_gt_2026_columns.md"
    out: dict[str, set[str]] = {}
    table = None
    for line in columns_md.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            table = line[3:].strip().lower()
            out.setdefault(table, set())
        elif table and line.startswith("- "):
            out[table].add(line[2:].split()[0].lower())
    for match in re.finditer(r"CREATE TABLE (\w+) \((.*?)\n\);", fixture_ddl(), re.S):
        cols = out.setdefault(match.group(1).lower(), set())
        for line in match.group(2).splitlines():
            word = line.strip().split(" ", 1)[0]
            if word and word.upper() not in ("PRIMARY", "FOREIGN", "--") and not word.startswith("--"):
                cols.add(word.lower())
    return out


def full_schema() -> Schema:
    return Schema(tables={t: set(c) for t, c in published_columns().items()})


def referenced(sql: str, dialect: str = "tsql") -> set[tuple[str, str]]:
    tree = sqlglot.parse_one(sql, read=dialect)
    aliases = {t.alias_or_name.lower(): t.name.lower() for t in tree.find_all(exp.Table)}
    out = set()
    for column in tree.find_all(exp.Column):
        qualifier = column.table.lower()
        assert qualifier, f"unqualified column {column.sql()} in {sql}"
        out.add((aliases[qualifier], column.name.lower()))
    return out


@pytest.mark.parametrize("name", sorted(q.all_queries(full_schema())))
def test_statement_parses_as_tsql_select(name):
    sql = q.all_queries(full_schema())[name]
    dialect = "sqlite" if name in SQLITE_ONLY else "tsql"
    statements = sqlglot.parse(sql, read=dialect)
    assert len(statements) == 1 and isinstance(statements[0], exp.Select), sql
    upper = sql.upper()
    for forbidden in (" TOP ", " LIMIT ", "ISNULL(", " + ", "||", "GETDATE", "DBO."):
        assert forbidden not in upper, (name, forbidden)


@pytest.mark.parametrize("name", sorted(set(q.all_queries(full_schema())) - CATALOG))
def test_every_column_exists_in_the_published_schema(name):
    published = published_columns()
    sql = q.all_queries(full_schema())[name]
    for table, column in referenced(sql):
        assert table in published, f"{name}: unknown table {table}"
        assert column in published[table], f"{name}: {table}.{column} is not in the 2026 schema nor the DDL"


def test_older_schema_queries_name_only_columns_that_exist():
    published = published_columns()
    old = {t: set(c) for t, c in published.items() if t not in ("ksef_numerksef", "wy_numerksef")}
    old["dok__dokument"] -= {c.lower() for c in PRE_KSEF_DROPS}
    old["dok_vat"] -= {"vt_wartnettowaluta", "vt_wartvatwaluta", "vt_wartbruttowaluta"}
    schema = Schema(tables=old)
    for name, sql in q.all_queries(schema).items():
        if name in CATALOG:
            continue
        for table, column in referenced(sql):
            if table not in old:            # the reader runs these only when the table exists
                assert name in GATED_BY_TABLE, f"{name} reads {table}, which older databases lack"
                continue
            assert column in old[table], f"{name} still selects {table}.{column} on an older database"


def test_required_columns_are_published():
    published = published_columns()
    for table, columns in REQUIRED.items():
        for column in columns:
            assert column.lower() in published[table.lower()], f"{table}.{column}"


def test_custom_field_slots_are_whitelisted():
    with pytest.raises(ValueError):
        q.custom_field_values(["pwd_Tekst01; DROP TABLE x"], 1, 1)
    assert len(q.CUSTOM_SLOTS) == 60


def test_database_refuses_anything_but_select(tmp_path):
    import sqlite3

    path = tmp_path / "x.sqlite"
    sqlite3.connect(path).close()
    db = Database.open(f"sqlite:///{path}", base_dir=tmp_path)
    for sql in ("DELETE FROM x", "UPDATE x SET a = 1", "INSERT INTO x VALUES (1)", "DROP TABLE x",
                "  exec sp_who", "WITH a AS (SELECT 1) DELETE FROM x"):
        with pytest.raises(RuntimeError):
            db.execute(sql)
    db.close()


def test_reader_code_holds_no_writing_sql():
    """Only the demo generator writes (to its own new file); every other module has SELECT text only."""
    package = Path(sellintegro_subiekt_gt.__file__).parent
    writing = re.compile(r"^\s*(INSERT\s+INTO|UPDATE\s+\S+\s+SET|DELETE\s+FROM|MERGE\s|DROP\s|ALTER\s|CREATE\s|"
                         r"EXEC(UTE)?\s|TRUNCATE\s|GRANT\s)", re.I)
    for module in package.glob("*.py"):
        if module.name == "demo_db.py":
            continue
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert not writing.match(node.value), f"{module.name}: {node.value[:60]!r}"
