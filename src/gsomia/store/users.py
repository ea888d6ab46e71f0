"""People of this node and their API tokens.

A token is 256 random bits shown once; only its SHA-256 is stored (a fast hash suffices for a
secret with that much entropy). Passwords, where people use them, are hashed with Argon2id.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, bindparam, delete, func, select, text, update
from sqlalchemy.exc import IntegrityError

from gsomia.errors import Conflict, NotFound, RateLimited
from gsomia.store.tables import api_tokens, users, web_sessions

_hasher = PasswordHasher()
#: Password checks running at once in the node: in this process, and on PostgreSQL in all the
#: node's processes together (ADR 0130; `serve --workers N` made it N times before). Each
#: Argon2id check holds 64 MiB and a core, and is asked before anyone is known (a sign-in,
#: TAXII Basic credentials): unbounded, forty guesses at once under forty names held 2.5 GB
#: (found by the attack).
AT_ONCE = 2
#: How long a check waits for one running to finish before it is refused.
WAIT_FOR_A_CHECK = 0.5
_checking = threading.BoundedSemaphore(AT_ONCE)
#: How often a check waiting for one of the node's slots tries them again.
SLOT_POLL = 0.01
_TRY_SLOT = text("SELECT pg_try_advisory_xact_lock(hashtextextended(:key, 0))")
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
    disabled_at: datetime | None = None  # `gsomia user disable`
    #: SPIF security categories held, as "tag set=value" (ADR 0104).
    categories: tuple[str, ...] = ()


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
        disabled_at=m["disabled_at"],
        categories=tuple(m["categories"] or ()),
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
                categories=list(user.categories),
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


#: The columns `update_user` may change (the name is the person's key in the log).
UPDATABLE = (
    "categories",
    "nationality",
    "clearance",
    "clearance_expires",
    "communities",
    "roles",
    "registered",
    "language",
)


def update_user(conn: Connection, name: str, changes: dict[str, object]) -> None:
    """Set `changes` (columns of `UPDATABLE`) on `name`'s row; NotFound if there is none."""
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    values = {k: list(v) if isinstance(v, tuple) else v for k, v in changes.items()}
    if conn.execute(update(users).where(users.c.name == name).values(**values)).rowcount == 0:
        raise NotFound(f"no user named {name!r}", hint="`gsomia user list` shows who exists")


def enable(conn: Connection, name: str) -> None:
    """Undo `disable`: the person may sign in again (with a new token or password)."""
    conn.execute(update(users).where(users.c.name == name).values(disabled_at=None))


def remove_user(conn: Connection, name: str) -> None:
    """Delete `name` with their tokens and sessions; Conflict if other records name them
    (items they published, rules they set), which must stay attributed."""
    get_user(conn, name)
    try:
        with conn.begin_nested():
            conn.execute(delete(api_tokens).where(api_tokens.c.user_name == name))
            conn.execute(delete(web_sessions).where(web_sessions.c.user_name == name))
            conn.execute(delete(users).where(users.c.name == name))
    except IntegrityError as exc:
        raise Conflict(
            f"{name} published items or set rules here, which must stay attributed to them",
            hint=f"disable them instead: gsomia user disable {name}",
        ) from exc


_COMMUNITIES = select(users.c.communities)


def communities(conn: Connection) -> set[str]:
    """Every need-to-know community some person of this node belongs to."""
    rows = conn.execute(_COMMUNITIES)
    return {community for (found,) in rows for community in (found or ())}


def set_password(conn: Connection, name: str, password: str) -> None:
    get_user(conn, name)
    conn.execute(
        update(users).where(users.c.name == name).values(password_hash=_hasher.hash(password))
    )


def check_password(conn: Connection, name: str, password: str) -> UserRecord | None:
    """The user if `password` is theirs, else None (timing does not reveal which part failed);
    `RateLimited` while `AT_ONCE` checks run for longer than `WAIT_FOR_A_CHECK` seconds, in
    this process or (PostgreSQL) in the node's processes together: `conn`'s transaction holds
    the node's slot until it ends, so end it once the check is done (a `connect()` block)."""
    deadline = time.monotonic() + WAIT_FOR_A_CHECK
    if not _checking.acquire(timeout=WAIT_FOR_A_CHECK):
        raise _too_many()
    try:
        _take_node_slot(conn, deadline)
        return _checked(conn, name, password)
    finally:
        _checking.release()


def _too_many() -> RateLimited:
    return RateLimited(
        "too many passwords are being checked at once",
        retry_after=1.0,
        hint="try again in a second; a tool should send an API token",
    )


def _take_node_slot(conn: Connection, deadline: float) -> None:
    """One of the node's `AT_ONCE` check slots, across its processes, for `conn`'s
    transaction: on PostgreSQL a transaction-scoped advisory lock per slot (let go when the
    transaction ends, whatever happens in it, or with the connection if the process dies);
    `RateLimited` if none is free by `deadline`. On SQLite the node is one process, which
    `_checking` already bounds."""
    if conn.dialect.name != "postgresql":
        return
    keys = [f"gsomia.password-check:{slot}" for slot in range(AT_ONCE)]
    while not any(conn.execute(_TRY_SLOT, {"key": key}).scalar_one() for key in keys):
        if time.monotonic() >= deadline:
            raise _too_many()
        time.sleep(SLOT_POLL)


