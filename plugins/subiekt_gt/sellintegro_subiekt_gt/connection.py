"""Read-only database access: an ODBC connection string through pyodbc, or ``sqlite:///file`` (demo).

Only SELECT statements pass :meth:`Database.execute`. pyodbc is imported only for ODBC connection strings, so
the demo works on a machine without unixODBC.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sellintegro_core.api import AuthError, ConfigError, SourceConnectionError, sqlite_path, sqlite_uri

from .config import SQLITE_PREFIX, dsn_problem

Row = dict[str, Any]


def parse_odbc(dsn: str) -> dict[str, str]:
    """``Key=Value;...`` -> lower-cased keys (values kept; ``{...}`` braces removed)."""
    out: dict[str, str] = {}
    for part in re.findall(r"([^;=]+)=(\{[^}]*\}|[^;]*)", dsn):
        key, value = part[0].strip().lower(), part[1].strip()
        if value.startswith("{") and value.endswith("}"):
            value = value[1:-1]
        out[key] = value
    return out


def describe_target(dsn: str) -> str:
    """Where a connection string points, without credentials: ``server X, database Y``."""
    if dsn.startswith(SQLITE_PREFIX):
        return f"SQLite file {dsn[len(SQLITE_PREFIX):]}"
    parts = parse_odbc(dsn)
    bits = []
    server = parts.get("server") or parts.get("servername") or parts.get("address") or parts.get("host")
    if server:
        bits.append(f"server {server}")
    if parts.get("dsn"):
        bits.append(f"ODBC data source {parts['dsn']}")
    database = parts.get("database") or parts.get("initial catalog")
    if database:
        bits.append(f"database {database}")
    if not bits and parts.get("driver"):
        bits.append(f"driver {parts['driver']}")
    return ", ".join(bits) or "the configured ODBC data source"


def _scrub(text: str, dsn: str) -> str:
    """Remove any password value from a driver message (drivers rarely echo it, but never risk it)."""
    parts = parse_odbc(dsn)
    for key in ("pwd", "password"):
        secret = parts.get(key)
        if secret:
            text = text.replace(secret, "***")
    return text


class Database:
    """A read-only connection. ``sqlite`` is True when the DBMS is SQLite (stdlib or the SQLite ODBC driver):
    dates are then passed as ISO text, the way they are stored."""

    def __init__(self, connection: Any, *, kind: str, sqlite: bool, target: str, dbms: str = "") -> None:
        self.connection = connection
        self.kind = kind            # "odbc" | "sqlite"
        self.sqlite = sqlite
        self.target = target
        self.dbms = dbms

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(cls, dsn: str, *, base_dir: Path, timeout: int = 15, encoding: str | None = None) -> Database:
        dsn = dsn.strip()
        problem = dsn_problem(dsn)
        if problem:
            raise ConfigError(f"source.dsn {problem}")
        if dsn.startswith(SQLITE_PREFIX):
            return cls._open_sqlite(dsn, base_dir)
        return cls._open_odbc(dsn, timeout=timeout, encoding=encoding)

    @classmethod
    def _open_sqlite(cls, dsn: str, base_dir: Path) -> Database:
        path = sqlite_path(dsn, base_dir)
        assert path is not None   # the caller checked the prefix
        if not path.is_file():
            raise SourceConnectionError(f"Subiekt GT demo database {path} does not exist; create it with "
                                        f"`sellintegro subiekt demo-db {path}` or fix source.dsn")
        try:
            con = sqlite3.connect(sqlite_uri(path, read_only=True), uri=True, check_same_thread=False)
            con.execute("SELECT 1").fetchone()
        except sqlite3.Error as exc:
            raise SourceConnectionError(f"cannot open the SQLite database {path}: {exc}") from None
        return cls(con, kind="sqlite", sqlite=True, target=f"SQLite file {path}", dbms="SQLite")

    @classmethod
    def _open_odbc(cls, dsn: str, *, timeout: int, encoding: str | None) -> Database:
        target = describe_target(dsn)
        try:
            import pyodbc
        except ImportError as exc:  # pragma: no cover - depends on the machine
            raise SourceConnectionError(
                f"cannot use ODBC to reach {target}: pyodbc does not load ({exc}). Install unixODBC "
                "(Linux: apt install unixodbc) and `pip install pyodbc`") from None
        try:
            con = pyodbc.connect(dsn, autocommit=True, timeout=timeout)
        except pyodbc.Error as exc:
            state = exc.args[0] if exc.args else ""
            message = _scrub(str(exc.args[1] if len(exc.args) > 1 else exc), dsn)
            if state == "28000":
                raise AuthError(f"Subiekt GT database ({target}) refused the login: check UID/PWD of the "
                                f"read-only SQL login. Driver said: {message}") from None
            if state == "IM002" or "can't open lib" in message.lower() or "data source name not found" in \
                    message.lower():
                drivers = ", ".join(pyodbc.drivers()) or "none"
                raise SourceConnectionError(
                    f"cannot connect to Subiekt GT database ({target}): the ODBC driver or data source named in "
                    f"source.dsn is not installed (installed drivers: {drivers}). Driver said: {message}") from None
            raise SourceConnectionError(f"cannot connect to Subiekt GT database ({target}): {message}") from None
        if encoding:
            con.setdecoding(pyodbc.SQL_CHAR, encoding=encoding)
        try:
            dbms = str(con.getinfo(pyodbc.SQL_DBMS_NAME) or "")
        except pyodbc.Error:  # pragma: no cover - every driver answers SQL_DBMS_NAME
            dbms = ""
        return cls(con, kind="odbc", sqlite="sqlite" in dbms.lower(), target=target, dbms=dbms)

    # ------------------------------------------------------------------ reading

    def param(self, value: Any) -> Any:
        """Adapt a parameter: datetimes become ISO text on SQLite (stored as text there)."""
        if isinstance(value, datetime) and self.sqlite:
            return value.strftime("%Y-%m-%d %H:%M:%S")
        return value

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        if not sql.lstrip().upper().startswith("SELECT"):
            raise RuntimeError("the Subiekt GT source only runs SELECT statements")
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql, [self.param(p) for p in params])
        except Exception as exc:
            cursor.close()
            raise self._error(exc) from None
        return cursor

    def _error(self, exc: Exception) -> Exception:
        from sellintegro_core.api import SellintegroError

        if isinstance(exc, SellintegroError):
            return exc
        text = str(exc)
        if self.kind == "odbc" and len(getattr(exc, "args", ())) > 1:
            text = str(exc.args[1])
            if str(exc.args[0]).startswith("08"):
                return SourceConnectionError(f"lost the connection to Subiekt GT database ({self.target}): {text}")
        return SourceConnectionError(f"query on Subiekt GT database ({self.target}) failed: {text}")

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        cursor = self.execute(sql, params)
        try:
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            cursor.close()

    def page(self, sql: str, params: Sequence[Any], size: int) -> list[Row]:
        """The first ``size`` rows (keyset paging: the caller passes the last id it saw)."""
        cursor = self.execute(sql, params)
        try:
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchmany(size)]
        finally:
            cursor.close()

    def iter_rows(self, sql: str, params: Sequence[Any], size: int = 500) -> Iterator[Row]:
        cursor = self.execute(sql, params)
        try:
            names = [d[0] for d in cursor.description]
            while True:
                chunk = cursor.fetchmany(size)
                if not chunk:
                    return
                for row in chunk:
                    yield dict(zip(names, row, strict=True))
        finally:
            cursor.close()

    def close(self) -> None:
        try:
            self.connection.close()
        except Exception:  # noqa: BLE001 - closing twice or a dropped link must not hide the real error
            pass
