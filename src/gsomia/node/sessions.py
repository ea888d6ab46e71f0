"""Web sessions kept in the database: started at sign-in, checked on every page, ended by
logout, a password change, disabling the person, and anything `treaty.sessions` says.

The cookie (`gsomia.web.session`) only names the session; whether it still stands is decided
here from its row, so a logged-out cookie stays dead after a restart (ADR 0082).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection

from gsomia.errors import PolicyDenied
from gsomia.node.database import Database
from gsomia.store import sessions as store
from gsomia.store import users as people
from gsomia.store.users import UserRecord
from gsomia.treaty.decision import Decision
from gsomia.treaty.sessions import (
    IDLE_LIMIT,
    MAX_BACKOFF,
    SessionState,
    may_continue_session,
    may_try_login,
)

#: `last_seen_at` is written at most this often: a page view is not a database write.
TOUCH_EVERY = timedelta(minutes=1)
FORGET_FAILURES = MAX_BACKOFF * 4
#: No person's name is longer (`users.name`); a longer one is refused unchecked and uncounted,
#: or each guess would store its name, however long (found by the attack, TAXII Basic).
LONGEST_NAME = 100


def sign_in(
    db: Database, name: str, password: str, sid: str, *, source: str = ""
) -> UserRecord | None:
    """The person if `password` is theirs, with session `sid` started for them; None if not
    (the failure counted for `name` from `source`, the client's address). `PolicyDenied`
    without checking the password while the name must wait after failures."""
    user = check_credentials(db, name, password, source=source)
    if user is not None:
        with db.engine.begin() as conn:
            store.start(conn, sid, user.name, db.clock(), db.vault)
    return user


def check_credentials(
    db: Database, name: str, password: str, *, source: str = ""
) -> UserRecord | None:
    """The person if `password` is theirs and they are not disabled; None if not (the failure
    counted). `PolicyDenied` without checking the password while the name must wait after
    failures; `RateLimited` while too many checks run (`gsomia.store.users.AT_ONCE`), and at
    once for a source with recent failures while others wait for a check (ADR 0140).

    Each try is counted as a failure before its password is checked, in one short transaction
    that holds the name (`store.hold_name`), and taken back when it succeeds (ADR 0127).
    Counted after the check, guesses sent at once, to one process or to several, all read
    "no failures yet" and were all checked; two first failures at once were a 500 and
    counted once. The check itself runs outside any write transaction: on SQLite the node
    has one writer, and a guess that held it for an Argon2id check stalled every write of
    the node (found by the attack)."""
    if not 0 < len(name) <= LONGEST_NAME:
        return None
    source = source[:64]
    with db.engine.begin() as conn:
        store.hold_name(conn, name)
        now = db.clock()  # once the name is held: the failures counted before it are older
        failures, last = store.failures(conn, name, source)
        everywhere, last_anywhere = store.name_failures(conn, name)
        waiting = may_try_login(
            failures, last, now, name_failures=everywhere, name_last_failure_at=last_anywhere
        )
        if not waiting.allowed:
            raise PolicyDenied(waiting.reason, article=waiting.article)
        recent = store.source_failures(conn, source) if source else 0  # before this try's
        store.record_failure(conn, name, source, now, forget_before=now - FORGET_FAILURES)
    try:
        with db.reader.connect() as conn:
            user = people.check_password(
                conn, name, password, db.vault, source=source, failures=recent
            )
    except Exception:
        with db.engine.begin() as conn:  # never checked (too many at once): not a failure
            store.hold_name(conn, name)
            store.uncount(conn, name, source)
        raise
    if user is None or user.disabled_at is not None:
        return None
    with db.engine.begin() as conn:
        store.clear_failures(conn, name, source)
    return user


def _state(row: store.SessionRow, user: UserRecord) -> SessionState:
    """The session with what its person's sealed row says (ADR 0146): a `disabled_at` or
    clearance expiry a writer changed in the database is damage at `get_user`, not a session
    kept alive."""
    return SessionState(
        row.user_name,
        row.started_at,
        row.last_seen_at,
        row.ended_at,
        user.disabled_at,
        user.clearance_expires,
    )


def standing(db: Database, sid: str, name: str) -> Decision:
    """Whether session `sid` of `name` still stands, without touching it: what an open stream
    asks at each keep-alive (ADR 0086), so that a logout, a password change or disabling the
    person ends it, and an open stream alone does not keep an idle session alive."""
    with db.reader.connect() as conn:
        return standing_on(conn, db, sid, name)


def standing_on(conn: Connection, db: Database, sid: str, name: str) -> Decision:
    """Whether session `sid` of `name` still stands, read on `conn`: a write's transaction
    reads again the session that admitted it (`gsomia.node.admission`, ADR 0154)."""
    row = store.find(conn, sid, db.vault)
    if row is None or row.user_name != name:
        return may_continue_session(None, db.clock())
    return may_continue_session(_state(row, people.get_user(conn, name, db.vault)), db.clock())


def resume(db: Database, sid: str, name: str) -> UserRecord | None:
    """The person session `sid` serves, if it is `name`'s and still stands; else None (and a
    session that no longer stands is ended, so that it stays ended)."""
    now = db.clock()
    with db.reader.connect() as conn:
        row = store.find(conn, sid, db.vault)
        if row is None or row.user_name != name:
            return None
        user = people.get_user(conn, name, db.vault)
    if not may_continue_session(_state(row, user), now).allowed:
        if row.ended_at is None:
            with db.engine.begin() as conn:
                store.end(conn, sid, now, "expired", db.vault)
        return None
    if now - row.last_seen_at >= min(TOUCH_EVERY, IDLE_LIMIT):
        with db.engine.begin() as conn:
            store.touch(conn, sid, now, db.vault)
    return user


def sign_out(db: Database, sid: str) -> None:
    with db.engine.begin() as conn:
        store.end(conn, sid, db.clock(), "logout", db.vault)


def end_sessions(db: Database, name: str, why: str, at: datetime | None = None) -> int:
    """End every open session of `name` (a password change, disabling); how many."""
    with db.engine.begin() as conn:
        return store.end_all(conn, name, at or db.clock(), why, db.vault)
