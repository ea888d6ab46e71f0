"""Web sessions and failed sign-ins as rows; what they mean is `gsomia.treaty.sessions`'s.

A session id is a bearer secret like a token: only its SHA-256 is kept.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, delete, select, update

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


def start(conn: Connection, sid: str, user_name: str, now: datetime) -> None:
    conn.execute(
        web_sessions.insert().values(
            sid_hash=_digest(sid), user_name=user_name, started_at=now, last_seen_at=now
        )
    )


def find(conn: Connection, sid: str) -> SessionRow | None:
    """The session `sid` with what its person's row says now, or None if never started."""
    row = conn.execute(
        select(
            web_sessions.c.user_name,
            web_sessions.c.started_at,
            web_sessions.c.last_seen_at,
            web_sessions.c.ended_at,
            users.c.disabled_at,
            users.c.clearance_expires,
        )
        .join(users, users.c.name == web_sessions.c.user_name)
        .where(web_sessions.c.sid_hash == _digest(sid))
    ).first()
    return SessionRow(*row) if row is not None else None


def touch(conn: Connection, sid: str, now: datetime) -> None:
    conn.execute(
        update(web_sessions).where(web_sessions.c.sid_hash == _digest(sid)).values(last_seen_at=now)
    )


def end(conn: Connection, sid: str, now: datetime, why: str) -> None:
    conn.execute(
        update(web_sessions)
        .where(web_sessions.c.sid_hash == _digest(sid), web_sessions.c.ended_at.is_(None))
        .values(ended_at=now, ended_why=why)
    )


def end_all(conn: Connection, user_name: str, now: datetime, why: str) -> int:
    """End every open session of `user_name`; how many."""
    result = conn.execute(
        update(web_sessions)
        .where(web_sessions.c.user_name == user_name, web_sessions.c.ended_at.is_(None))
        .values(ended_at=now, ended_why=why)
    )
    return int(result.rowcount or 0)


def failures(conn: Connection, name: str) -> tuple[int, datetime | None]:
    row = conn.execute(
        select(login_failures.c.failures, login_failures.c.last_failure_at).where(
            login_failures.c.name == name
        )
    ).first()
    return (int(row.failures), row.last_failure_at) if row is not None else (0, None)


def record_failure(conn: Connection, name: str, now: datetime, *, forget_before: datetime) -> None:
    """Count one more failure for `name`; rows last failed before `forget_before` go, so that
    guessed names do not pile up."""
    conn.execute(delete(login_failures).where(login_failures.c.last_failure_at < forget_before))
    count, _ = failures(conn, name)
    if count:
        conn.execute(
            update(login_failures)
            .where(login_failures.c.name == name)
            .values(failures=count + 1, last_failure_at=now)
        )
    else:
        conn.execute(login_failures.insert().values(name=name, failures=1, last_failure_at=now))


def clear_failures(conn: Connection, name: str) -> None:
    conn.execute(delete(login_failures).where(login_failures.c.name == name))


def disable(conn: Connection, name: str, now: datetime) -> None:
    conn.execute(
        update(users)
        .where(users.c.name == name, users.c.disabled_at.is_(None))
        .values(disabled_at=now)
    )
