"""The window's documents while they wait for their order: in a temporary SQLite file, not in memory.

A run reads every document of the window first and groups them by the order they reference; the orders are
fetched afterwards, one at a time. Keeping the waiting documents in memory made a run grow with the size of
the window (about 1.2 KB per document even compressed), so they are spilled into a private SQLite file in the
system's temporary folder (``TMPDIR``) and read back by key, one order's documents at a time. Only SQLite's
small page cache stays in memory. The file is removed when the run ends, also when it is stopped (SIGTERM,
exit 4) or fails; a file left by a killed process (SIGKILL) is removed by the next run on this machine.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .models import SalesDocument

Ref = tuple[str, str]                     # (order key, value): ("order_id", "7111139")
PREFIX = "sellintegro-waiting-"
CACHE_KIB = 2048                          # SQLite's page cache: what the store costs in memory
WAITING, PENDING, SETTLED, SEEN = 0, 1, 2, 3

_SCHEMA = """
CREATE TABLE ref (id INTEGER PRIMARY KEY, key TEXT NOT NULL, value TEXT NOT NULL,
                  state INTEGER NOT NULL DEFAULT 0, UNIQUE (key, value));
CREATE TABLE doc (id INTEGER PRIMARY KEY, ref INTEGER NOT NULL, body BLOB NOT NULL);
CREATE INDEX doc_by_ref ON doc (ref, id);
CREATE INDEX ref_by_state ON ref (state, id);
CREATE TABLE fetched (id TEXT PRIMARY KEY) WITHOUT ROWID;
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:          # another user's process, or no permission: assume it lives
        return True
    return True


def remove_stale(folder: Path) -> None:
    """Remove store files left by processes that no longer run (killed with SIGKILL, power loss)."""
    with contextlib.suppress(OSError):
        for path in folder.glob(PREFIX + "*.sqlite"):
            pid = path.name[len(PREFIX):].split("-", 1)[0]
            if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
                with contextlib.suppress(OSError):
                    path.unlink()


