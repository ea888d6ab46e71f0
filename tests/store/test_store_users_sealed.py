"""A person's clearance, nationality, roles and need-to-know sealed beside them (ADR 0146):
whoever may write the database, holding no key, changes none of them unseen. SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, select, update
from tests.store.store_fixtures import PASSWORD, SATO, VAULT, with_people

from gsomia.errors import StoreDamaged
from gsomia.seal.at_rest import Vault
from gsomia.store import users as store
from gsomia.store.tables import users
from gsomia.store.users import UserRecord

NOW = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)
TANAKA = UserRecord(
    "tanaka", "JPN", "秘", date(2027, 1, 1), ("c2",), ("analyst",), True, "ja", None, ("Only=JPN",)
)


@pytest.fixture
def engine(engine: Engine) -> Engine:
    return with_people(engine, (SATO, TANAKA), NOW)


def _row(conn: Connection, name: str) -> dict[str, Any]:
    return dict(conn.execute(select(users).where(users.c.name == name)).one()._mapping)


def _set(conn: Connection, who: str, **values: Any) -> None:
    conn.execute(update(users).where(users.c.name == who).values(**values))


def _swap(conn: Connection) -> None:
    """sato's row and tanaka's exchanged, every column but the name (terms too)."""
    sato, tanaka = _row(conn, "sato"), _row(conn, "tanaka")
    _set(conn, "sato", **{k: v for k, v in tanaka.items() if k != "name"})
    _set(conn, "tanaka", **{k: v for k, v in sato.items() if k != "name"})


def _copy_terms(conn: Connection) -> None:
    """tanaka's clear columns made sato's, and sato's seal put beside them: a whole row of
    another person's, but under tanaka's name."""
    sato = _row(conn, "sato")
    _set(conn, "tanaka", **{k: v for k, v in sato.items() if k not in ("name", "password_hash")})


#: What a writer of the database does to tanaka's row, and the words the damage says.
ATTACKS: dict[str, tuple[Callable[[Connection], None], str]] = {
    "clearance raised": (
        lambda c: _set(c, "tanaka", clearance="極秘"),
        "user tanaka's clearance is not what their sealed terms say",
    ),
    "nationality changed": (
        lambda c: _set(c, "tanaka", nationality="KOR"),
        "user tanaka's nationality is not what their sealed terms say",
    ),
    "roles changed": (
        lambda c: _set(c, "tanaka", roles=["officer"]),
        "user tanaka's roles is not what their sealed terms say",
    ),
    "need-to-know widened": (
        lambda c: _set(c, "tanaka", communities=["c2", "missile-warning"]),
        "user tanaka's communities is not what their sealed terms say",
    ),
    "categories added": (
        lambda c: _set(c, "tanaka", categories=["Only=JPN", "Only=KOR"]),
        "user tanaka's categories is not what their sealed terms say",
    ),
    "clearance renewed": (
        lambda c: _set(c, "tanaka", clearance_expires=date(2040, 1, 1)),
        "user tanaka's clearance_expires is not what their sealed terms say",
    ),
    "put on the register": (
        lambda c: _set(c, "tanaka", registered=False),
        "user tanaka's registered is not what their sealed terms say",
    ),
    "disabled in clear": (
        lambda c: _set(c, "tanaka", disabled_at=NOW),
        "user tanaka's disabled_at is not what their sealed terms say",
    ),
    "swapped with another's": (
        _swap,
        "user (sato|tanaka)'s sealed terms do not open as their own",  # both: the list, sato
    ),
    "terms copied from another row": (
        _copy_terms,
        "user tanaka's sealed terms do not open as their own",
    ),
    "seal removed": (
        lambda c: _set(c, "tanaka", terms=None),
        "user tanaka keeps no seal of their clearance and need-to-know",
    ),
}


@pytest.mark.parametrize("attack", ATTACKS.values(), ids=list(ATTACKS))
def test_a_persons_row_changed_in_the_database_is_damage_at_every_read(
    engine: Engine, attack: tuple[Callable[[Connection], None], str]
) -> None:
    change, words = attack
    with engine.begin() as conn:
        token = store.issue_token(conn, "tanaka", NOW, VAULT)
        change(conn)
    reads: list[Callable[[Connection], object]] = [
        lambda c: store.get_user(c, "tanaka", VAULT),
        lambda c: store.list_users(c, VAULT),
        lambda c: store.token_holder(c, token, VAULT),
        lambda c: store.user_for_token(c, token, VAULT),
        lambda c: store.check_password(c, "tanaka", PASSWORD, VAULT),
    ]
    for read in reads:
        with engine.connect() as conn, pytest.raises(StoreDamaged, match=words):
            read(conn)
    writes: list[Callable[[Connection], object]] = [
        lambda c: store.update_user(c, "tanaka", {"language": "en"}, VAULT),
        lambda c: store.enable(c, "tanaka", VAULT),
        lambda c: store.disable(c, "tanaka", NOW, VAULT),
    ]
    for write in writes:  # never sealed as the node's: the writer's value is damage here too
        with pytest.raises(StoreDamaged, match=words), engine.begin() as conn:
            write(conn)


def test_the_node_seals_what_it_decides(engine: Engine) -> None:
    renewed = date(2031, 3, 1)
    with engine.begin() as conn:
        raised = {"clearance": "極秘", "clearance_expires": renewed}
        store.update_user(conn, "tanaka", raised, VAULT)
        store.disable(conn, "tanaka", NOW, VAULT)
    with engine.connect() as conn:
        tanaka = store.get_user(conn, "tanaka", VAULT)
    assert (tanaka.clearance, tanaka.clearance_expires) == ("極秘", renewed)
    assert tanaka.disabled_at == NOW
    with engine.begin() as conn:
        store.enable(conn, "tanaka", VAULT)
        store.set_password(conn, "tanaka", "a new passphrase of words", VAULT)
    with engine.connect() as conn:
        assert store.get_user(conn, "tanaka", VAULT).disabled_at is None
        assert store.check_password(conn, "tanaka", "a new passphrase of words", VAULT) is not None
        assert store.list_users(conn, VAULT)[0] == SATO


def test_another_nodes_key_opens_no_ones_terms(engine: Engine) -> None:
    with engine.connect() as conn, pytest.raises(StoreDamaged, match="do not open as their own"):
        store.get_user(conn, "sato", Vault(bytes(32)))


def test_people_from_before_are_sealed_once_by_the_pass(engine: Engine) -> None:
    with engine.begin() as conn:
        _set(conn, "sato", terms=None)  # as registered before 0031
    with engine.connect() as conn, pytest.raises(StoreDamaged, match="keeps no seal"):
        store.get_user(conn, "sato", VAULT)
    with engine.begin() as conn:
        assert store.bind_terms(conn, VAULT.sealing_clear_rows()) == 1
    with engine.begin() as conn:
        assert store.get_user(conn, "sato", VAULT) == SATO
        assert store.bind_terms(conn, VAULT.sealing_clear_rows()) == 0
        _set(conn, "sato", clearance="秘")
    with engine.connect() as conn, pytest.raises(StoreDamaged, match="clearance is not"):
        store.get_user(conn, "sato", VAULT)
