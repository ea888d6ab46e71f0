"""A copy's marking and the count of copies made are vouched for by sealed values (ADR 0140).

Found open by ADR 0134 ("left alone"): JPN's copy of a KOR item kept its level and label in
clear with nothing sealing them, and the originator's copy limit (R29) counted copy rows. A
writer of node.db (no key) lowered a copy's marking unseen, or deleted a copy row and had one
more copy made past the limit. Both fail closed now: `StoreDamaged`, whoever asks.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, select, update
from tests.node.custody_fixtures import provide
from tests.node.node_fixtures import Cast

from gsomia.errors import PolicyDenied, StoreDamaged
from gsomia.node import at_rest
from gsomia.node.control import inventory
from gsomia.node.control.copies import get_copy, make_copies, translate
from gsomia.store import holdings as stored_holdings
from gsomia.store import marks, sealed_terms
from gsomia.store.tables import copies, holdings, store_marks


def _row(cast: Cast, copy_id: str) -> dict[str, Any]:
    with cast["JPN"].engine.connect() as conn:
        return dict(conn.execute(select(copies).where(copies.c.id == copy_id)).one()._mapping)


def test_a_copy_re_marked_in_clear_is_damage(cast: Cast) -> None:
    """An insider lowers a 極秘 copy to 秘 and strips ORCON from its label with SQL: the copy,
    the holding's inventory and the next copy are all damage, never the lowered marking."""
    held = provide(cast)
    jpn, sato = cast["JPN"], cast.user("JPN", "sato")
    [copy] = make_copies(jpn, sato, held)
    kept = _row(cast, copy.id)
    lowered = {**kept["label"], "marking": "秘", "caveats": []}
    with jpn.engine.begin() as conn:
        conn.execute(update(copies).where(copies.c.id == copy.id).values(level="秘", label=lowered))
    try:
        with pytest.raises(StoreDamaged, match=copy.id):
            get_copy(jpn, copy.id)
        with pytest.raises(StoreDamaged, match=copy.id):
            inventory.inventory(jpn, cast.user("JPN", "tanaka"), held)
    finally:  # the cast is shared: put the row back as the node wrote it
        with jpn.engine.begin() as conn:
            conn.execute(update(copies).where(copies.c.id == copy.id).values(**kept))
    assert get_copy(jpn, copy.id).level == "極秘"


def test_a_deleted_copy_row_does_not_free_a_copy_slot(cast: Cast) -> None:
    """KOR allows two copies; JPN makes both. An insider deletes copy 2's row: on main the node
    counted one copy and made "copy 2" again, a third copy past the originator's limit. Now
    the count is the holding's, sealed, and a copy or translation asked for is damage."""
    held = provide(cast, terms={"copy_limit": 2})
    jpn, sato = cast["JPN"], cast.user("JPN", "sato")
    assert [c.number for c in make_copies(jpn, sato, held, 2)] == [1, 2]
    kept = _row(cast, f"{held}/copy-2")
    with jpn.engine.begin() as conn:
        conn.execute(delete(copies).where(copies.c.id == kept["id"]))
    try:
        with pytest.raises(StoreDamaged, match=f"holding {held} made 2 copies"):
            make_copies(jpn, sato, held)
        with pytest.raises(StoreDamaged, match=held):
            translate(
                jpn,
                cast.user("JPN", "tanaka"),
                held,
                translator="sato",
                language="ja",
                source_language="ko",
                content="訳",
            )
        with jpn.engine.connect() as conn:
            made = conn.execute(select(copies.c.id).where(copies.c.holding_id == held)).all()
        assert len(made) == 1  # nothing was made in the slot the deleted row had
    finally:
        with jpn.engine.begin() as conn:
            conn.execute(copies.insert().values(**kept))
    with pytest.raises(PolicyDenied, match="allows 2 copies"):
        make_copies(jpn, sato, held)


def test_copies_from_before_are_sealed_and_counted_once_by_the_node(cast: Cast) -> None:
    """A node from before ADR 0140 kept copies without a seal and holdings whose terms say no
    count: `migrate`'s one pass (marks in the database and the home) seals and counts them;
    while either mark stands, nothing is sealed as the node's and they are damage."""
    held = provide(cast)
    jpn, sato = cast["JPN"], cast.user("JPN", "sato")
    first, second = make_copies(jpn, sato, held, 2)
    with jpn.engine.begin() as conn:  # as they were before: no seal, no count
        conn.execute(update(copies).where(copies.c.holding_id == held).values(terms=None))
        row = conn.execute(select(holdings).where(holdings.c.id == held)).one()
        key = jpn.vault.metadata_key(held)
        said = sealed_terms.opened(key, stored_holdings.TERMS, row.terms)
        del said["copies_made"]
        old = sealed_terms.seal(key, stored_holdings.TERMS, said)
        conn.execute(update(holdings).where(holdings.c.id == held).values(terms=old, copies_made=0))
    jpn.migrate()  # marked already: nothing is sealed as the node's
    with pytest.raises(StoreDamaged, match=first.id):
        get_copy(jpn, first.id)
    with jpn.engine.begin() as conn:
        conn.execute(store_marks.delete().where(store_marks.c.name == marks.COPIES_BOUND))
    jpn.migrate()  # the home's mark remains: still nothing sealed
    with pytest.raises(StoreDamaged, match=first.id):
        get_copy(jpn, first.id)
    (jpn.home.path / at_rest.COPIES_MARK_FILE).unlink()
    with jpn.engine.begin() as conn:
        conn.execute(store_marks.delete().where(store_marks.c.name == marks.COPIES_BOUND))
    jpn.migrate()  # a node from before: sealed and counted once
    assert (jpn.home.path / at_rest.COPIES_MARK_FILE).exists()
    assert [get_copy(jpn, c.id).number for c in (first, second)] == [1, 2]
    [third] = make_copies(jpn, sato, held)
    assert third.number == 3  # counted from the rows there were
