"""Copies and translations in the store, on SQLite and PostgreSQL: their markings sealed, the
copies made counted in the holding's sealed terms (ADR 0140).

Left open by ADR 0134: a copy's level and label lay in clear with nothing vouching for them, so
a writer of the database (no key) re-marked a copy unseen; and the copy limit (R29) counted
rows, so a writer who deleted a copy row let one more be made past the originator's limit.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, select, update
from tests.store.store_fixtures import NOW, holding, later

from gsomia.errors import Conflict, StoreDamaged
from gsomia.seal.at_rest import Vault
from gsomia.store import copies, holdings, sealed_terms
from gsomia.store.db import make_engine, migrate
from gsomia.store.tables import copies as copies_table
from gsomia.store.tables import holdings as holdings_table

VAULT = Vault(bytes(range(32)))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate(engine)
    with engine.begin() as conn:
        holdings.add_all(conn, [holding("h1", "KOR-1"), holding("h2", "KOR-2")], VAULT)
    yield engine
    engine.dispose()


def _copy(conn: Any, holding_id: str, number: int, kind: str = "copy") -> str:
    copy_id = f"{holding_id}/{kind}-{number}"
    copies.insert(
        conn,
        copy_id=copy_id,
        kind=kind,
        item_id=f"item-of-{holding_id}",
        holding_id=holding_id,
        number=number,
        level="極秘",
        label={"marking": "極秘", "copy": number, "caveats": ["ORCON"]},
        details={"originator": "KOR"},
        content=None,
        made_by="sato",
        made_at=later(number),
        vault=VAULT,
    )
    return copy_id


def _set(engine: Engine, copy_id: str, **values: Any) -> None:
    with engine.begin() as conn:
        conn.execute(update(copies_table).where(copies_table.c.id == copy_id).values(**values))


def _every_read_is_damage(engine: Engine, copy_id: str) -> None:
    with engine.connect() as conn:
        with pytest.raises(StoreDamaged, match=copy_id):
            copies.get(conn, copy_id, VAULT)
        with pytest.raises(StoreDamaged, match=copy_id):
            copies.every(conn, VAULT)
        with pytest.raises(StoreDamaged, match=copy_id):
            copies.live(conn, VAULT)
    with engine.begin() as conn, pytest.raises(StoreDamaged, match=copy_id):
        copies.remark(conn, copy_id, "秘", {"marking": "秘"}, VAULT)
    with engine.begin() as conn, pytest.raises(StoreDamaged, match=copy_id):
        copies.empty(conn, [copy_id], "destroyed", VAULT)


def test_copies_are_numbered_counted_and_read_as_made(engine: Engine) -> None:
    with engine.begin() as conn:
        first = _copy(conn, "h1", 1)
        second = _copy(conn, "h1", 2, kind="translation")
    with engine.connect() as conn:
        assert copies.reproductions(conn, "h1", VAULT) == 2
        assert copies.reproductions(conn, "h2", VAULT) == 0
        row = copies.get(conn, first, VAULT)
        assert row is not None
        assert (row.level, row.label["copy"], row.state) == ("極秘", 1, "held")
        assert [r.id for r in copies.every(conn, VAULT)] == [first, second]
    with engine.begin() as conn:  # re-marked and destroyed where decided: read as written
        copies.remark(conn, first, "秘", {"marking": "秘", "copy": 1}, VAULT)
        copies.empty(conn, [second], "destroyed", VAULT)
    with engine.connect() as conn:
        remarked, destroyed = copies.get(conn, first, VAULT), copies.get(conn, second, VAULT)
        assert remarked is not None
        assert destroyed is not None
        assert (remarked.level, remarked.label["marking"]) == ("秘", "秘")
        assert (destroyed.state, destroyed.content) == ("destroyed", b"")
        assert [r["id"] for r in copies.live(conn, VAULT)] == [first]
        assert copies.reproductions(conn, "h1", VAULT) == 2  # a destroyed copy still counts


@pytest.mark.parametrize(
    "changed",
    [
        {"level": "秘"},
        {"label": {"marking": "秘", "copy": 1, "caveats": ["ORCON"]}},
        {"label": {"marking": "極秘", "copy": 1, "caveats": []}},
        {"state": "destroyed"},
        {"number": 7},
        {"holding_id": "h2"},
        {"kind": "derivative"},
        {"made_by": "suzuki"},
        {"made_at": NOW},
        {"terms": None},
        {"terms": "ga1:AAAA"},
    ],
    ids=lambda changed: "-".join(f"{k}={v}" for k, v in changed.items())[:40],
)
def test_a_copy_changed_in_clear_is_damage(engine: Engine, changed: dict[str, Any]) -> None:
    """A writer of the database lowers a copy's marking, strips a caveat from its label, or
    moves it to another holding: every read of it is damage, and neither a re-marking nor a
    disposal seals the writer's value as the node's."""
    with engine.begin() as conn:
        copy_id = _copy(conn, "h1", 1)
        _copy(conn, "h2", 1)
    _set(engine, copy_id, **changed)
    _every_read_is_damage(engine, copy_id)
    with engine.connect() as conn:  # the other copy still reads
        assert copies.get(conn, "h2/copy-1", VAULT) is not None


def test_another_copys_terms_do_not_open_as_this_ones(engine: Engine) -> None:
    with engine.begin() as conn:
        _copy(conn, "h1", 1)
        _copy(conn, "h2", 1)
        theirs = conn.execute(
            select(copies_table.c.terms).where(copies_table.c.id == "h2/copy-1")
        ).scalar_one()
        mine = holdings_table.c.terms  # a holding's terms are another column's
        held = conn.execute(select(mine).where(holdings_table.c.id == "h1")).scalar_one()
    for moved in (theirs, held):
        _set(engine, "h1/copy-1", terms=moved)
        with engine.connect() as conn, pytest.raises(StoreDamaged, match="do not open"):
            copies.get(conn, "h1/copy-1", VAULT)


def test_a_deleted_copy_row_frees_no_slot(engine: Engine) -> None:
    """The count of copies made is the holding's, sealed, and goes only up: a writer who
    deletes a copy row makes the count damage, never a slot under the limit; the next number
    is never given twice."""
    with engine.begin() as conn:
        _copy(conn, "h1", 1)
        second = _copy(conn, "h1", 2)
    with engine.begin() as conn:
        conn.execute(delete(copies_table).where(copies_table.c.id == second))
    with engine.connect() as conn, pytest.raises(StoreDamaged, match="made 2 copies"):
        copies.reproductions(conn, "h1", VAULT)
    with engine.begin() as conn, pytest.raises(Conflict, match="meanwhile"):
        _copy(conn, "h1", 2)  # the number the deleted row had
    with engine.begin() as conn:
        holdings_count = conn.execute(
            select(holdings_table.c.copies_made).where(holdings_table.c.id == "h1")
        ).scalar_one()
    assert holdings_count == 2


def test_the_count_lowered_in_clear_is_damage(engine: Engine) -> None:
    with engine.begin() as conn:
        _copy(conn, "h1", 1)
        conn.execute(
            update(holdings_table).where(holdings_table.c.id == "h1").values(copies_made=0)
        )
    with engine.connect() as conn:
        with pytest.raises(StoreDamaged, match="copies_made"):
            holdings.get(conn, "h1", VAULT)
        with pytest.raises(StoreDamaged, match="copies_made"):
            copies.reproductions(conn, "h1", VAULT)


def test_copies_and_counts_from_before_are_sealed_once(engine: Engine) -> None:
    """Rows from before ADR 0140: a copy without terms and a holding whose terms say no count.
    Only the node's one pass (a vault reading rows from before) seals them; then they read."""
    with engine.begin() as conn:
        _copy(conn, "h1", 1)
        _copy(conn, "h1", 2, kind="translation")
        row = conn.execute(select(holdings_table).where(holdings_table.c.id == "h1")).one()
        said = sealed_terms.opened(VAULT.metadata_key("h1"), holdings.TERMS, row.terms)
        del said["copies_made"]
        old = sealed_terms.seal(VAULT.metadata_key("h1"), holdings.TERMS, said)
        conn.execute(update(holdings_table).where(holdings_table.c.id == "h1").values(terms=old))
        conn.execute(update(copies_table).values(terms=None))
    with engine.connect() as conn:
        with pytest.raises(StoreDamaged, match="copies_made"):
            holdings.get(conn, "h1", VAULT)
        with pytest.raises(StoreDamaged, match="keeps no seal of its marking"):
            copies.get(conn, "h1/copy-1", VAULT)
    with engine.begin() as conn:
        assert copies.bind_terms(conn, VAULT.sealing_clear_rows()) == 2 + 2
    with engine.connect() as conn:
        assert copies.reproductions(conn, "h1", VAULT) == 2
        assert copies.reproductions(conn, "h2", VAULT) == 0
        assert len(copies.every(conn, VAULT)) == 2


