"""URIs built from file paths: a folder may be called ``shop #1%41/`` or ``Sklep Łódź & Co?``.

Never paste a path into a URI: ``#`` starts a fragment, ``?`` a query, ``%41`` is read as ``A``. Build the URI
with :func:`sqlite_uri` (``Path.as_uri`` percent-encodes every such character).
"""

from __future__ import annotations

import os
from pathlib import Path

SQLITE_URL_PREFIX = "sqlite:///"
"""``sqlite:///relative/file.db`` or ``sqlite:////absolute/file.db``: the ledger's and the demo's SQLite URLs."""


def sqlite_path(url: str, base_dir: Path) -> Path | None:
    """The file a ``sqlite:///…`` URL names (``~`` expanded, relative to ``base_dir``); None for another URL."""
    if not url.startswith(SQLITE_URL_PREFIX):
        return None
    path = Path(url[len(SQLITE_URL_PREFIX):]).expanduser()
    return path if path.is_absolute() else base_dir / path


def sqlite_uri(path: str | Path, *, read_only: bool = False) -> str:
    """The ``file:`` URI of a SQLite database file for ``sqlite3.connect(uri, uri=True)``: the path made absolute
    and percent-encoded, ``?mode=ro`` appended for ``read_only``."""
    uri = Path(os.path.abspath(path)).as_uri()
    return f"{uri}?mode=ro" if read_only else uri
