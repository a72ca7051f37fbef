"""Where :class:`~.holdings.Holdings` keeps what it learnt: a private temporary SQLite database, not memory.

A run's batched ``getInvoices`` / ``getReceipts`` read returns every document since the oldest order of the
run, and the run adds every document it creates; kept as objects in memory this grew with the size of the
window (about 0.6 KB per document, plus the orders' dates). The store keeps each document as its JSON under
``(kind, order id, document id)``, the orders' dates and which orders were read on their own, and gives them
back by key. Only SQLite's small page cache stays in memory. The database is SQLite's private temporary one
(``sqlite3.connect("")``): a file in the system's temporary folder that SQLite removes when it is closed, and
that no other process can open.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable
from typing import Any

CACHE_KIB = 1024                          # SQLite's page cache: what the store costs in memory
_INT64 = 2 ** 63                          # SQLite's integers are 64-bit

_SCHEMA = """
CREATE TABLE doc (kind TEXT NOT NULL, order_id INTEGER NOT NULL, doc_id INTEGER NOT NULL, body TEXT NOT NULL,
                  PRIMARY KEY (kind, order_id, doc_id)) WITHOUT ROWID;
CREATE TABLE own_read (kind TEXT NOT NULL, order_id INTEGER NOT NULL, PRIMARY KEY (kind, order_id)) WITHOUT ROWID;
CREATE TABLE order_date (order_id INTEGER PRIMARY KEY, date_add INTEGER NOT NULL);
"""


class HeldStore:
    """Documents (as JSON text) by kind and order, order dates, and the (kind, order) pairs read on their own."""

    def __init__(self) -> None:
        self._db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        self._db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; "
                               f"PRAGMA cache_size = -{CACHE_KIB}; PRAGMA temp_store = FILE;" + _SCHEMA)
        self._db.execute("BEGIN")
        self._orders = 0                  # a lower bound of the orders with a date (counted when asked)
        self._closed = False

    def close(self) -> None:
        """Close the database; SQLite removes its file (idempotent)."""
        if not self._closed:
            self._closed = True
            with contextlib.suppress(sqlite3.Error):
                self._db.close()

    # ---------------------------------------------------------------- documents
    def bodies(self, kind: str, order_id: int) -> list[str]:
        """The order's documents of ``kind``, by document id."""
        rows = self._db.execute("SELECT body FROM doc WHERE kind = ? AND order_id = ? ORDER BY doc_id",
                                (kind, order_id))
        return [str(body) for (body,) in rows]

    def body(self, kind: str, order_id: int, doc_id: int) -> str | None:
        row = self._db.execute("SELECT body FROM doc WHERE kind = ? AND order_id = ? AND doc_id = ?",
                               (kind, order_id, doc_id)).fetchone()
        return None if row is None else str(row[0])

    def add(self, kind: str, rows: Iterable[tuple[int, int, str]], *, replace: bool) -> None:
        """Keep ``(order id, document id, body)`` rows; an existing one is kept unless ``replace``."""
        verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
        self._db.executemany(f"{verb} INTO doc (kind, order_id, doc_id, body) VALUES (?, ?, ?, ?)",
                             ((kind, o, d, b) for o, d, b in rows))

    def drop(self, kind: str, order_id: int, doc_id: int | None = None) -> None:
        """Forget one document of the order, or all of them (``doc_id`` None)."""
        if doc_id is None:
            self._db.execute("DELETE FROM doc WHERE kind = ? AND order_id = ?", (kind, order_id))
        else:
            self._db.execute("DELETE FROM doc WHERE kind = ? AND order_id = ? AND doc_id = ?",
                             (kind, order_id, doc_id))

    def count(self) -> int:
        """How many documents the store holds."""
        return int(self._db.execute("SELECT count(*) FROM doc").fetchone()[0])

    # ---------------------------------------------------------------- orders read on their own
    def mark_read(self, kind: str, order_id: int) -> None:
        self._db.execute("INSERT OR IGNORE INTO own_read (kind, order_id) VALUES (?, ?)", (kind, order_id))

    def was_read(self, kind: str, order_id: int) -> bool:
        return self._db.execute("SELECT 1 FROM own_read WHERE kind = ? AND order_id = ?",
                                (kind, order_id)).fetchone() is not None

    # ---------------------------------------------------------------- order dates
    def set_date(self, order_id: int, date_add: int) -> None:
        # an absurd date from the API (beyond SQLite's 64-bit integers) is kept as the farthest one it can hold
        self._db.execute("INSERT OR REPLACE INTO order_date (order_id, date_add) VALUES (?, ?)",
                         (order_id, max(-_INT64, min(_INT64 - 1, date_add))))

    def date(self, order_id: int) -> int | None:
        row = self._db.execute("SELECT date_add FROM order_date WHERE order_id = ?", (order_id,)).fetchone()
        return None if row is None else int(row[0])

    def orders_at_least(self, n: int) -> bool:
        """True when ``n`` or more orders have a date (orders are never removed)."""
        if self._orders < n:
            self._orders = int(self._db.execute("SELECT count(*) FROM (SELECT 1 FROM order_date LIMIT ?)",
                                                (n,)).fetchone()[0])
        return self._orders >= n

    def oldest(self) -> int:
        """The oldest date of the orders seen (0 when none)."""
        row: Any = self._db.execute("SELECT min(date_add) FROM order_date").fetchone()
        return int(row[0] or 0)
