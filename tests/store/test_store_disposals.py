"""A copy put back from before its disposal, and the rows migration 0029 records as disposed
(ADR 0139); holdings are in test_store_holdings.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, select, text, update
from tests.store.store_fixtures import NOW, holding

from gsomia.errors import StoreDamaged
from gsomia.seal.at_rest import Vault
from gsomia.store import copies, disposals, holdings
from gsomia.store.db import alembic_config, make_engine, migrate
from gsomia.store.tables import copies as copies_table
from gsomia.store.tables import disposals as disposals_table

VAULT = Vault(bytes(range(32)))


def _copy(conn: Connection, copy_id: str, number: int) -> None:
    copies.insert(
        conn,
        copy_id=copy_id,
        kind="copy",
        item_id="KOR-1",
        holding_id="h1",
        number=number,
        level="極秘",
        label={},
        details={},
        content=b"sealed",
        made_by="officer",
        made_at=NOW,
        vault=VAULT,  # sealed and counted in h1's terms (ADR 0140)
    )


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate(engine)
    with engine.begin() as conn:
        holdings.add_all(conn, [holding("h1", "KOR-1")], VAULT)
        _copy(conn, "c1", 1)
        _copy(conn, "c2", 2)
    yield engine
    engine.dispose()


@pytest.mark.parametrize("state", ["destroyed", "returned"])
def test_a_disposed_copys_row_put_back_whole_from_before_is_damage(
    engine: Engine, state: str
) -> None:
    """An insider who kept c1's row from before its disposal writes it back whole: every read
    of copies refuses it, naming it; c2 still reads alone, and c1 is never disposed of twice."""
    with engine.connect() as conn:
        before = dict(
            conn.execute(select(copies_table).where(copies_table.c.id == "c1")).one()._mapping
        )
    with engine.begin() as conn:
        copies.empty(conn, ["c1"], state, VAULT)
    with engine.connect() as conn:
        got = copies.get(conn, "c1", VAULT)
        assert got is not None
        assert (got.state, got.content) == (state, b"")
    with engine.begin() as conn:
        conn.execute(update(copies_table).where(copies_table.c.id == "c1").values(**before))
    match = f"copy c1 reads as held but was {state}"
    with engine.connect() as conn:
        for read in (
            lambda: copies.get(conn, "c1", VAULT),
            lambda: copies.every(conn, VAULT),
            lambda: copies.live(conn, VAULT),
        ):
            with pytest.raises(StoreDamaged, match=match):
                read()
        c2 = copies.get(conn, "c2", VAULT)
        assert c2 is not None
        assert c2.state == "held"
    with engine.begin() as conn, pytest.raises(StoreDamaged, match=match):
        copies.empty(conn, ["c1"], "destroyed", VAULT)


def test_the_rows_disposed_of_before_0029_are_recorded_as_their_state_says(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'node.db'}")
    config = alembic_config(engine)
    command.upgrade(config, "0028")
    with engine.begin() as conn:
        for n, state in enumerate(("held", "destroyed", "returned")):
            conn.execute(
                text(
                    "INSERT INTO copies (id, kind, item_id, holding_id, number, level, label,"
                    " details, content, made_by, made_at, state) VALUES (:id, 'copy', 'KOR-1',"
                    " 'h1', :n, '極秘', '{}', '{}', x'', 'officer', :t, :state)"
                ),
                {"id": f"c{n}", "n": n, "t": NOW, "state": state},
            )  # fmt: skip
    command.upgrade(config, "head")
    with engine.connect() as conn:
        recorded = {
            (row.subject_kind, row.subject_id, row.state)
            for row in conn.execute(select(disposals_table))
        }
        assert recorded == {("copy", "c1", "destroyed"), ("copy", "c2", "returned")}
        assert disposals.of_subjects(conn, disposals.COPY, ["c0", "c1"]) == {"c1": "destroyed"}
    command.downgrade(config, "0028")
    engine.dispose()


@pytest.mark.parametrize(
    ("logged", "found", "named"),
    [
        ({"h1": "destroyed"}, {"h1": "destroyed"}, []),
        (
            {"h1": "destroyed", "m1": "returned"},
            {"h1": "held"},
            ["h1 (reads as held, logged destroyed)"],
        ),
        ({"h1": "returned"}, {"h1": "destroyed"}, ["h1 (reads as destroyed, logged returned)"]),
        ({"h1": "destroyed"}, {}, []),  # stored nowhere: nothing reads it as held
        ({}, {"h1": "held"}, []),  # never disposed of
        (
            {"c2": "destroyed", "c1": "destroyed"},
            {"c1": "held", "c2": "held"},
            ["c1 (reads as held, logged destroyed)", "c2 (reads as held, logged destroyed)"],
        ),
    ],
)
def test_what_the_verified_log_records_disposed_of_and_the_database_reads_otherwise(
    logged: dict[str, str], found: dict[str, str], named: list[str]
) -> None:
    assert disposals.against_log(logged, found) == named
