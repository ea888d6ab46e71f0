"""People and their credentials in the node's store, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from argon2 import PasswordHasher, Type
from sqlalchemy import Engine, select

from gsomia.errors import Conflict, NotFound
from gsomia.seal.at_rest import Vault
from gsomia.store import users as users_module
from gsomia.store.db import make_engine, migrate
from gsomia.store.tables import api_tokens, users
from gsomia.store.users import (
    UserRecord,
    add_user,
    check_password,
    get_user,
    issue_token,
    list_users,
    revoke_tokens,
    set_password,
    user_for_token,
)

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
SATO = UserRecord("sato", "JPN", "極秘", date(2030, 1, 1), ("missile-warning",), ("analyst",), True)
TANAKA = UserRecord(
    "tanaka", "JPN", "機密", date(2030, 1, 1), ("missile-warning", "c2"), ("officer",), True, "ja"
)

VAULT = Vault(bytes(range(32)))  # a node's key-encryption key, for its people's terms


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate(engine)
    with engine.begin() as conn:
        add_user(conn, SATO, NOW, VAULT)
        add_user(conn, TANAKA, NOW, VAULT)
    yield engine
    engine.dispose()


def test_add_get_list_and_duplicates(engine: Engine) -> None:
    with engine.connect() as conn:
        assert get_user(conn, "sato", VAULT) == SATO
        assert get_user(conn, "tanaka", VAULT) == TANAKA
        assert list_users(conn, VAULT) == [SATO, TANAKA]
        with pytest.raises(NotFound, match="no user named 'kato'"):
            get_user(conn, "kato", VAULT)
    with pytest.raises(Conflict, match="already exists"), engine.begin() as conn:
        add_user(conn, SATO, NOW, VAULT)
    with engine.connect() as conn:
        assert [u.name for u in list_users(conn, VAULT)] == ["sato", "tanaka"]


def test_tokens_issue_lookup_revoke(engine: Engine) -> None:
    with engine.begin() as conn:
        first = issue_token(conn, "sato", NOW, VAULT)
        second = issue_token(conn, "sato", NOW, VAULT)
        other = issue_token(conn, "tanaka", NOW, VAULT)
    assert first.startswith("gsm_")
    assert len({first, second, other}) == 3
    with engine.connect() as conn:
        assert user_for_token(conn, first, VAULT) == SATO
        assert user_for_token(conn, second, VAULT) == SATO
        assert user_for_token(conn, other, VAULT) == TANAKA
        assert user_for_token(conn, first + "x", VAULT) is None
        assert user_for_token(conn, "", VAULT) is None
        # Only a digest is kept, never the token itself.
        stored = set(conn.execute(select(api_tokens.c.token_hash)).scalars())
        assert first not in stored
        assert all(len(h) == 64 for h in stored)
    with engine.begin() as conn:
        revoke_tokens(conn, "sato", NOW, VAULT)
    with engine.connect() as conn:
        assert user_for_token(conn, first, VAULT) is None
        assert user_for_token(conn, second, VAULT) is None
        assert user_for_token(conn, other, VAULT) == TANAKA
    with engine.begin() as conn:
        fresh = issue_token(conn, "sato", NOW, VAULT)
        with pytest.raises(NotFound):
            issue_token(conn, "kato", NOW, VAULT)
    with engine.connect() as conn:
        assert user_for_token(conn, fresh, VAULT) == SATO


def test_the_password_hasher_is_argon2id_with_owasp_parameters() -> None:
    # OWASP password storage cheat sheet: Argon2id, at least 19 MiB, 2 iterations.
    assert users_module._hasher.type is Type.ID
    assert users_module._hasher.memory_cost >= 19 * 1024
    assert users_module._hasher.time_cost >= 2
    assert users_module._DUMMY_HASH.startswith("$argon2id$")


@pytest.fixture
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same logic with a cheap Argon2id: the parameters are checked above, once."""
    cheap = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    monkeypatch.setattr(users_module, "_hasher", cheap)
    monkeypatch.setattr(users_module, "_DUMMY_HASH", cheap.hash("gsomia-no-such-user"))


@pytest.mark.usefixtures("cheap_hashes")
def test_passwords(engine: Engine) -> None:
    with engine.begin() as conn:
        add_user(
            conn, replace(SATO, name="kato"), NOW, VAULT, password="correct horse battery staple"
        )
        set_password(conn, "tanaka", "correct horse battery staple", VAULT)
    with engine.connect() as conn:
        assert check_password(conn, "tanaka", "correct horse battery staple", VAULT) == TANAKA
        assert check_password(conn, "tanaka", "Correct horse battery staple", VAULT) is None
        assert check_password(conn, "sato", "", VAULT) is None  # no password set
        assert check_password(conn, "nobody", "correct horse battery staple", VAULT) is None
        assert check_password(conn, "kato", "correct horse battery staple", VAULT) == replace(
            SATO, name="kato"
        )
        stored = conn.execute(select(users.c.password_hash).where(users.c.name == "tanaka"))
        assert stored.scalar_one().startswith("$argon2id$")
    with engine.begin() as conn:
        set_password(conn, "sato", "another long passphrase", VAULT)
        with pytest.raises(NotFound):
            set_password(conn, "nobody", "x", VAULT)
    with engine.connect() as conn:
        assert check_password(conn, "sato", "another long passphrase", VAULT) == SATO
        assert check_password(conn, "sato", "correct horse battery staple", VAULT) is None
