"""`driver_rows.insert`: on SQLite it writes straight to the driver (ADR 0132, issue 17); what it
stores must be what SQLAlchemy's own insert stores, read back the same, on both backends: an
access-log row and an item row (JSON, binary, dates, booleans, NULLs)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, bindparam, select
from sqlalchemy.exc import IntegrityError, OperationalError, StatementError
from tests.node.test_node_store_damaged import _corrupt_table
from tests.store.store_fixtures import KIM

from gsomia.errors import StoreDamaged, UsageError
from gsomia.seal.at_rest import Vault
from gsomia.store import access_log, driver_rows
from gsomia.store.db import make_engine, migrate
from gsomia.store.tables import access_log as table
from gsomia.store.tables import items, users
from gsomia.store.users import add_user

AT = datetime(2026, 12, 3, 17, 25, 53, 973005, tzinfo=UTC)


@pytest.fixture
def peopled(database_url: str) -> Iterator[Engine]:
    """A migrated database holding KIM, whom an item row names as its author."""
    engine = make_engine(database_url)
    migrate(engine)
    with engine.begin() as conn:
        add_user(conn, KIM, AT, Vault(bytes(range(32))))
    yield engine
    engine.dispose()


def _row(subject: str, allowed: bool, index: int | None) -> dict[str, object]:
    return {
        "at": AT,
        "actor": "sato",
        "action": "read:taxii",
        "subject": subject,
        "allowed": allowed,
        "reason": "cleared, a need to know",
        "article": "Art. 7.1 R19",
        "log_index": index,
    }


def _item(item_id: str) -> dict[str, Any]:
    return {
        "id": item_id,
        "originator": "JPN",
        "title": "sealed title",
        "level": "秘",
        "releasable_to": ["KOR", "JPN"],
        "purpose": "missile-warning",
        "precedence": "FLASH",
        "caveats": [],
        "feed": None,
        "media_type": "text/plain",
        "author": KIM.name,
        "state": "draft",
        "released_by": None,
        "content": b"\x00sealed\xff",
        "label": {"sealed": "x", "n": [1, 2]},
        "created_at": AT,
        "released_at": None,
        "data_key": b"wrapped",
    }


def test_rows_added_are_stored_as_sqlalchemys_insert_stores_them(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    rows = [_row("h1", True, 7), _row("h2", False, None)]
    try:
        with engine.begin() as conn:
            access_log.add(conn, rows)
            conn.execute(table.insert(), [{**rows[0], "subject": "h3"}])
            access_log.add(conn, [])
        with engine.connect() as conn:
            found = access_log.about(conn, ["h1", "h2", "h3"], None)
            # As the driver hands it back: SQLite's text, PostgreSQL's instant.
            raw = conn.exec_driver_sql("SELECT subject, at FROM access_log").all()
            stored = {str(subject): at for subject, at in raw}
        assert [{k: r[k] for k in rows[0]} for r in found] == [*rows, {**rows[0], "subject": "h3"}]
        assert stored["h1"] == stored["h3"]  # the same text (SQLite) or instant (PostgreSQL)
        assert found[0]["at"].tzinfo is not None
    finally:
        engine.dispose()


def test_an_item_row_is_stored_as_sqlalchemys_insert_stores_it(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    columns = list(_item("x"))
    try:
        with engine.begin() as conn:
            add_user(conn, KIM, AT, Vault(bytes(range(32))))
            driver_rows.insert(conn, items, [_item("JPN-1"), _item("JPN-2")])
            conn.execute(items.insert(), [_item("JPN-3")])
        with engine.connect() as conn:
            found = {
                row.id: row._mapping for row in conn.execute(select(*(items.c[c] for c in columns)))
            }
            sql = f"SELECT id, {', '.join(columns[1:])} FROM items ORDER BY id"
            raw = [tuple(r)[1:] for r in conn.exec_driver_sql(sql).all()]
        assert {k: found["JPN-1"][k] for k in columns} == _item("JPN-1")
        assert {k: found["JPN-2"][k] for k in columns} == _item("JPN-2")
        assert raw[0] == raw[1] == raw[2]  # byte for byte what SQLAlchemy's own insert wrote
    finally:
        engine.dispose()


def test_a_default_computed_in_python_goes_through_sqlalchemy(database_url: str) -> None:
    engine = make_engine(database_url)
    counted = Table(
        "counted",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("name", String(10)),
        Column("kind", String(10), default=lambda: "python"),
    )
    counted.create(engine)
    try:
        with engine.begin() as conn:
            driver_rows.insert(conn, counted, [{"id": 1, "name": "a"}])
            driver_rows.insert(conn, counted, [{"id": 2, "name": "b", "kind": "given"}])
        with engine.connect() as conn:
            kinds = dict(conn.execute(select(counted.c.id, counted.c.kind)).all())
        assert kinds == {1: "python", 2: "given"}
    finally:
        engine.dispose()


def test_a_row_the_driver_refuses_raises_as_sqlalchemy_raises_and_changes_nothing(
    peopled: Engine,
) -> None:
    engine = peopled
    with engine.begin() as conn:
        driver_rows.insert(conn, items, [_item("JPN-1")])
    with pytest.raises(IntegrityError), engine.begin() as conn:
        driver_rows.insert(conn, items, [_item("JPN-1")])  # the same id again
    with engine.begin() as conn:
        with pytest.raises(IntegrityError):
            driver_rows.insert(conn, items, [{**_item("JPN-2"), "author": "nobody"}])
        if conn.dialect.name == "sqlite":  # PostgreSQL aborts the whole transaction
            driver_rows.insert(conn, items, [_item("JPN-3")])  # SQLite's goes on
    with engine.connect() as conn:
        kept = set(conn.execute(select(items.c.id)).scalars())
    assert kept == ({"JPN-1", "JPN-3"} if engine.dialect.name == "sqlite" else {"JPN-1"})


_TITLE = driver_rows.Straight(
    select(items.c.title).where(items.c.id == bindparam("id"), items.c.originator == "JPN")
)


def test_a_straight_select_takes_its_literals_and_begins_as_sqlalchemy_would(
    peopled: Engine,
) -> None:
    engine = peopled
    with engine.begin() as conn:
        driver_rows.insert(conn, items, [_item("JPN-1"), {**_item("KOR-1"), "originator": "KOR"}])
    with engine.connect() as conn:
        assert _TITLE.rows(conn, {"id": "JPN-1"}) == [("sealed title",)]
        assert conn.in_transaction()  # begun: what it reads next is the same snapshot
        assert _TITLE.rows(conn, {"id": "KOR-1"}) == []  # the literal "JPN" is kept


_HELD = driver_rows.Straight(
    select(items, users.c.nationality, users.c.created_at)
    .join(users, users.c.name == items.c.author)
    .where(items.c.id == bindparam("id"))
)


def test_what_a_straight_select_reads_is_what_sqlalchemy_reads(peopled: Engine) -> None:
    """Dates, JSON, booleans and bytes come back converted, as SQLAlchemy's own read gives
    them; a mapping has each value under its column and under the name SQLAlchemy's mapping
    gives it (the second of two columns of one name labelled apart)."""
    engine = peopled
    with engine.begin() as conn:
        driver_rows.insert(conn, items, [_item("JPN-1")])
    with engine.connect() as conn:
        [ours] = _HELD.mappings(conn, {"id": "JPN-1"})
        [theirs] = conn.execute(_HELD.statement, {"id": "JPN-1"}).mappings().all()
        assert _HELD.rows(conn, {"id": "JPN-1"}) == [
            tuple(r) for r in conn.execute(_HELD.statement, {"id": "JPN-1"})
        ]
    for column in (*items.c, users.c.nationality, users.c.created_at):
        assert ours[column] == theirs[column], column
    assert ours["label"] == {"sealed": "x", "n": [1, 2]}
    assert ours[items.c.created_at] == AT
    assert ours["nationality"] == KIM.nationality
    assert {k: v for k, v in ours.items() if isinstance(k, str)} == dict(theirs)
    assert ours["created_at_1"] == AT  # the person's, labelled apart as SQLAlchemy does


def test_a_damaged_page_read_straight_is_named_as_sqlalchemys_read_names_it(
    tmp_path: Path,
) -> None:
    """The driver's own error is not what is raised: the statement is run again through
    SQLAlchemy, whose engine handler names the damage (`StoreDamaged`, exit 74, HTTP 500)."""
    database = tmp_path / "node.db"
    engine = make_engine(f"sqlite:///{database}")
    migrate(engine)
    with engine.begin() as conn:
        add_user(conn, KIM, AT, Vault(bytes(range(32))))
        driver_rows.insert(conn, items, [_item(f"JPN-{n}") for n in range(50)])
    engine.dispose()
    with closing(sqlite3.connect(database)) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    _corrupt_table(database, "items")
    engine = make_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as conn, pytest.raises(StoreDamaged, match="damaged"):
            _TITLE.rows(conn, {"id": "JPN-7"})
        with engine.connect() as conn:
            conn.begin()
            with pytest.raises(StoreDamaged, match="damaged"):
                driver_rows.insert(conn, items, [_item("JPN-99")])
    finally:
        engine.dispose()


def test_a_row_refused_for_a_full_disk_is_not_run_again_outside_its_transaction(
    tmp_path: Path,
) -> None:
    """SQLite ends the whole transaction on a full disk (and an I/O error, an interrupt): the
    row run again would commit on its own, and the transaction's earlier writes be gone (found
    by the attack on ADR 0155). It is raised, and nothing of the transaction is kept."""
    engine = make_engine(f"sqlite:///{tmp_path / 'n.db'}")
    migrate(engine)
    row = {**_row("x" * 50_000, True, None)}
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE published (v BLOB)")  # stands for the items
        with engine.connect() as conn:
            pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
            conn.exec_driver_sql(f"PRAGMA max_page_count = {pages + 40}")  # a disk near full
            conn.commit()
            conn.begin()
            conn.exec_driver_sql("INSERT INTO published VALUES (?)", (b"d" * 100_000,))
            with pytest.raises(OperationalError, match="full"):
                access_log.add(conn, [row])
            conn.rollback()  # as the caller's `engine.begin()` would
            published = conn.exec_driver_sql("SELECT count(*) FROM published").scalar_one()
            logged = conn.exec_driver_sql("SELECT count(*) FROM access_log").scalar_one()
        assert (published, logged) == (0, 0)
    finally:
        engine.dispose()


def test_a_parameter_not_given_is_refused_not_read_as_null(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                with pytest.raises(UsageError, match="id: a parameter"):
                    _TITLE.rows(conn, {"di": "JPN-1"})
            else:  # SQLAlchemy's own refusal
                with pytest.raises(StatementError):
                    _TITLE.rows(conn, {"di": "JPN-1"})
    finally:
        engine.dispose()