def _checked(conn: Connection, name: str, password: str) -> UserRecord | None:
    row = conn.execute(select(users).where(users.c.name == name)).first()
    stored = row._mapping["password_hash"] if row is not None else None
    try:
        _hasher.verify(stored or _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    return _record(row) if row is not None and stored else None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    conn: Connection,
    name: str,
    now: datetime,
    *,
    scope: str = "api",
    expires_at: datetime | None = None,
    parent: str | None = None,
) -> str:
    """A new token for `name`, kept as its hash; it expires at `expires_at` (default: 12 hours
    on, the node's default lifetime). `parent`: the token that issued it, which it needs."""
    get_user(conn, name)
    token = "gsm_" + secrets.token_urlsafe(32)
    conn.execute(
        api_tokens.insert().values(
            token_hash=_digest(token),
            user_name=name,
            created_at=now,
            scope=scope,
            expires_at=expires_at or now + timedelta(hours=12),
            parent=_digest(parent) if parent is not None else None,
        )
    )
    return token


@dataclass(frozen=True)
class TokenRow:
    """A token as the node keeps it: its id is a prefix of its hash, safe to show."""

    id: str
    user_name: str
    scope: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    parent: str | None = None  # the hash of the token that issued this one


TOKEN_ID_CHARS = 16


def _token_row(row: object) -> TokenRow:
    m = row._mapping  # type: ignore[attr-defined]
    return TokenRow(
        id=m["token_hash"][:TOKEN_ID_CHARS],
        user_name=m["user_name"],
        scope=m["scope"],
        created_at=m["created_at"],
        expires_at=m["expires_at"],
        revoked_at=m["revoked_at"],
        parent=m["parent"],
    )


def token_id(token: str) -> str:
    return _digest(token)[:TOKEN_ID_CHARS]


def list_tokens(conn: Connection, name: str | None = None) -> list[TokenRow]:
    """`name`'s tokens (everyone's if None), newest first."""
    query = select(api_tokens).order_by(api_tokens.c.created_at.desc())
    if name is not None:
        query = query.where(api_tokens.c.user_name == name)
    return [_token_row(row) for row in conn.execute(query)]


def revoke_token(conn: Connection, ident: str, now: datetime, *, owner: str | None = None) -> str:
    """Revoke the token whose id is `ident` (of `owner`, if given); its holder's name.
    `NotFound` if there is no such token in force."""
    if len(ident) != TOKEN_ID_CHARS or not all(c in "0123456789abcdef" for c in ident):
        raise NotFound(f"no token {ident!r}", hint="`gsomia user tokens` lists the ids")
    query = select(api_tokens.c.token_hash, api_tokens.c.user_name).where(
        api_tokens.c.token_hash.startswith(ident), api_tokens.c.revoked_at.is_(None)
    )
    if owner is not None:
        query = query.where(api_tokens.c.user_name == owner)
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(f"no token {ident!r} in force", hint="`gsomia user tokens` lists the ids")
    in_force = api_tokens.c.revoked_at.is_(None)
    conn.execute(
        update(api_tokens)  # the token and the stream tokens it issued
        .where(
            in_force,
            (api_tokens.c.token_hash == row.token_hash) | (api_tokens.c.parent == row.token_hash),
        )
        .values(revoked_at=now)
    )
    return str(row.user_name)


def retire_tokens(conn: Connection, name: str, ids: list[str], now: datetime) -> None:
    """Revoke `name`'s tokens of the ids `ids`, and the stream tokens they issued."""
    ident = func.substr(api_tokens.c.token_hash, 1, TOKEN_ID_CHARS)
    chosen = select(api_tokens.c.token_hash).where(api_tokens.c.user_name == name, ident.in_(ids))
    hashes = list(conn.execute(chosen).scalars())
    conn.execute(
        update(api_tokens)
        .where(
            api_tokens.c.revoked_at.is_(None),
            api_tokens.c.token_hash.in_(hashes) | api_tokens.c.parent.in_(hashes),
        )
        .values(revoked_at=now)
    )


def live_tokens(conn: Connection, name: str, now: datetime) -> list[TokenRow]:
    """`name`'s tokens in force at `now`: not revoked, not expired."""
    query = select(api_tokens).where(
        api_tokens.c.user_name == name,
        api_tokens.c.revoked_at.is_(None),
        api_tokens.c.expires_at > now,
    )
    return [_token_row(row) for row in conn.execute(query)]


def token_by_hash(conn: Connection, digest: str) -> TokenRow | None:
    row = conn.execute(_TOKEN, {"digest": digest}).first()
    return _token_row(row) if row is not None else None


def revoke_tokens(conn: Connection, name: str, now: datetime) -> None:
    conn.execute(
        update(api_tokens)
        .where(api_tokens.c.user_name == name, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )


#: Asked on every request that carries a token: built once, the statements keep their cache
#: keys (built on each request, their construction was a third of the token check, ADR 0137).
_HOLDER = (
    select(users, api_tokens)
    .join(api_tokens, api_tokens.c.user_name == users.c.name)
    .where(api_tokens.c.token_hash == bindparam("digest"))
)
_TOKEN = select(api_tokens).where(api_tokens.c.token_hash == bindparam("digest"))


def token_holder(conn: Connection, token: str) -> tuple[UserRecord, TokenRow] | None:
    """The person `token` was issued to and what is kept of it, revoked or expired alike
    (whether it still stands is the core's decision); None if it was never issued."""
    row = conn.execute(_HOLDER, {"digest": _digest(token)}).first()
    return (_record(row), _token_row(row)) if row is not None else None


def user_for_token(conn: Connection, token: str) -> UserRecord | None:
    """The person behind `token` unless it was revoked. Whether it may be used now (its
    lifetime, its scope) is `gsomia.treaty.credentials.may_use_token`'s to say."""
    held = token_holder(conn, token)
    return held[0] if held is not None and held[1].revoked_at is None else None