class WaitingDocuments:
    """Documents grouped by order reference, on disk; ``with WaitingDocuments() as store:`` removes the file."""

    def __init__(self, folder: str | Path | None = None) -> None:
        self._closed = True
        try:
            self.folder = Path(folder or tempfile.gettempdir())
            remove_stale(self.folder)
            fd, name = tempfile.mkstemp(prefix=f"{PREFIX}{os.getpid()}-", suffix=".sqlite", dir=self.folder)
        except OSError as exc:
            where = folder or os.environ.get("TMPDIR") or "the temporary folder"
            raise ConfigError(
                f"cannot create the run's temporary file in {where} ({exc.strerror or exc}): the window's "
                "documents wait there while the run works. Nothing was run.",
                hint="set TMPDIR to a writable folder with free space (e.g. TMPDIR=/var/tmp), then run again") \
                from None
        os.close(fd)
        self.path = Path(name)
        try:
            self._db = sqlite3.connect(name, isolation_level=None, check_same_thread=False)
            self._db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; "
                                   f"PRAGMA cache_size = -{CACHE_KIB}; PRAGMA temp_store = FILE;" + _SCHEMA)
            self._db.execute("BEGIN")
        except BaseException:
            self.path.unlink(missing_ok=True)
            raise
        self._closed = False

    # ---------------------------------------------------------------- lifetime
    def __enter__(self) -> WaitingDocuments:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Close and remove the file (idempotent)."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(sqlite3.Error):
            self._db.close()
        self.path.unlink(missing_ok=True)

    # ---------------------------------------------------------------- writing
    def add(self, ref: Ref, document: SalesDocument) -> None:
        """Keep ``document`` under ``ref`` (its order reference), after the ones already there."""
        self._db.execute("INSERT OR IGNORE INTO ref (key, value) VALUES (?, ?)", ref)
        ref_id = self._db.execute("SELECT id FROM ref WHERE key = ? AND value = ?", ref).fetchone()[0]
        body = zlib.compress(document.model_dump_json().encode("utf-8"), 1)
        self._db.execute("INSERT INTO doc (ref, body) VALUES (?, ?)", (ref_id, body))

    def set_state(self, refs: list[Ref], state: int) -> None:
        self._db.executemany("UPDATE ref SET state = ? WHERE key = ? AND value = ?",
                             [(state, key, value) for key, value in refs])

    def fetched(self, order_id: str) -> bool:
        """Note that the run got order ``order_id``; True when it had got it before."""
        return self._db.execute("INSERT OR IGNORE INTO fetched (id) VALUES (?)", (order_id,)).rowcount == 0

    # ---------------------------------------------------------------- reading
    def documents(self, ref: Ref) -> list[SalesDocument]:
        """The documents waiting under ``ref``, in the order they were read."""
        rows = self._db.execute("SELECT doc.body FROM doc JOIN ref ON doc.ref = ref.id WHERE ref.key = ? AND "
                                "ref.value = ? ORDER BY doc.id", ref)
        return [SalesDocument.model_validate_json(zlib.decompress(body)) for (body,) in rows]

    def state(self, ref: Ref) -> int | None:
        row = self._db.execute("SELECT state FROM ref WHERE key = ? AND value = ?", ref).fetchone()
        return None if row is None else int(row[0])

    def refs(self, *states: int, chunk: int = 500) -> Iterator[Ref]:
        """The references in ``states`` (all when none), in the order they were first read. Read in chunks,
        so the caller may change states while it iterates."""
        where = f"state IN ({', '.join('?' * len(states))})" if states else "1"
        last_id = 0
        while True:
            rows = self._db.execute(f"SELECT id, key, value FROM ref WHERE {where} AND id > ? ORDER BY id "
                                    f"LIMIT {int(chunk)}", (*states, last_id)).fetchall()
            if not rows:
                return
            last_id = rows[-1][0]
            yield from ((str(k), str(v)) for _, k, v in rows)

    def count(self, *states: int) -> int:
        where = f"state IN ({', '.join('?' * len(states))})" if states else "1"
        return int(self._db.execute(f"SELECT count(*) FROM ref WHERE {where}", states).fetchone()[0])

    def keys(self, *states: int) -> list[str]:
        where = f"state IN ({', '.join('?' * len(states))})" if states else "1"
        return [str(k) for (k,) in self._db.execute(f"SELECT DISTINCT key FROM ref WHERE {where} ORDER BY key",
                                                      states)]


class PendingView:
    """The pending references of a store as the engine uses them: ``ref in pending``, ``pending[ref]`` (the
    documents), ``len``, iteration in reading order. Taking a reference's documents marks it seen."""

    def __init__(self, store: WaitingDocuments) -> None:
        self.store = store

    def __contains__(self, ref: object) -> bool:
        return isinstance(ref, tuple) and self.store.state(ref) in (PENDING, SEEN)

    def __getitem__(self, ref: Ref) -> list[SalesDocument]:
        return self.store.documents(ref)

    def __len__(self) -> int:
        return self.store.count(PENDING, SEEN)

    def __bool__(self) -> bool:
        return len(self) > 0

    def __iter__(self) -> Iterator[Ref]:
        return self.store.refs(PENDING, SEEN)

    def unseen(self) -> Iterator[Ref]:
        """Pending references no fetched order claimed (in reading order)."""
        return self.store.refs(PENDING)


class StateSet:
    """The references of a store in one state as a set: ``ref in view``; ``add`` moves a reference into it."""

    def __init__(self, store: WaitingDocuments, state: int) -> None:
        self.store, self.state = store, state

    def __contains__(self, ref: object) -> bool:
        return isinstance(ref, tuple) and self.store.state(ref) == self.state

    def __iter__(self) -> Iterator[Ref]:
        return self.store.refs(self.state)

    def __len__(self) -> int:
        return self.store.count(self.state)

    def add(self, ref: Ref) -> None:
        self.store.set_state([ref], self.state)
