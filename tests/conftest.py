"""Fixtures shared by the whole suite: databases on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def _postgres_admin_url() -> str | None:
    """The PostgreSQL server to test against; None (skip) only outside CI when unreachable.

    CI exports GSOMIA_TEST_POSTGRES; there a missing server is a failure, not a skip.
    """
    configured = os.environ.get("GSOMIA_TEST_POSTGRES")
    url = configured or DEFAULT_POSTGRES
    try:
        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.connect():
            pass
        engine.dispose()
    except Exception:
        if configured:
            raise
        return None
    return url


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    url = _postgres_admin_url()
    if url is None:
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432 (set GSOMIA_TEST_POSTGRES)")
    return url


def fresh_postgres_database(admin_url: str) -> tuple[str, str]:
    """Create an empty database; return its URL and name (for `drop_postgres_database`)."""
    name = f"gsomia_{uuid.uuid4().hex[:12]}"
    engine = create_engine(
        admin_url.replace("postgresql://", "postgresql+psycopg://", 1),
        isolation_level="AUTOCOMMIT",
    )
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return str(make_url(admin_url).set(database=name).render_as_string(False)), name


def drop_postgres_database(admin_url: str, name: str) -> None:
    engine = create_engine(
        admin_url.replace("postgresql://", "postgresql+psycopg://", 1),
        isolation_level="AUTOCOMMIT",
    )
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


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
