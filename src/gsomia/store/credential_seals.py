"""What authenticates a person, vouched for by the node's key (ADR 0150).

A token's hash, a password's verifier and a web session's id hash are no secrets to hide: a
writer of the database who may not read them could still write their own (the digest of a
secret they chose, the Argon2id hash of a password they chose) and sign in as anyone. Each such
row carries an HMAC, under a key derived from the KEK for its table, over every column that
says whose it is and whether it stands; one written, edited or moved without the key does not
match. The MAC binds the row's meaning, not its version: a row put back whole from before a
revocation matches, which `audit verify` names from the log (`node.tokens_logged`).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Table, select, update

from gsomia.seal.at_rest import Vault

#: The spaces (one MAC key each) and the column each binds, said in the message too.
TOKENS = "api_tokens"
SESSIONS = "web_sessions"
PASSWORDS = "users.password_hash"


def _plain(value: object) -> object:
    """`value` as the message says it: an instant in UTC, whatever zone it was given in."""
    return value.astimezone(UTC).isoformat() if isinstance(value, datetime) else value


def _seal(vault: Vault, space: str, values: Sequence[object]) -> str:
    return vault.row_mac(space, orjson.dumps([space, *map(_plain, values)]))


#: The columns a token's seal covers: its holder, scope, lifetime, issuer and revocation.
TOKEN_COLUMNS = (
    "token_hash",
    "user_name",
    "created_at",
    "scope",
    "expires_at",
    "parent",
    "revoked_at",
)
#: The columns a web session's seal covers: whose, since when, last seen, whether it ended.
SESSION_COLUMNS = ("sid_hash", "user_name", "started_at", "last_seen_at", "ended_at", "ended_why")


def token(vault: Vault, row: Mapping[str, Any]) -> str:
    """The seal of a token's row (`TOKEN_COLUMNS` of `row`)."""
    return _seal(vault, TOKENS, [row[name] for name in TOKEN_COLUMNS])


def session(vault: Vault, row: Mapping[str, Any]) -> str:
    """The seal of a web session's row (`SESSION_COLUMNS` of `row`)."""
    return _seal(vault, SESSIONS, [row[name] for name in SESSION_COLUMNS])


def password(vault: Vault, name: str, verifier: str) -> str:
    """The seal of `name`'s password verifier (their Argon2id hash)."""
    return _seal(vault, PASSWORDS, (name, verifier))


def vouches(kept: str | None, expected: str) -> bool:
    """Whether the seal `kept` beside a row is the one its columns call for."""
    return kept is not None and hmac.compare_digest(kept, expected)


def seal_unsealed(
    conn: Connection,
    table: Table,
    key_column: str,
    seal_of: Callable[[Vault, Mapping[str, Any]], str],
    vault: Vault,
) -> int:
    """Seal each row of `table` kept without a seal (from before ADR 0150) as its columns say
    (`seal_of`: `token` or `session`), each found again by its `key_column`; how many. Only
    the node's one pass calls this (`store.users.bind_credentials`)."""
    rows = conn.execute(select(table).where(table.c.seal.is_(None))).all()
    for row in rows:
        values = {column.name: row._mapping[column] for column in table.c}
        conn.execute(
            update(table)
            .where(table.c[key_column] == values[key_column])
            .values(seal=seal_of(vault, values))
        )
    return len(rows)
