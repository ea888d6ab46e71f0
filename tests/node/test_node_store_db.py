"""Engines: the URLs operators write, the backends gsomia supports, UTC instants only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, event, insert, select
from sqlalchemy.exc import StatementError

from gsomia.errors import UsageError
from gsomia.store.db import make_engine, normalise_url, reader
from gsomia.store.types import UTCDateTime


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://gsomia@db/kor", "postgresql+psycopg://gsomia@db/kor"),
        ("postgres://gsomia@db/kor", "postgresql+psycopg://gsomia@db/kor"),
        ("postgresql+psycopg://gsomia@db/kor", "postgresql+psycopg://gsomia@db/kor"),
        ("sqlite:///node.db", "sqlite:///node.db"),
    ],
)
def test_normalise_url(url: str, expected: str) -> None:
    assert normalise_url(url) == expected


@pytest.mark.parametrize(
    ("url", "problem"),
    [("not a url", "is not valid"), ("mysql://root@db/x", "'mysql' is not supported")],
)
def test_unusable_urls_are_usage_errors(url: str, problem: str) -> None:
    with pytest.raises(UsageError, match=problem) as caught:
        make_engine(url)
    assert caught.value.hint is not None


def test_utc_datetime_stores_instants_and_refuses_naive_times(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    table = Table(
        "t", MetaData(), Column("id", Integer, primary_key=True), Column("at", UTCDateTime)
    )
    table.metadata.create_all(engine)
    seoul = timezone(timedelta(hours=9))
    instant = datetime(2026, 11, 27, 18, 0, tzinfo=seoul)
    with engine.begin() as conn:
        conn.execute(insert(table).values(id=1, at=instant))
        conn.execute(insert(table).values(id=2, at=None))
        with pytest.raises(StatementError, match="naive datetime"):
            conn.execute(insert(table).values(id=3, at=datetime(2026, 11, 27, 9, 0)))
    with engine.connect() as conn:
        stored = dict(conn.execute(select(table.c.id, table.c.at)).all())
    assert stored[1] == instant
    assert stored[1].tzinfo == UTC
    assert stored[2] is None
    engine.dispose()


def _no_waiting(dbapi_connection: Any, _record: Any) -> None:
    # Fail at once instead of waiting 30 s for a lock, so the test shows who holds it.
    dbapi_connection.execute("PRAGMA busy_timeout=0")


def test_sqlite_readers_do_not_block_each_other(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    event.listen(engine, "connect", _no_waiting)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
    try:
        # Readers go through `reader(engine)`, as the node's do; a writer may run beside them.
        with reader(engine).connect() as first, reader(engine).connect() as second:
            assert first.exec_driver_sql("SELECT x FROM t").scalar_one() == 1
            assert second.exec_driver_sql("SELECT x FROM t").scalar_one() == 1
            with engine.begin() as writer:
                writer.exec_driver_sql("INSERT INTO t VALUES (2)")
            assert first.exec_driver_sql("SELECT count(*) FROM t").scalar_one() == 1  # snapshot
    finally:
        engine.dispose()
