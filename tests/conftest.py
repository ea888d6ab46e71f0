"""Fixtures shared by the whole suite: databases on SQLite and PostgreSQL, and a low-cost KDF."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gsomia.seal import kdf
from gsomia.store.scratch import (
    drop_postgres_database,
    fresh_postgres_database,
    postgres_admin_url_or_none,
)

__all__ = ["drop_postgres_database", "fresh_postgres_database"]

# Key directories made in this process are sealed under scrypt at its lowest accepted cost, so
# the hundreds of homes the suite makes stay fast (ADR 0074). Each directory records its cost,
# so a node process started on it needs nothing; `gsomia init` run as a subprocess, and
# tests/seal/test_seal_kdf.py, pay the production cost.
kdf.COST = kdf.Cost(n=2**10, r=8, p=1)


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    url = postgres_admin_url_or_none()
    if url is None:
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432 (set GSOMIA_TEST_POSTGRES)")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each backend gsomia supports."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'node.db'}"
        return
    admin = request.getfixturevalue("postgres_admin_url")
    url, name = fresh_postgres_database(admin)
    try:
        yield url
    finally:
        drop_postgres_database(admin, name)
