"""People of this node and their API tokens.

A token is 256 random bits shown once; only its SHA-256 is stored (a fast hash suffices for a
secret with that much entropy). Passwords, where people use them, are hashed with Argon2id.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, select, update
from sqlalchemy.exc import IntegrityError

from gsomia.errors import Conflict, NotFound
from gsomia.store.tables import api_tokens, users

_hasher = PasswordHasher()
# Verifying against a real hash for unknown users keeps login time from telling who exists.
_DUMMY_HASH = _hasher.hash("gsomia-no-such-user")


@dataclass(frozen=True)
class UserRecord:
    name: str
    nationality: str
    clearance: str
    clearance_expires: date
    communities: tuple[str, ...]
    roles: tuple[str, ...]
    registered: bool
    language: str = "en"


def _record(row: object) -> UserRecord:
    m = row._mapping  # type: ignore[attr-defined]
    return UserRecord(
        name=m["name"],
        nationality=m["nationality"],
        clearance=m["clearance"],
        clearance_expires=m["clearance_expires"],
        communities=tuple(m["communities"]),
        roles=tuple(m["roles"]),
        registered=bool(m["registered"]),
        language=m["language"],
    )


def add_user(
    conn: Connection, user: UserRecord, now: datetime, password: str | None = None
) -> None:
    try:
        conn.execute(
            users.insert().values(
                name=user.name,
                nationality=user.nationality,
                clearance=user.clearance,
                clearance_expires=user.clearance_expires,
                communities=list(user.communities),
                roles=list(user.roles),
                registered=user.registered,
                language=user.language,
                password_hash=_hasher.hash(password) if password else None,
                created_at=now,
            )
        )
    except IntegrityError as exc:
        raise Conflict(f"user {user.name!r} already exists", hint="choose another name") from exc


def get_user(conn: Connection, name: str) -> UserRecord:
    row = conn.execute(select(users).where(users.c.name == name)).first()
    if row is None:
        raise NotFound(f"no user named {name!r}", hint="`gsomia user list` shows who exists")
    return _record(row)


def list_users(conn: Connection) -> list[UserRecord]:
    return [_record(row) for row in conn.execute(select(users).order_by(users.c.name))]


def set_password(conn: Connection, name: str, password: str) -> None:
    get_user(conn, name)
    conn.execute(
        update(users).where(users.c.name == name).values(password_hash=_hasher.hash(password))
    )


def check_password(conn: Connection, name: str, password: str) -> UserRecord | None:
    """The user if `password` is theirs, else None (timing does not reveal which part failed)."""
    row = conn.execute(select(users).where(users.c.name == name)).first()
    stored = row._mapping["password_hash"] if row is not None else None
    try:
        _hasher.verify(stored or _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    return _record(row) if row is not None and stored else None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(conn: Connection, name: str, now: datetime) -> str:
    get_user(conn, name)
    token = "gsm_" + secrets.token_urlsafe(32)
    conn.execute(
        api_tokens.insert().values(token_hash=_digest(token), user_name=name, created_at=now)
    )
    return token


def revoke_tokens(conn: Connection, name: str, now: datetime) -> None:
    conn.execute(
        update(api_tokens)
        .where(api_tokens.c.user_name == name, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def user_for_token(conn: Connection, token: str) -> UserRecord | None:
    row = conn.execute(
        select(users)
        .join(api_tokens, api_tokens.c.user_name == users.c.name)
        .where(api_tokens.c.token_hash == _digest(token), api_tokens.c.revoked_at.is_(None))
    ).first()
    return _record(row) if row is not None else None
