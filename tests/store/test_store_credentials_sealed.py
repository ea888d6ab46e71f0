"""What authenticates a person — their API tokens, their password's verifier, their web
sessions — sealed to that person and to what the row means (ADR 0150): whoever may write the
database, holding no key, inserts no token, password or session of their own and edits none
(un-revokes, extends, widens, re-parents, moves to another person) unseen. SQLite and
PostgreSQL."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Connection, Engine, select, update
from tests.store.store_fixtures import PASSWORD, SATO, VAULT, with_people

from gsomia.errors import StoreDamaged
from gsomia.seal.at_rest import Vault
from gsomia.store import sessions
from gsomia.store import users as store
from gsomia.store.tables import api_tokens, users, web_sessions
from gsomia.store.users import UserRecord

NOW = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)
MINE = "the writer's own passphrase"
TANAKA = UserRecord("tanaka", "JPN", "秘", date(2030, 1, 1), ("c2",), ("analyst",), True)
SID = "a-session-id-of-tanakas"


@pytest.fixture
def engine(engine: Engine) -> Engine:
    return with_people(engine, (SATO, TANAKA), NOW)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _token(conn: Connection, digest: str) -> dict[str, Any]:
    row = conn.execute(select(api_tokens).where(api_tokens.c.token_hash == digest)).one()
    return dict(row._mapping)


def _edit_token(conn: Connection, token: str, **values: Any) -> None:
    conn.execute(
        update(api_tokens).where(api_tokens.c.token_hash == _digest(token)).values(**values)
    )


def _reads(token: str) -> list[Callable[[Connection], object]]:
    """Every read of what is kept of a token."""
    return [
        lambda c: store.token_holder(c, token, VAULT),
        lambda c: store.user_for_token(c, token, VAULT),
        lambda c: store.token_row(c, token, VAULT),
        lambda c: store.token_by_hash(c, _digest(token), VAULT),
        lambda c: store.list_tokens(c, VAULT),
        lambda c: store.list_tokens(c, VAULT, "sato"),
        lambda c: store.live_tokens(c, "sato", NOW, VAULT),
    ]


def test_a_token_row_inserted_by_a_writer_is_damage_at_every_read(engine: Engine) -> None:
    mine = "gsm_a-secret-the-writer-chose"
    with engine.begin() as conn:  # a token of the writer's for sato, row made by hand
        conn.execute(
            api_tokens.insert().values(
                token_hash=_digest(mine),
                user_name="sato",
                created_at=NOW,
                scope="api",
                expires_at=NOW + timedelta(hours=12),
            )
        )
    words = f"token {_digest(mine)[:16]} of sato keeps no seal of its holder, scope and lifetime"
    for read in _reads(mine):
        with engine.connect() as conn, pytest.raises(StoreDamaged, match=words):
            read(conn)


def _another_rows_seal(conn: Connection, token: str, other: str) -> None:
    """`token`'s row given the seal of `other`'s: a row that opens, but not as this one."""
    _edit_token(conn, token, seal=_token(conn, _digest(other))["seal"])


#: What a writer of the database does to sato's token row.
def _unrevoke(conn: Connection, token: str) -> None:
    """`token` revoked by the node, then its revocation cleared."""
    store.revoke_token(conn, store.token_id(token), NOW, VAULT)
    _edit_token(conn, token, revoked_at=None)


EDITS: dict[str, Callable[[Connection, str, str, str], None]] = {
    "un-revoked": lambda c, t, other, parent: _unrevoke(c, t),
    "expiry extended": lambda c, t, o, p: _edit_token(c, t, expires_at=NOW + timedelta(days=900)),
    "scope widened": lambda c, t, o, p: _edit_token(c, t, scope="console"),
    "moved to another person": lambda c, t, o, p: _edit_token(c, t, user_name="tanaka"),
    "re-parented": lambda c, t, o, p: _edit_token(c, t, parent=None),
    "issued earlier": lambda c, t, o, p: _edit_token(c, t, created_at=NOW - timedelta(days=1)),
    "another row's seal": lambda c, t, other, p: _another_rows_seal(c, t, other),
}


def _revoke_everyones(conn: Connection) -> None:
    """Every token revoked by the node, wherever the row says it is."""
    for name in ("sato", "tanaka"):
        store.revoke_tokens(conn, name, NOW, VAULT)


@pytest.mark.parametrize("edit", EDITS.values(), ids=list(EDITS))
def test_a_token_row_edited_by_a_writer_is_damage_at_every_read(
    engine: Engine, edit: Callable[[Connection, str, str, str], None]
) -> None:
    with engine.begin() as conn:
        parent = store.issue_token(conn, "sato", NOW, VAULT)
        token = store.issue_token(conn, "sato", NOW, VAULT, scope="stream", parent=parent)
        other = store.issue_token(conn, "sato", NOW, VAULT)
        edit(conn, token, other, parent)
    words = f"token {store.token_id(token)} of (sato|tanaka) is not what its seal says"
    for read in _reads(token)[:4]:
        with engine.connect() as conn, pytest.raises(StoreDamaged, match=words):
            read(conn)
    with engine.connect() as conn, pytest.raises(StoreDamaged, match=words):
        store.list_tokens(conn, VAULT)
    with pytest.raises(StoreDamaged, match=words), engine.begin() as conn:  # never resealed
        _revoke_everyones(conn)


def test_issued_revoked_and_retired_tokens_read_as_the_node_left_them(engine: Engine) -> None:
    with engine.begin() as conn:
        first = store.issue_token(conn, "sato", NOW, VAULT)
        stream = store.issue_token(conn, "sato", NOW, VAULT, scope="stream", parent=first)
        second = store.issue_token(conn, "sato", NOW, VAULT)
        third = store.issue_token(conn, "tanaka", NOW, VAULT)
    with engine.connect() as conn:
        assert [store.user_for_token(conn, t, VAULT) for t in (first, stream)] == [SATO, SATO]
        assert len(store.live_tokens(conn, "sato", NOW, VAULT)) == 3
    later = NOW + timedelta(minutes=5)
    with engine.begin() as conn:
        assert store.revoke_token(conn, store.token_id(first), later, VAULT) == "sato"
        store.retire_tokens(conn, "sato", [store.token_id(second)], later, VAULT)
        store.revoke_tokens(conn, "tanaka", later, VAULT)
    with engine.connect() as conn:
        for token in (first, stream, second, third):
            held = store.token_holder(conn, token, VAULT)
            assert held is not None
            assert held[1].revoked_at == later
            assert store.user_for_token(conn, token, VAULT) is None
        assert store.live_tokens(conn, "sato", NOW, VAULT) == []


def test_a_password_verifier_written_by_a_writer_is_damage(engine: Engine) -> None:
    with engine.begin() as conn:  # the writer's own verifier, of a password they chose
        mine = PasswordHasher().hash(MINE)
        conn.execute(update(users).where(users.c.name == "tanaka").values(password_hash=mine))
    words = "user tanaka's password verifier is not the one the node set"
    for password in (MINE, PASSWORD):
        with engine.connect() as conn, pytest.raises(StoreDamaged, match=words):
            store.check_password(conn, "tanaka", password, VAULT)


def test_another_persons_password_verifier_and_seal_are_damage(engine: Engine) -> None:
    with engine.begin() as conn:
        store.set_password(conn, "sato", MINE, VAULT)  # sato's, which the writer knows
        sato = dict(conn.execute(select(users).where(users.c.name == "sato")).one()._mapping)
        conn.execute(
            update(users)
            .where(users.c.name == "tanaka")
            .values(password_hash=sato["password_hash"], password_seal=sato["password_seal"])
        )
    with engine.connect() as conn, pytest.raises(StoreDamaged, match="user tanaka's password"):
        store.check_password(conn, "tanaka", MINE, VAULT)


def test_a_password_verifier_without_its_seal_is_damage(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(update(users).where(users.c.name == "tanaka").values(password_seal=None))
    with engine.connect() as conn, pytest.raises(StoreDamaged, match="keeps no seal"):
        store.check_password(conn, "tanaka", PASSWORD, VAULT)


def test_a_password_the_node_set_signs_in(engine: Engine) -> None:
    with engine.begin() as conn:
        store.set_password(conn, "tanaka", MINE, VAULT)
    with engine.connect() as conn:
        assert store.check_password(conn, "tanaka", MINE, VAULT) == TANAKA
        assert store.check_password(conn, "tanaka", PASSWORD, VAULT) is None
        assert store.check_password(conn, "sato", PASSWORD, VAULT) == SATO


def _session(conn: Connection) -> dict[str, Any]:
    query = select(web_sessions).where(web_sessions.c.sid_hash == _digest(SID))
    return dict(conn.execute(query).one()._mapping)


def _edit_session(conn: Connection, **values: Any) -> None:
    query = update(web_sessions).where(web_sessions.c.sid_hash == _digest(SID))
    conn.execute(query.values(**values))


SESSION_EDITS: dict[str, Callable[[Connection], None]] = {
    "ended one opened again": lambda c: _edit_session(c, ended_at=None, ended_why=None),
    "moved to another person": lambda c: _edit_session(c, user_name="sato"),
    "kept alive": lambda c: _edit_session(c, last_seen_at=NOW + timedelta(hours=1)),
    "started later": lambda c: _edit_session(c, started_at=NOW + timedelta(hours=1)),
}


@pytest.mark.parametrize("edit", SESSION_EDITS.values(), ids=list(SESSION_EDITS))
def test_a_session_row_edited_by_a_writer_is_damage(
    engine: Engine, edit: Callable[[Connection], None]
) -> None:
    with engine.begin() as conn:
        sessions.start(conn, SID, "tanaka", NOW, VAULT)
        sessions.end(conn, SID, NOW, "logout", VAULT)
        edit(conn)
    words = f"web session {_digest(SID)[:16]} of (sato|tanaka) is not what its seal says"
    with engine.connect() as conn, pytest.raises(StoreDamaged, match=words):
        sessions.find(conn, SID, VAULT)


def test_a_session_row_inserted_by_a_writer_is_damage(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            web_sessions.insert().values(
                sid_hash=_digest(SID), user_name="sato", started_at=NOW, last_seen_at=NOW
            )
        )
    words = f"web session {_digest(SID)[:16]} of sato keeps no seal"
    with engine.connect() as conn, pytest.raises(StoreDamaged, match=words):
        sessions.find(conn, SID, VAULT)


def test_sessions_read_as_the_node_left_them(engine: Engine) -> None:
    later = NOW + timedelta(minutes=3)
    with engine.begin() as conn:
        sessions.start(conn, SID, "tanaka", NOW, VAULT)
        sessions.start(conn, "another", "tanaka", NOW, VAULT)
        sessions.touch(conn, SID, later, VAULT)
    with engine.connect() as conn:
        found = sessions.find(conn, SID, VAULT)
        assert found is not None
        assert (found.last_seen_at, found.ended_at) == (later, None)
    with engine.begin() as conn:
        assert sessions.end_all(conn, "tanaka", later, "password", VAULT) == 2
    with engine.connect() as conn:
        found = sessions.find(conn, "another", VAULT)
        assert found is not None
        assert found.ended_at == later
        assert sessions.find(conn, "never", VAULT) is None


def test_credentials_from_before_are_sealed_once_by_the_pass(engine: Engine) -> None:
    with engine.begin() as conn:
        token = store.issue_token(conn, "sato", NOW, VAULT)
        sessions.start(conn, SID, "tanaka", NOW, VAULT)
        conn.execute(update(api_tokens).values(seal=None))  # as kept before 0033
        conn.execute(update(web_sessions).values(seal=None))
        conn.execute(update(users).values(password_seal=None))
    with engine.connect() as conn, pytest.raises(StoreDamaged, match="keeps no seal"):
        store.token_holder(conn, token, VAULT)
    with engine.begin() as conn:
        assert store.bind_credentials(conn, VAULT) == 4  # a token, a session, two passwords
    with engine.begin() as conn:
        assert store.bind_credentials(conn, VAULT) == 0
        assert store.user_for_token(conn, token, VAULT) == SATO
        assert sessions.find(conn, SID, VAULT) is not None
        assert store.check_password(conn, "tanaka", PASSWORD, VAULT) == TANAKA


def test_another_nodes_key_vouches_for_no_token(engine: Engine) -> None:
    with engine.begin() as conn:
        token = store.issue_token(conn, "sato", NOW, VAULT)
    with engine.connect() as conn, pytest.raises(StoreDamaged, match="is not what its seal says"):
        store.token_holder(conn, token, Vault(bytes(32)))
