from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from .pg import Cluster, pg_bin


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    bindir = pg_bin()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed: apt-get install postgresql "
                    "(scripts/install-system-packages does it)")
    pytest.importorskip("psycopg", reason="psycopg 3 is not installed: pip install 'sellintegro[postgresql]'")
    cluster = Cluster(bindir)
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="module")
def pg_url(pg_cluster: Cluster, request: pytest.FixtureRequest) -> str:
    """A fresh database for this test module."""
    name = re.sub(r"[^a-z0-9_]", "_", request.module.__name__.rsplit(".", 1)[-1].lower())[:50]
    return pg_cluster.create_database(name)
