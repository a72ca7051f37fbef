"""Values as Subiekt GT stores them (pyodbc / sqlite3 types) -> Python values the models use."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

Row = dict[str, Any]
FOUR = Decimal("0.0001")


def dec(value: Any) -> Decimal | None:
    """Any numeric value from pyodbc/sqlite3 (Decimal, float, int, text) -> Decimal with 4 places."""
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        out = value
    elif isinstance(value, float):
        out = Decimal(repr(value))
    else:
        try:
            out = Decimal(str(value).strip().replace(",", "."))
        except InvalidOperation:
            return None
    return out.quantize(FOUR)


def dec0(value: Any) -> Decimal:
    return dec(value) or Decimal("0.0000")


def as_datetime(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    text = str(value).strip().replace("T", " ")
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        try:
            return datetime.strptime(text[:19], "%Y-%m-%d %H:%M:%S")
        except ValueError:
            return None


def as_date(value: Any) -> date | None:
    moment = as_datetime(value)
    return moment.date() if moment else None


def text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def flag(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return value.strip() not in ("", "0", "false", "False")
    return bool(value)


def kind_of(row: Row) -> str | None:
    typ, sub = row.get("dok_Typ"), row.get("dok_Podtyp") or 0
    if typ == 2:
        return "FSd" if sub == 1 else "FS"
    return {6: "KFS", 14: "ZW", 21: "PA", 16: "ZK"}.get(typ) if isinstance(typ, int) else None


def chunks(values: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(values), size):
        yield values[i:i + size]
