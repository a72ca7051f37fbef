"""The ledger file on disk: refuse a damaged one, create a new one atomically.

A missing ledger is a new ledger: the next run adopts what BaseLinker already holds (docs/deployment.md).
A file that exists but is empty (0 bytes), cut short, not SQLite, or not a sellintegro ledger is **never**
taken as a new one: :func:`check_ledger_file` raises a :class:`ConfigError` (exit 2) that says what is wrong
and gives the command that moves the file aside (then the next run adopts) or restores a backup.
"""

from __future__ import annotations

import os
import shlex
import sqlite3
import tempfile
from datetime import datetime
from pathlib import Path

from .errors import ConfigError
from .paths import sqlite_uri

SQLITE_MAGIC = b"SQLite format 3\x00"
REQUIRED_TABLES = frozenset({"scenarios", "runs", "actions", "steps", "state"})


def _aside_command(path: Path) -> str:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    moves = [f"mv {shlex.quote(str(path))} {shlex.quote(f'{path}.damaged-{stamp}')}"]
    for extra in ("-wal", "-shm"):
        side = Path(f"{path}{extra}")
        if side.exists():
            moves.append(f"mv {shlex.quote(str(side))} {shlex.quote(f'{path}.damaged-{stamp}{extra}')}")
    return " && ".join(moves)


def damaged(path: Path, what: str) -> ConfigError:
    """The error for a damaged ledger: what is wrong, and the two ways out."""
    quoted = shlex.quote(str(path))
    return ConfigError(
        f"state.url: the ledger {path} is damaged: {what}. Nothing was run (a damaged ledger is never taken "
        f"for a new one, which could send documents twice). Either restore a backup of it:\n"
        f"    cp /path/to/backup/{path.name} {quoted}\n"
        f"or move it aside, and the next run adopts what BaseLinker already holds (records each document that is "
        f"already there as already_done, creates nothing twice):\n"
        f"    {_aside_command(path)}\n"
        "See docs/troubleshooting.md (\"the ledger is damaged\").")


def check_ledger_file(path: Path) -> None:
    """Raise :func:`damaged` unless ``path`` is missing or a readable sellintegro ledger."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    except OSError:
        return  # unreadable: opening it reports the OS error
    if not path.is_file():
        raise damaged(path, "it is not a regular file")
    if size == 0:
        raise damaged(path, "the file is empty (0 bytes)")
    try:
        with path.open("rb") as fh:
            header = fh.read(100)
    except OSError:
        return
    if not header.startswith(SQLITE_MAGIC):
        raise damaged(path, f"it is not a SQLite database (it starts with {header[:16]!r})")
    if len(header) < 100:
        raise damaged(path, f"the file is cut short ({size} bytes, less than a SQLite header)")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    if header[24:28] == header[92:96] and page_size and size < pages * page_size:
        raise damaged(path, f"the file is cut short ({size} bytes; its header says {pages} pages of {page_size} "
                            f"bytes = {pages * page_size} bytes)")
    try:
        db = sqlite3.connect(sqlite_uri(path, read_only=True), uri=True)
        try:
            verdict = db.execute("PRAGMA quick_check").fetchone()
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        raise damaged(path, f"SQLite cannot read it ({exc})") from None
    if not verdict or verdict[0] != "ok":
        raise damaged(path, f"SQLite's integrity check failed ({verdict[0] if verdict else 'no answer'})")
    missing = REQUIRED_TABLES - tables
    if missing:
        raise damaged(path, "it is a SQLite database but not a sellintegro ledger (no "
                            f"{', '.join(sorted(missing))} table)")


def create_ledger_file(path: Path, schema: str) -> None:
    """Create a new ledger at ``path`` atomically (mode 0600): a crash never leaves a 0-byte file behind."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new", dir=path.parent)
    os.close(fd)
    try:
        os.chmod(tmp, 0o600)
        db = sqlite3.connect(tmp)
        try:
            db.executescript(schema)
            db.commit()
        finally:
            db.close()
        if path.exists():  # another process created it meanwhile: keep theirs
            return
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
