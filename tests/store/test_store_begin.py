"""SQLite's BEGIN goes straight to the driver (ADR 0145), and a BEGIN that fails is still
raised as SQLAlchemy raises it: the engine's handlers and callers see what they saw before."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import exc, literal, select

from gsomia.store.db import make_engine, reader


def test_a_writer_takes_the_lock_and_a_reader_does_not(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db'}")
    with engine.begin() as conn:
        conn.execute(select(literal(1)))
        driver = conn.connection.driver_connection
        assert driver is not None
        assert driver.in_transaction
        other = sqlite3.connect(tmp_path / "db", timeout=0)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")  # the writer holds the lock
        other.close()
    with reader(engine).connect() as conn:
        conn.execute(select(literal(1)))
        other = sqlite3.connect(tmp_path / "db", timeout=0)
        other.execute("BEGIN IMMEDIATE")  # a reader leaves the lock free
        other.rollback()
        other.close()
    engine.dispose()


def test_a_begin_that_fails_is_raised_through_sqlalchemy(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db'}")
    with engine.connect():  # the file made and in WAL mode, its connection pooled
        pass
    holder = sqlite3.connect(tmp_path / "db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with engine.connect() as conn:
            driver = conn.connection.driver_connection
            assert driver is not None
            driver.execute("PRAGMA busy_timeout=0")  # busy at once, not after 30 s
            with pytest.raises(exc.OperationalError, match="locked"):
                conn.execute(select(literal(1)))  # autobegins: BEGIN IMMEDIATE
    finally:
        holder.rollback()
        holder.close()
        engine.dispose()
