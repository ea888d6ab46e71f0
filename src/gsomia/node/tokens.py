"""API tokens: issued for a lifetime, listed, revoked, and checked on every request.

Whether a token stands for its person on a request is the core's decision
(`gsomia.treaty.credentials.may_use_token`); here the token is looked up, the decision asked,
and issuing or revoking one is logged as a key administration event (R16). The CLI on the
node's own machine keeps one console token per person (0600) and reuses it until it nears its
expiry, instead of leaving a new permanent token in the database on every call. It keeps them
outside the home, in the account's runtime directory (`console_folder`): a copy of the home (a
thief of the disk) or a writer of it (on SQLite, the database's) read them there in clear, live
tokens the node's seals vouch for (ADR 0153).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
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
    "console_folder",
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


def _held(
    db: Database, token: str, conn: Connection | None
) -> tuple[UserRecord, TokenState] | None:
    if not token:
        return None
    if conn is None:
        with db.reader.connect() as reader:
            return _held(db, token, reader)
    held = store.token_holder(conn, token, db.vault)
    return (held[0], state_of(held[1], conn, db.vault)) if held is not None else None


def authenticate(
    db: Database,
    token: str,
    *,
    carrier: Carrier = Carrier.HEADER,
    stream_route: bool = False,
    conn: Connection | None = None,
) -> UserRecord:
    """The person `token` stands for on this request; `Unauthenticated` saying why not. Read
    on `conn` if given: a write transaction checks again the token that admitted what it
    writes, so a token revoked while the request was in hand commits nothing (ADR 0154)."""
    held = _held(db, token, conn)
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
    held = _held(db, token, None)
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


#: Where the console keeps its tokens when neither variable names a runtime directory: a
#: memory file system on Linux, in a folder of the account's own.
_SHARED_MEMORY = Path("/dev/shm")  # noqa: S108 - checked to be the account's own, mode 0700


def console_folder(home: Path) -> Path | None:
    """Where the console keeps `home`'s tokens: `GSOMIA_RUNTIME_DIR`, else `XDG_RUNTIME_DIR`
    (the account's, in memory), else a folder of the account's own in `/dev/shm`; one folder
    a home. Never the home: a copy of it holds no live credential (ADR 0153). None if no such
    place is the account's alone: then nothing is kept, and each call issues a token."""
    named = os.environ.get("GSOMIA_RUNTIME_DIR") or os.environ.get("XDG_RUNTIME_DIR")
    if named:
        root = Path(named) / "gsomia"
    elif _SHARED_MEMORY.is_dir():
        root = _SHARED_MEMORY / f"gsomia-{os.getuid()}"
    else:
        return None
    try:
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        held = root.lstat()
    except OSError:
        return None
    if not stat.S_ISDIR(held.st_mode) or held.st_uid != os.getuid() or held.st_mode & 0o077:
        return None  # another account's, or a link it planted: not ours to keep tokens in
    place = hashlib.sha256(str(home.resolve()).encode()).hexdigest()[:32]
    return root / CONSOLE_TOKENS / place


def console_token(db: Database, home: Path, name: str, *, hours: float) -> str:
    """The token the CLI uses for `name` on the node's machine: the one kept for the home
    (`console_folder`) while it has more than a few minutes to live, else a new one (kept in
    its place, mode 0600).

    Not logged as an administration event: it stands for a person already registered, on the
    node's own machine, and whatever it is used for is decided and logged by its use case."""
    _forget_kept_in_home(home)
    folder = console_folder(home)
    path = folder / _file_name(name) if folder is not None else None
    now = db.clock()
    kept = _kept(path) if path is not None else ""
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
    if folder is not None and path is not None:
        _keep(folder, path, token)
    return token


def _forget_kept_in_home(home: Path) -> None:
    """Delete the tokens kept in the home before ADR 0153 (live ones, in clear)."""
    old = home / CONSOLE_TOKENS
    if old.is_dir() and not old.is_symlink():
        shutil.rmtree(old, ignore_errors=True)


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
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    fresh = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(token)
    os.replace(fresh, path)
