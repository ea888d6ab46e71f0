"""Web sessions and failed sign-ins as rows; what they mean is `gsomia.treaty.sessions`'s.

A session id is a bearer secret like a token: only its SHA-256 is kept, with a seal under the
node's key over the row (`store.credential_seals`): a session a writer of the database inserted
for an id of their own, or one they opened again, kept alive or moved to another person, is
`StoreDamaged` (ADR 0150).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, delete, func, select, text, update

from gsomia.errors import StoreDamaged
from gsomia.seal.at_rest import Vault
from gsomia.store import credential_seals
from gsomia.store.tables import login_failures, users, web_sessions


def _digest(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


@dataclass(frozen=True)
class SessionRow:
    user_name: str
    started_at: datetime
    last_seen_at: datetime
    ended_at: datetime | None
    disabled_at: datetime | None
    clearance_expires: date


_SEALED = credential_seals.SESSION_COLUMNS


def _seal(values: dict[str, Any], vault: Vault) -> str:
    return credential_seals.session(vault, values)


def _vouched(row: object, vault: Vault) -> dict[str, Any]:
    """The sealed columns of the session `row`, once its seal vouches for them."""
    m = row._mapping  # type: ignore[attr-defined]
    values = {name: m[web_sessions.c[name]] for name in _SEALED}
    ident, holder, kept = values["sid_hash"][:16], values["user_name"], m[web_sessions.c.seal]
    if kept is None:
        raise StoreDamaged(
            f"web session {ident} of {holder} keeps no seal",
            hint="restore the database from a backup; a session nothing vouches for never "
            "signs anyone in",
        )
    if not credential_seals.vouches(kept, _seal(values, vault)):
        raise StoreDamaged(
            f"web session {ident} of {holder} is not what its seal says",
            hint="restore the database from a backup; a session's holder, times or ending "
            "changed in the database never signs anyone in",
        )
    return values


def start(conn: Connection, sid: str, user_name: str, now: datetime, vault: Vault) -> None:
    values: dict[str, Any] = {
        "sid_hash": _digest(sid),
        "user_name": user_name,
        "started_at": now,
        "last_seen_at": now,
        "ended_at": None,
        "ended_why": None,
    }
    conn.execute(web_sessions.insert().values(**values, seal=_seal(values, vault)))


def find(conn: Connection, sid: str, vault: Vault) -> SessionRow | None:
    """The session `sid` with what its person's row says now, or None if never started."""
    row = conn.execute(
        select(
            web_sessions,
            users.c.disabled_at,
            users.c.clearance_expires,
        )
        .join(users, users.c.name == web_sessions.c.user_name)
        .where(web_sessions.c.sid_hash == _digest(sid))
    ).first()
    if row is None:
        return None
    values = _vouched(row, vault)
    return SessionRow(
        values["user_name"],
        values["started_at"],
        values["last_seen_at"],
        values["ended_at"],
        row.disabled_at,
        row.clearance_expires,
    )


def _change(conn: Connection, which: ColumnElement[bool], vault: Vault, **changes: Any) -> int:
    """Set `changes` on the sessions `which` selects, each resealed; each read locked and
    checked first, so a row a writer changed is damage here, never resealed as the node's.
    How many."""
    rows = conn.execute(select(web_sessions).where(which).with_for_update()).all()
    for row in rows:
        values = {**_vouched(row, vault), **changes}
        conn.execute(
            update(web_sessions)
            .where(web_sessions.c.sid_hash == values["sid_hash"])
            .values(**changes, seal=_seal(values, vault))
        )
    return len(rows)


def touch(conn: Connection, sid: str, now: datetime, vault: Vault) -> None:
    _change(conn, web_sessions.c.sid_hash == _digest(sid), vault, last_seen_at=now)


def end(conn: Connection, sid: str, now: datetime, why: str, vault: Vault) -> None:
    which = (web_sessions.c.sid_hash == _digest(sid)) & web_sessions.c.ended_at.is_(None)
    _change(conn, which, vault, ended_at=now, ended_why=why)