# The property: whatever rows a writer deletes, no more copies than the limit --------------------

_STEPS = st.lists(
    st.one_of(st.just(("copy", 0)), st.tuples(st.just("delete"), st.integers(0, 5))),
    max_size=14,
)


@pytest.fixture(scope="module")
def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{Path(tmp_path_factory.mktemp('copies')) / 'node.db'}")
    migrate(engine)
    yield engine
    engine.dispose()


_made = iter(range(10**6))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(limit=st.integers(0, 4), steps=_STEPS)
def test_copies_made_never_exceed_the_limit_whatever_rows_are_deleted(
    sqlite_engine: Engine, limit: int, steps: list[tuple[str, int]]
) -> None:
    """The node's rule for one more copy (R29: refused once `limit` were made), on the count
    the store gives, while a writer deletes copy rows in between: the copies made, counted as
    they are made, never pass the limit, and the sealed count never goes down."""
    holding_id = f"p{next(_made)}"
    with sqlite_engine.begin() as conn:
        holdings.add_all(conn, [holding(holding_id, f"KOR-{holding_id}")], VAULT)
    made, counted = 0, 0
    for action, which in steps:
        if action == "delete":
            with sqlite_engine.begin() as conn:
                ids = conn.execute(
                    select(copies_table.c.id).where(copies_table.c.holding_id == holding_id)
                ).scalars()
                kept = sorted(ids)
                if kept:
                    gone = kept[which % len(kept)]
                    conn.execute(delete(copies_table).where(copies_table.c.id == gone))
            continue
        try:
            with sqlite_engine.begin() as conn:
                before = copies.reproductions(conn, holding_id, VAULT)
                if before >= limit:
                    continue  # refused: the originator's limit
                _copy(conn, holding_id, before + 1)
                made += 1
        except (StoreDamaged, Conflict):
            pass  # refused: the count is not the rows' (fail closed)
        with sqlite_engine.connect() as conn:
            now_counted = conn.execute(
                select(holdings_table.c.copies_made).where(holdings_table.c.id == holding_id)
            ).scalar_one()
        assert now_counted >= counted
        counted = now_counted
    assert made <= limit
    assert counted == made
