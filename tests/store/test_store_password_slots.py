"""Password checks are bounded across the node's processes, not per process (ADR 0130).

`serve --workers N` gave each API process its own two Argon2id checks at once (64 MiB and a
core each), N times the bound. On PostgreSQL a check now also holds one of the node's
`AT_ONCE` slots (a transaction-scoped advisory lock) while it runs. Here the node's other
processes are connections of their own holding slots, as their checks would.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, Engine, text

from gsomia.errors import RateLimited
from gsomia.seal.at_rest import Vault
from gsomia.store import users

VAULT = Vault(bytes(range(32)))  # a node's key-encryption key, for its people's terms


def _hold_slot(conn: Connection, slot: int) -> None:
    """What a check running in another process holds (its transaction's advisory lock)."""
    conn.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
        {"key": f"gsomia.password-check:{slot}"},
    )


def _slots_held(postgres_engine: Engine) -> int:
    with postgres_engine.connect() as conn:
        query = (
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database"
            " = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        return int(conn.execute(text(query)).scalar_one())


def test_checks_in_the_nodes_other_processes_refuse_one_here(
    postgres_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(users, "WAIT_FOR_A_CHECK", 0.0)
    with postgres_engine.connect() as elsewhere:
        for slot in range(users.AT_ONCE):
            _hold_slot(elsewhere, slot)
        # This process has both of its own slots free: the node's are what is full.
        with postgres_engine.connect() as conn, pytest.raises(RateLimited, match="at once"):
            users.check_password(conn, "nobody", "hunter2", VAULT)
        elsewhere.rollback()  # those checks ended
    with postgres_engine.connect() as conn:
        assert users.check_password(conn, "nobody", "hunter2", VAULT) is None  # checked, refused


def test_a_check_holds_one_slot_until_its_transaction_ends(postgres_engine: Engine) -> None:
    with postgres_engine.connect() as conn:
        assert users.check_password(conn, "nobody", "hunter2", VAULT) is None
        assert _slots_held(postgres_engine) == 1
        with postgres_engine.connect() as other:
            assert users.check_password(other, "nobody", "hunter2", VAULT) is None  # the other slot
            assert _slots_held(postgres_engine) == 2
    assert _slots_held(postgres_engine) == 0