def end_all(conn: Connection, user_name: str, now: datetime, why: str, vault: Vault) -> int:
    """End every open session of `user_name`; how many."""
    which = (web_sessions.c.user_name == user_name) & web_sessions.c.ended_at.is_(None)
    return _change(conn, which, vault, ended_at=now, ended_why=why)


def bind_seals(conn: Connection, vault: Vault) -> int:
    """Seal each session kept without a seal (from before ADR 0150) as its columns say; how
    many. Only the node's one pass does this (`store.users.bind_credentials`)."""
    return credential_seals.seal_unsealed(
        conn, web_sessions, "sid_hash", credential_seals.session, vault
    )


#: Rows of failures kept at most: guesses spread over many names and addresses do not grow the
#: table past this; the oldest are forgotten first.
MAX_FAILURE_ROWS = 10_000


def hold_name(conn: Connection, name: str) -> None:
    """Hold `name`'s sign-in tries until `conn`'s transaction ends: two tries for one name, from
    any process of the node, are counted one after the other (ADR 0127). On PostgreSQL a
    transaction-scoped advisory lock keyed by the name (rows of a name not yet failed cannot be
    locked); on SQLite the write transaction already holds the one writer's lock."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
            {"key": f"gsomia.login:{name}"},
        )


def failures(conn: Connection, name: str, source: str) -> tuple[int, datetime | None]:
    """Failures in a row for `name` from `source`, and when the last was."""
    row = conn.execute(
        select(login_failures.c.failures, login_failures.c.last_failure_at).where(
            login_failures.c.name == name, login_failures.c.source == source
        )
    ).first()
    return (int(row.failures), row.last_failure_at) if row is not None else (0, None)


def name_failures(conn: Connection, name: str) -> tuple[int, datetime | None]:
    """Failures for `name` from every source together, and when the last was."""
    row = conn.execute(
        select(
            func.coalesce(func.sum(login_failures.c.failures), 0),
            func.max(login_failures.c.last_failure_at),
        ).where(login_failures.c.name == name)
    ).one()
    return int(row[0]), row[1]


def source_failures(conn: Connection, source: str) -> int:
    """Failures counted recently from `source` for every name together: whose password check
    goes last when the node's check slots are wanted (ADR 0140)."""
    query = select(func.coalesce(func.sum(login_failures.c.failures), 0))
    return int(conn.execute(query.where(login_failures.c.source == source)).scalar_one())


def record_failure(
    conn: Connection, name: str, source: str, now: datetime, *, forget_before: datetime
) -> None:
    """Count one more failure for `name` from `source`; rows last failed before
    `forget_before` go, and the oldest beyond `MAX_FAILURE_ROWS`, so guesses do not pile up."""
    conn.execute(delete(login_failures).where(login_failures.c.last_failure_at < forget_before))
    count, _ = failures(conn, name, source)
    pair = (login_failures.c.name == name, login_failures.c.source == source)
    if count:
        conn.execute(
            update(login_failures).where(*pair).values(failures=count + 1, last_failure_at=now)
        )
        return
    kept = conn.execute(select(func.count()).select_from(login_failures)).scalar_one()
    if kept >= MAX_FAILURE_ROWS:
        oldest = (
            select(login_failures.c.last_failure_at)
            .order_by(login_failures.c.last_failure_at)
            .offset(kept - MAX_FAILURE_ROWS)
            .limit(1)
            .scalar_subquery()
        )
        conn.execute(delete(login_failures).where(login_failures.c.last_failure_at <= oldest))
    conn.execute(
        login_failures.insert().values(name=name, source=source, failures=1, last_failure_at=now)
    )


def uncount(conn: Connection, name: str, source: str) -> None:
    """Take back one try counted for `name` from `source` whose password was never checked."""
    pair = (login_failures.c.name == name, login_failures.c.source == source)
    conn.execute(update(login_failures).where(*pair).values(failures=login_failures.c.failures - 1))
    conn.execute(delete(login_failures).where(*pair, login_failures.c.failures <= 0))


def clear_failures(conn: Connection, name: str, source: str) -> None:
    """Forget the failures for `name` from `source` (it signed in from there)."""
    conn.execute(
        delete(login_failures).where(
            login_failures.c.name == name, login_failures.c.source == source
        )
    )
