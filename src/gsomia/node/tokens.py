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
from pathlib import Path

from gsomia.errors import Unauthenticated
from gsomia.ledger.events import EventKind
from gsomia.node import audit
from gsomia.node.audit import admin_event
from gsomia.node.database import Database
from gsomia.store import users as store
from gsomia.store.users import TokenRow, UserRecord, token_id
from gsomia.treaty.credentials import (
    DEFAULT_TOKEN_HOURS,
    Carrier,
    Scope,
    TokenState,
    may_use_token,
    reusable,
    token_expiry,
)

__all__ = [
    "CONSOLE_TOKENS",
    "TokenRow",
    "authenticate",
    "console_token",
    "issue_token",
    "list_tokens",
    "revoke_token",
    "token_id",
]

OPERATOR = "operator"
CONSOLE_TOKENS = "console-tokens"


def state_of(row: TokenRow) -> TokenState:
    return TokenState(Scope(row.scope), row.created_at, row.expires_at, row.revoked_at)


def authenticate(
    db: Database, token: str, *, carrier: Carrier = Carrier.HEADER, stream_route: bool = False
) -> UserRecord:
    """The person `token` stands for on this request; `Unauthenticated` saying why not."""
    with db.reader.connect() as conn:
        held = store.token_holder(conn, token) if token else None
    decision = may_use_token(
        state_of(held[1]) if held else None,
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


def issue_token(
    db: Database,
    name: str,
    *,
    actor: str = OPERATOR,
    scope: Scope = Scope.API,
    hours: float = DEFAULT_TOKEN_HOURS,
) -> str:
    """A new token for `name` (shown once; only its hash is kept), living `hours`, logged as
    issued."""
    now = db.clock()
    expires = token_expiry(now, hours)
    with db.engine.begin() as conn:
        token = store.issue_token(conn, name, now, scope=scope.value, expires_at=expires)
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
    return token


def list_tokens(db: Database, name: str | None = None) -> list[TokenRow]:
    """`name`'s tokens (everyone's if None), newest first, revoked and expired included."""
    with db.reader.connect() as conn:
        return store.list_tokens(conn, name)


def revoke_token(
    db: Database, ident: str, *, actor: str = OPERATOR, owner: str | None = None
) -> str:
    """Revoke the token `ident` (one of `owner`'s, when a person revokes their own); logged.
    The holder's name."""
    now = db.clock()
    with db.engine.begin() as conn:
        holder = store.revoke_token(conn, ident, now, owner=owner)
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
        with db.reader.connect() as conn:
            held = store.token_holder(conn, kept)
        if held is not None and held[0].name == name and reusable(state_of(held[1]), now):
            return kept
    with db.engine.begin() as conn:
        token = store.issue_token(
            conn, name, now, scope=Scope.CONSOLE.value, expires_at=token_expiry(now, hours)
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
