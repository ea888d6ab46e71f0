"""People registered before ADR 0146 kept their clearance in clear with nothing sealing it: the
node's one pass at start (or a console command's that unlocked the storage key) seals them
once; while either mark stands, a person without a seal is damage, never sealed as genuine."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from tests.node.node_fixtures import Cast

from gsomia.errors import StoreDamaged
from gsomia.node import at_rest
from gsomia.node.database import open_database
from gsomia.node.users import get_user
from gsomia.store import marks
from gsomia.store.tables import store_marks, users


def _unmark(cast: Cast) -> None:
    with cast["JPN"].engine.begin() as conn:
        conn.execute(store_marks.delete().where(store_marks.c.name == marks.USERS_BOUND))


def test_people_from_before_are_sealed_once_by_the_node(cast: Cast) -> None:
    jpn = cast["JPN"]
    sato = get_user(jpn, "sato")
    with jpn.engine.begin() as conn:  # as registered before: no seal
        conn.execute(update(users).values(terms=None))
    jpn.migrate()  # marked already: nothing is sealed as the node's
    with pytest.raises(StoreDamaged, match="user sato keeps no seal"):
        get_user(jpn, "sato")
    _unmark(cast)
    jpn.migrate()  # the home's mark remains: still nothing sealed
    with pytest.raises(StoreDamaged, match="user sato keeps no seal"):
        get_user(jpn, "sato")
    (jpn.home.path / at_rest.USERS_MARK_FILE).unlink()
    _unmark(cast)
    jpn.migrate()  # a node from before: sealed once
    assert (jpn.home.path / at_rest.USERS_MARK_FILE).exists()
    assert get_user(jpn, "sato") == sato


def test_the_console_seals_people_from_before_when_it_first_unlocks_the_key(cast: Cast) -> None:
    jpn = cast["JPN"]
    with jpn.engine.begin() as conn:
        conn.execute(update(users).values(terms=None))
    (jpn.home.path / at_rest.USERS_MARK_FILE).unlink()
    _unmark(cast)
    with open_database(jpn.home.path, passphrase=lambda: "pw-JPN-0123456789") as db:
        assert get_user(db, "sato").clearance == "極秘"
    assert get_user(jpn, "sato").clearance == "極秘"
