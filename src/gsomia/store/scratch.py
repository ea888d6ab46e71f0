"""Whole PostgreSQL databases made and dropped on a server: scratch space for the tests, the
bench and throwaway networks of nodes (`gsomia.devnet`), never for a node's own database."""

from __future__ import annotations

import os
import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def postgres_admin_url_or_none() -> str | None:
    """The PostgreSQL server to test against; None (skip) only outside CI when unreachable.

    CI exports GSOMIA_TEST_POSTGRES; there a missing server is an error, not a skip.
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
