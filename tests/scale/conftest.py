from __future__ import annotations

import os
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
    if os.geteuid() == 0:
        import pwd

        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root, and there is no 'postgres' user to run the PostgreSQL server as "
                        "(apt-get install postgresql creates it)")
    cluster = Cluster(bindir)
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="module")
def pg_url(pg_cluster: Cluster, request: pytest.FixtureRequest) -> str:
    """A fresh database for this test module."""
    name = re.sub(r"[^a-z0-9_]", "_", request.module.__name__.rsplit(".", 1)[-1].lower())[:50]
    return pg_cluster.create_database(name)
