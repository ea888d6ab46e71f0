"""API tokens: issued for a lifetime, listed, revoked, and checked on every request.

Whether a token stands for its person on a request is the core's decision
(`gsomia.treaty.credentials.may_use_token`); here the token is looked up, the decision asked,
and issuing or revoking one is logged as a key administration event (R16). The CLI on the
node's own machine keeps one console token per person in `<home>/console-tokens/NAME` (0600)
and reuses it until it nears its expiry, instead of leaving a new permanent token in the
database on every call.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection

from gsomia.errors import Unauthenticated
from gsomia.ledger.events import EventKind
from gsomia.node import audit
from gsomia.node.audit import admin_event
from gsomia.node.database import Database
from gsomia.seal.at_rest import Vault
from gsomia.store import users as store
from gsomia.store.users import TokenRow, UserRecord, token_id
from gsomia.treaty import credentials
from gsomia.treaty.credentials import (
    DEFAULT_TOKEN_HOURS,
    MAX_LIVE_TOKENS,
    Carrier,
    Scope,
    TokenState,
    may_use_token,
    reusable,
    to_retire,
    token_expiry,
)

__all__ = [
    "CONSOLE_TOKENS",
    "Issued",
    "TokenRow",
    "authenticate",
    "console_token",
    "issue",
    "issue_token",
    "list_tokens",
    "revoke_token",
    "standing_until",
    "token_id",
]

OPERATOR = "operator"
CONSOLE_TOKENS = "console-tokens"


def state_of(
    row: TokenRow, conn: Connection | None = None, vault: Vault | None = None
) -> TokenState:
    """What the core needs of `row`: with `conn` and `vault`, the state of the token that
    issued it (its row checked as every token's is)."""
    state = TokenState(Scope(row.scope), row.created_at, row.expires_at, row.revoked_at)
    if row.parent is None or conn is None or vault is None:
        return replace(state, orphan=row.parent is not None)
    parent = store.token_by_hash(conn, row.parent, vault)
    if parent is None:
        return replace(state, orphan=True)
    return replace(state, parent=state_of(parent))


def _held(db: Database, token: str) -> tuple[UserRecord, TokenState] | None:
    if not token:
        return None
    with db.reader.connect() as conn:
        held = store.token_holder(conn, token, db.vault)
        return (held[0], state_of(held[1], conn, db.vault)) if held is not None else None


def authenticate(
    db: Database, token: str, *, carrier: Carrier = Carrier.HEADER, stream_route: bool = False
) -> UserRecord:
    """The person `token` stands for on this request; `Unauthenticated` saying why not."""
    held = _held(db, token)
    decision = may_use_token(
        held[1] if held else None,
        db.clock(),
        carrier=carrier,
        stream_route=stream_route,
    )
    if held is not None and held[0].disabled_at is not None:
        decision = may_use_token(None, db.clock(), carrier=carrier, stream_route=stream_route)
    if not decision.allowed or held is None:
        raise Unauthenticated(
            decision.reason if token else "a valid API token is required",
            hint="send `Authorization: Bearer <token>`; "
            "an operator issues one with `gsomia user token`",
        )
    return held[0]


def standing_until(db: Database, token: str) -> datetime | None:
    """Until when `token` stands (its expiry or its issuer's), or None if it does not now: an
    open stream asks again at each keep-alive and ends when it gets None."""
    held = _held(db, token)
    if held is None or held[0].disabled_at is not None:
        return None
    return credentials.standing_until(held[1], db.clock())


@dataclass(frozen=True)
class Issued:
    token: str  # shown once; only its hash is kept
    retired: list[str]  # ids of the person's oldest tokens retired to make room (ADR 0086)


def issue(
    db: Database,
    name: str,
    *,
    actor: str = OPERATOR,
    scope: Scope = Scope.API,
    hours: float = DEFAULT_TOKEN_HOURS,
    parent: str | None = None,
) -> Issued:
    """A new token for `name`, living `hours`, logged as issued; `parent`, the token of the
    request that asked for it (a stream token stands only while it does). If `name` holds
    `MAX_LIVE_TOKENS` in force already, the oldest are retired, logged and said."""
    now = db.clock()
    expires = token_expiry(now, hours)
    with db.engine.begin() as conn:
        retired = _make_room(db, conn, name, now, actor, keep=parent)
        token = store.issue_token(
            conn, name, now, db.vault, scope=scope.value, expires_at=expires, parent=parent
        )
        event = admin_event(
            EventKind.KEY_ADMIN,
            actor=actor,
            action="user:token",
            subject=name,
            now=now,
            token=token_id(token),
            scope=scope.value,
            expires=expires.isoformat(),
        )
        audit.record_event(conn, event)
    return Issued(token, retired)


def issue_token(
    db: Database,
    name: str,
    *,
    actor: str = OPERATOR,
    scope: Scope = Scope.API,
    hours: float = DEFAULT_TOKEN_HOURS,
) -> str:
    """A new token for `name` (shown once; only its hash is kept): `issue`'s token."""
    return issue(db, name, actor=actor, scope=scope, hours=hours).token


def _make_room(
    db: Database, conn: Connection, name: str, now: datetime, actor: str, *, keep: str | None = None
) -> list[str]:
    """Retire `name`'s oldest tokens in force beyond the cap (never `keep`), logged; their ids."""
    live = store.live_tokens(conn, name, now, db.vault)
    kept = token_id(keep) if keep is not None else None
    retired = to_retire([(row.id, row.created_at) for row in live], keep=kept)
    if retired:
        store.retire_tokens(conn, name, retired, now, db.vault)
        event = admin_event(
            EventKind.KEY_ADMIN,
            actor=actor,
            action="user:token-retire",
            subject=name,
            now=now,
            tokens=",".join(retired),
            reason=f"at most {MAX_LIVE_TOKENS} tokens in force a person",
        )
        audit.record_event(conn, event)
    return retired


def list_tokens(db: Database, name: str | None = None) -> list[TokenRow]:
    """`name`'s tokens (everyone's if None), newest first, revoked and expired included."""
    with db.reader.connect() as conn:
        return store.list_tokens(conn, db.vault, name)


def revoke_token(
    db: Database, ident: str, *, actor: str = OPERATOR, owner: str | None = None
) -> str:
    """Revoke the token `ident` (one of `owner`'s, when a person revokes their own); logged.
    The holder's name."""
    now = db.clock()
    with db.engine.begin() as conn:
        holder = store.revoke_token(conn, ident, now, db.vault, owner=owner)
        event = admin_event(
            EventKind.KEY_ADMIN,
            actor=actor,
            action="user:token-revoke",
            subject=holder,
            now=now,
            token=ident,
        )
        audit.record_event(conn, event)
    return holder


def console_token(db: Database, home: Path, name: str, *, hours: float) -> str:
    """The token the CLI uses for `name` on the node's machine: the one kept in the home while
    it has more than a few minutes to live, else a new one (kept in its place, mode 0600).

    Not logged as an administration event: it stands for a person already registered, on the
    node's own machine, and whatever it is used for is decided and logged by its use case."""
    folder = home / CONSOLE_TOKENS
    path = folder / _file_name(name)
    now = db.clock()
    kept = _kept(path)
    if kept:
        with db.reader.connect() as conn:  # unchecked: the token is checked at its use
            held = store.kept_token(conn, kept)
        if held is not None and held.user_name == name and reusable(state_of(held), now):
            return kept
    vault = db.vault  # unlocked before the transaction: its first unlock writes (the passes)
    with db.engine.begin() as conn:
        _make_room(db, conn, name, now, name)
        token = store.issue_token(
            conn, name, now, vault, scope=Scope.CONSOLE.value, expires_at=token_expiry(now, hours)
        )
    _keep(folder, path, token)
    return token


def _file_name(name: str) -> str:
    """`name` as a file name that stays in the folder, whatever characters it has."""
    if re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}", name):
        return name
    return "u-" + hashlib.sha256(name.encode()).hexdigest()[:32]


def _kept(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii").strip()
    except (FileNotFoundError, UnicodeDecodeError):
        return ""


def _keep(folder: Path, path: Path, token: str) -> None:
    """Write `token` to `path` readable by the node's account alone, replacing atomically."""
    folder.mkdir(mode=0o700, exist_ok=True)
    fresh = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(token)
    os.replace(fresh, path)
