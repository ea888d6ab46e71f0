"""People of this node and their API tokens.

A token is 256 random bits shown once; only its SHA-256 is stored (a fast hash suffices for a
secret with that much entropy). Passwords, where people use them, are hashed with Argon2id.

What decides a person's access (nationality, clearance and its expiry, communities, roles,
register, categories, language, disabled) stays in clear and is sealed beside it in `terms`,
under a metadata key of the person's name, where it is decided (added, updated, disabled,
enabled). Every read that makes a `UserRecord` checks it: a column a writer of the database
changed, a row swapped with another person's, or terms copied from another row are
`StoreDamaged` naming the person (ADR 0146).

What authenticates a person — each token's row, the password's verifier — carries an HMAC under
the node's key (`store.credential_seals`): a row a writer of the database inserted, edited or
moved to another person is `StoreDamaged` naming the token or the person at every read
(ADR 0150).
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from argon2.exceptions import VerificationError as HashMismatch
from sqlalchemy import ColumnElement, Connection, bindparam, delete, func, select, text, update
from sqlalchemy.exc import IntegrityError

from gsomia.errors import Conflict, NotFound, RateLimited, StoreDamaged, VerificationError
from gsomia.seal.at_rest import REMEMBERED, DataKey, Vault
from gsomia.store import credential_seals, driver_rows, sealed_terms
from gsomia.store.sessions import bind_seals as web_sessions_bind
from gsomia.store.tables import api_tokens, users, web_sessions
from gsomia.treaty import check_turns

_hasher = PasswordHasher()
#: Password checks running at once in the node: in this process, and on PostgreSQL in all the
#: node's processes together (ADR 0130; `serve --workers N` made it N times before). Each
#: Argon2id check holds 64 MiB and a core, and is asked before anyone is known (a sign-in,
#: TAXII Basic credentials): unbounded, forty guesses at once under forty names held 2.5 GB
#: (found by the attack).
AT_ONCE = 2
#: How long a check waits for one running to finish before it is refused.
WAIT_FOR_A_CHECK = 0.5
#: How often a check waiting for one of the node's slots tries them again.
SLOT_POLL = 0.01
_TRY_SLOT = text("SELECT pg_try_advisory_xact_lock(hashtextextended(:key, 0))")
#: Held (shared, by the session) by each check from a source without failures while it waits
#: for a slot, in every process of the node on PostgreSQL: one from a source with failures
#: that finds the slots taken and this held elsewhere is refused at once (ADR 0140).
_CLEAN = (0x6753, 0x0140)  # two int4: advisory lock keys of their own, not a text hash
_WAIT_CLEAN = text("SELECT pg_advisory_lock_shared(:a, :b)")
_DONE_CLEAN = text("SELECT pg_advisory_unlock_shared(:a, :b)")
_CLEAN_ELSEWHERE = text(
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND classid = :a AND objid = :b AND objsubid = 2 AND pid <> pg_backend_pid())"
)


class _Turns:
    """This process's check slots, shared as `treaty.check_turns` decides: each waiting
    check asks again whenever a slot is let go or a waiter leaves."""

    def __init__(self, at_once: int) -> None:
        self._at_once = at_once
        self._changed = threading.Condition()
        self._waiting: dict[int, check_turns.Try] = {}
        self._holding: list[str] = []
        self._tickets = itertools.count()

    def waiting(self) -> list[check_turns.Try]:
        with self._changed:
            return list(self._waiting.values())

    @contextmanager
    def slot(self, source: str, failures: int, deadline: float) -> Iterator[None]:
        """Hold one of this process's slots while the block runs; `RateLimited` if refused
        at once (failures, with others to go first) or if none is given by `deadline`."""
        with self._changed:
            me = check_turns.Try(next(self._tickets), source, failures)
            self._waiting[me.ticket] = me
            self._changed.notify_all()  # a try with failures waiting may be refused now
            try:
                while True:
                    free = self._at_once - len(self._holding)
                    now = check_turns.turns(list(self._waiting.values()), self._holding, free)
                    if me.ticket in now.admitted:
                        break
                    left = deadline - time.monotonic()
                    if me.ticket in now.refused or left <= 0:
                        raise _too_many()
                    self._changed.wait(left)
            finally:
                del self._waiting[me.ticket]
                self._changed.notify_all()
            self._holding.append(source)
        try:
            yield
        finally:
            with self._changed:
                self._holding.remove(source)
                self._changed.notify_all()


_checking = _Turns(AT_ONCE)
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


#: The column name a person's sealing is bound to (not a holding's or a copy's terms).
TERMS = "user_terms"


def _key(vault: Vault, name: str) -> DataKey:
    """The key a person's terms are sealed under: of their name, in a space of its own (no
    holding or copy id derives it)."""
    return vault.metadata_key(f"users:{name}")


def _record(row: object, vault: Vault) -> UserRecord:
    """The person `row` (a row, or its mapping) says, once its columns are what its sealed
    terms say (ADR 0146)."""
    m = _mapping(row)
    user = UserRecord(
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
    _as_sealed(user, m["terms"], vault)
    return user


def _mapping(row: object) -> Mapping[Any, Any]:
    """A row's mapping, or the mapping a straight read gives (`driver_rows.Straight`)."""
    return row if isinstance(row, Mapping) else row._mapping  # type: ignore[attr-defined]


def _decided(user: UserRecord) -> dict[str, Any]:
    """What a person's terms seal, as JSON reads it back."""
    return {
        "name": user.name,
        "nationality": user.nationality,
        "clearance": user.clearance,
        "clearance_expires": user.clearance_expires.isoformat(),
        "communities": list(user.communities),
        "roles": list(user.roles),
        "registered": user.registered,
        "language": user.language,
        "disabled_at": user.disabled_at.astimezone(UTC).isoformat() if user.disabled_at else None,
        "categories": list(user.categories),
    }


def _sealed(user: UserRecord, vault: Vault) -> str:
    return sealed_terms.seal(_key(vault, user.name), TERMS, _decided(user))


def _as_sealed(user: UserRecord, sealed: str | None, vault: Vault) -> None:
    """StoreDamaged unless `user`'s columns say what their sealed terms say: a writer of the
    database who raised a clearance, changed a nationality or roles, or put another person's
    row or terms here. A row without terms is damage too, except to the node's one pass over
    rows from before (`vault.reads_clear`), which seals them."""
    if sealed is None:
        if vault.reads_clear:
            return
        raise StoreDamaged(
            f"user {user.name} keeps no seal of their clearance and need-to-know",
            hint="restore the database from a backup; a person's clearance is never read from "
            "columns nothing vouches for",
        )
    try:
        said = _opened(vault, user.name, sealed)
    except VerificationError as error:
        raise StoreDamaged(
            f"user {user.name}'s sealed terms do not open as their own: {error.message}",
            hint="restore the database from a backup; rows in clear are never read as genuine",
        ) from None
    differ = sealed_terms.differing(said, _decided(user))
    if differ:
        raise StoreDamaged(
            f"user {user.name}'s {', '.join(differ)} "
            f"{'is' if len(differ) == 1 else 'are'} not what their sealed terms say",
            hint="restore the database from a backup; a column changed in the database is "
            "never read as the node's decision",
        )


def _opened(vault: Vault, name: str, sealed: str) -> dict[str, Any]:
    """What `name`'s terms `sealed` say; each sealed value opened once a process (a token
    check reads its person on every request: the key's derivation and the open were most of
    the check's cost, ADR 0146). VerificationError if it is not `name`'s."""
    known = (name, TERMS, sealed)
    said: dict[str, Any] | None = vault.opened.get(known)
    if said is None:
        said = sealed_terms.opened(_key(vault, name), TERMS, sealed)
        if len(vault.opened) >= REMEMBERED:
            vault.opened.clear()
        vault.opened[known] = said
    return said


def add_user(
    conn: Connection,
    user: UserRecord,
    now: datetime,
    vault: Vault,
    password: str | None = None,
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
                disabled_at=user.disabled_at,
                created_at=now,
                terms=_sealed(user, vault),
                **_verifier(user.name, password, vault),
            )
        )
    except IntegrityError as exc:
        raise Conflict(f"user {user.name!r} already exists", hint="choose another name") from exc


_USER = select(users).where(users.c.name == bindparam("name"))


def get_user(conn: Connection, name: str, vault: Vault) -> UserRecord:
    row = conn.execute(_USER, {"name": name}).first()
    if row is None:
        raise NotFound(f"no user named {name!r}", hint="`gsomia user list` shows who exists")
    return _record(row, vault)


def list_users(conn: Connection, vault: Vault) -> list[UserRecord]:
    return [_record(row, vault) for row in conn.execute(select(users).order_by(users.c.name))]


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


def update_user(conn: Connection, name: str, changes: dict[str, object], vault: Vault) -> None:
    """Set `changes` (columns of `UPDATABLE`) on `name`'s row; NotFound if there is none."""
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    _decide(conn, name, vault, **changes)


def enable(conn: Connection, name: str, vault: Vault) -> None:
    """Undo `disable`: the person may sign in again (with a new token or password)."""
    _decide(conn, name, vault, disabled_at=None)


def disable(conn: Connection, name: str, now: datetime, vault: Vault) -> None:
    """`gsomia user disable`: no session, no token from `now` (one disabled stays so since)."""
    if get_user(conn, name, vault).disabled_at is None:
        _decide(conn, name, vault, disabled_at=now)


def _decide(conn: Connection, name: str, vault: Vault, **changes: Any) -> None:
    """Write `changes` to `name`'s row, its sealed terms rewritten to say them; the row read
    locked and checked first, so a column a writer changed is damage here, never sealed as
    the node's. NotFound if there is no such person."""
    row = conn.execute(select(users).where(users.c.name == name).with_for_update()).first()
    if row is None:
        raise NotFound(f"no user named {name!r}", hint="`gsomia user list` shows who exists")
    user = replace(_record(row, vault), **changes)
    values = {k: list(v) if isinstance(v, tuple) else v for k, v in changes.items()}
    conn.execute(
        update(users).where(users.c.name == name).values(**values, terms=_sealed(user, vault))
    )


def bind_terms(conn: Connection, vault: Vault) -> int:
    """Seal the terms of each person who keeps none (registered before ADR 0146) as their
    columns say them; how many. Only the node's one pass does this (`node.at_rest`): after
    it, a person without terms is damage."""
    rows = conn.execute(select(users).where(users.c.terms.is_(None))).all()
    for row in rows:
        terms = _sealed(_record(row, vault), vault)
        conn.execute(update(users).where(users.c.name == row.name).values(terms=terms))
    return len(rows)


def _known(conn: Connection, name: str) -> None:
    """NotFound unless `name` is a person of this node: for what decides nothing on their
    clearance (a token, a password, a removal), so the console does these without the key."""
    if conn.execute(select(users.c.name).where(users.c.name == name)).first() is None:
        raise NotFound(f"no user named {name!r}", hint="`gsomia user list` shows who exists")


def remove_user(conn: Connection, name: str) -> None:
    """Delete `name` with their tokens and sessions; Conflict if other records name them
    (items they published, rules they set), which must stay attributed."""
    _known(conn, name)
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


_COMMUNITIES = driver_rows.Straight(select(users.c.communities))  # each post asks (issue 17)


def communities(conn: Connection) -> set[str]:
    """Every need-to-know community some person of this node belongs to."""
    rows = _COMMUNITIES.rows(conn, {})
    return {community for (found,) in rows for community in (found or ())}


def _verifier(name: str, password: str | None, vault: Vault) -> dict[str, str | None]:
    """The columns that keep `name`'s `password`: its Argon2id hash and that hash's seal."""
    if not password:
        return {"password_hash": None, "password_seal": None}
    verifier = _hasher.hash(password)
    return {
        "password_hash": verifier,
        "password_seal": credential_seals.password(vault, name, verifier),
    }


def set_password(conn: Connection, name: str, password: str, vault: Vault) -> str:
    """Set `name`'s password; the seal of its verifier (what the log records of it)."""
    _known(conn, name)
    verifier = _verifier(name, password, vault)
    conn.execute(update(users).where(users.c.name == name).values(**verifier))
    return str(verifier["password_seal"])


def password_seals(conn: Connection, names: Collection[str]) -> dict[str, str | None]:
    """The seal beside each of `names`' password verifier, as the database keeps it,
    unchecked: for `gsomia audit verify` to hold against the log (`node.ledger
    .verify_tokens`)."""
    query = select(users.c.name, users.c.password_seal).where(users.c.name.in_(sorted(names)))
    return {row.name: row.password_seal for row in conn.execute(query)}


def _vouched_verifier(row: object, vault: Vault) -> str | None:
    """The password verifier of the person `row`, once its seal says the node set it there for
    them; None if they have none. A verifier a writer of the database wrote (of a password they
    chose), or copied from another person's row with its seal, is `StoreDamaged` (ADR 0150)."""
    m = row._mapping  # type: ignore[attr-defined]
    verifier: str | None = m["password_hash"]
    if verifier is None:
        return None
    name, kept = m["name"], m["password_seal"]
    if kept is None:
        raise StoreDamaged(
            f"user {name}'s password verifier keeps no seal",
            hint="restore the database from a backup, or set the password again with "
            "`gsomia user passwd`; a verifier nothing vouches for never signs anyone in",
        )
    if not credential_seals.vouches(kept, credential_seals.password(vault, name, verifier)):
        raise StoreDamaged(
            f"user {name}'s password verifier is not the one the node set",
            hint="restore the database from a backup, or set the password again with "
            "`gsomia user passwd`; a verifier written in the database never signs anyone in",
        )
    return verifier


def check_password(
    conn: Connection,
    name: str,
    password: str,
    vault: Vault,
    *,
    source: str = "",
    failures: int = 0,
) -> UserRecord | None:
    """The user if `password` is theirs, else None (timing does not reveal which part failed);
    `RateLimited` while `AT_ONCE` checks run for longer than `WAIT_FOR_A_CHECK` seconds, in
    this process or (PostgreSQL) in the node's processes together, and at once for a try from
    a `source` with recent `failures` while others wait (`treaty.check_turns`, ADR 0140); a
    source holds one slot at most. `conn`'s transaction holds the node's slot until it ends,
    so end it once the check is done (a `connect()` block)."""
    deadline = time.monotonic() + WAIT_FOR_A_CHECK
    with _checking.slot(source, failures, deadline):
        _take_node_slot(conn, deadline, source, failures)
        return _checked(conn, name, password, vault)


def _too_many() -> RateLimited:
    return RateLimited(
        "too many passwords are being checked at once",
        retry_after=1.0,
        hint="try again in a second; a tool should send an API token",
    )


def _take_node_slot(conn: Connection, deadline: float, source: str, failures: int) -> None:
    """One of the node's `AT_ONCE` check slots, across its processes, for `conn`'s
    transaction: on PostgreSQL a transaction-scoped advisory lock per slot (let go when the
    transaction ends, whatever happens in it, or with the connection if the process dies),
    after the source's own lock (one slot a source in the whole node); a try from a source
    without failures holds `_CLEAN` shared while it waits, and one with failures that finds
    the slots taken while another process holds it is refused at once (`treaty.check_turns`'s
    rule across processes). `RateLimited` if none is free by `deadline`. On SQLite the node
    is one process, which `_checking` already shares out."""
    if conn.dialect.name != "postgresql":
        return
    if source:
        _poll(conn, [f"gsomia.password-source:{source}"], deadline)
    clean = {"a": _CLEAN[0], "b": _CLEAN[1]}
    keys = [f"gsomia.password-check:{slot}" for slot in range(AT_ONCE)]
    if failures:
        _poll(conn, keys, deadline, refuse=lambda: _clean_waiting(conn))
        return
    conn.execute(_WAIT_CLEAN, clean)  # the session's (a process that dies lets it go)
    try:
        _poll(conn, keys, deadline)
    finally:
        conn.execute(_DONE_CLEAN, clean)


def _clean_waiting(conn: Connection) -> bool:
    """Whether a try from a source without failures waits for a slot in another process."""
    return bool(conn.execute(_CLEAN_ELSEWHERE, {"a": _CLEAN[0], "b": _CLEAN[1]}).scalar_one())


def _poll(
    conn: Connection, keys: list[str], deadline: float, *, refuse: Callable[[], bool] | None = None
) -> None:
    """Take one of the advisory locks `keys` for the transaction, trying again each
    `SLOT_POLL`; `RateLimited` by `deadline`, or at once when `refuse` says so."""
    while not any(conn.execute(_TRY_SLOT, {"key": key}).scalar_one() for key in keys):
        if (refuse is not None and refuse()) or time.monotonic() >= deadline:
            raise _too_many()
        time.sleep(SLOT_POLL)


def _checked(conn: Connection, name: str, password: str, vault: Vault) -> UserRecord | None:
    row = conn.execute(select(users).where(users.c.name == name)).first()
    user = _record(row, vault) if row is not None else None
    stored = _vouched_verifier(row, vault) if row is not None else None
    try:
        _hasher.verify(stored or _DUMMY_HASH, password)
    except (VerifyMismatchError, HashMismatch, InvalidHashError):
        return None
    return user if stored else None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    conn: Connection,
    name: str,
    now: datetime,
    vault: Vault,
    *,
    scope: str = "api",
    expires_at: datetime | None = None,
    parent: str | None = None,
) -> str:
    """A new token for `name`, kept as its hash and sealed to them; it expires at `expires_at`
    (default: 12 hours on, the node's default lifetime). `parent`: the token that issued it,
    which it needs."""
    _known(conn, name)  # whoever uses it is read, and checked, at each use
    token = "gsm_" + secrets.token_urlsafe(32)
    values: dict[str, Any] = {
        "token_hash": _digest(token),
        "user_name": name,
        "created_at": now,
        "scope": scope,
        "expires_at": expires_at or now + timedelta(hours=12),
        "parent": _digest(parent) if parent is not None else None,
        "revoked_at": None,
    }
    conn.execute(api_tokens.insert().values(**values, seal=_token_seal(values, vault)))
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
_SEALED = credential_seals.TOKEN_COLUMNS
#: By the table's columns: a row joined with its holder's (whose `created_at` has the same
#: name) reads the token's.
_TOKEN_COLUMNS = {name: api_tokens.c[name] for name in (*_SEALED, "seal")}


def _token_seal(values: dict[str, Any], vault: Vault) -> str:
    return credential_seals.token(vault, values)


def _token_row(row: object, vault: Vault) -> TokenRow:
    """What `row` keeps of a token, once its seal vouches for it: a row a writer of the
    database inserted (the digest of a secret of their own), or edited (un-revoked, its
    lifetime extended, its scope widened, moved to another person, re-parented), is
    `StoreDamaged` naming the token (ADR 0150)."""
    m = _mapping(row)
    values = {name: m[column] for name, column in _TOKEN_COLUMNS.items()}
    ident, holder = values["token_hash"][:TOKEN_ID_CHARS], values["user_name"]
    known = (values["token_hash"], credential_seals.TOKENS, str(values["seal"]))
    if vault.opened.get(known) != values:  # vouched for once a process, while it reads so
        if values["seal"] is None:
            raise StoreDamaged(
                f"token {ident} of {holder} keeps no seal of its holder, scope and lifetime",
                hint="restore the database from a backup; a token nothing vouches for never "
                "stands for anyone",
            )
        if not credential_seals.vouches(values["seal"], _token_seal(values, vault)):
            raise StoreDamaged(
                f"token {ident} of {holder} is not what its seal says",
                hint="restore the database from a backup; a token's holder, scope, lifetime, "
                "issuer or revocation changed in the database never stands for anyone",
            )
        if len(vault.opened) >= REMEMBERED:
            vault.opened.clear()
        vault.opened[known] = values
    return _as_kept(values)


def _as_kept(values: Mapping[str, Any]) -> TokenRow:
    return TokenRow(
        id=values["token_hash"][:TOKEN_ID_CHARS],
        user_name=values["user_name"],
        scope=values["scope"],
        created_at=values["created_at"],
        expires_at=values["expires_at"],
        revoked_at=values["revoked_at"],
        parent=values["parent"],
    )


def token_id(token: str) -> str:
    return _digest(token)[:TOKEN_ID_CHARS]


def list_tokens(conn: Connection, vault: Vault, name: str | None = None) -> list[TokenRow]:
    """`name`'s tokens (everyone's if None), newest first."""
    query = select(api_tokens).order_by(api_tokens.c.created_at.desc())
    if name is not None:
        query = query.where(api_tokens.c.user_name == name)
    return [_token_row(row, vault) for row in conn.execute(query)]


def _revoke(conn: Connection, which: ColumnElement[bool], now: datetime, vault: Vault) -> None:
    """Revoke the tokens in force `which` selects, each resealed to say so; each read locked
    and checked first, so a row a writer changed is damage here, never resealed as the
    node's."""
    query = select(api_tokens).where(api_tokens.c.revoked_at.is_(None), which)
    for row in conn.execute(query.with_for_update()).all():
        _token_row(row, vault)
        values = {**{name: row._mapping[name] for name in _SEALED}, "revoked_at": now}
        conn.execute(
            update(api_tokens)
            .where(api_tokens.c.token_hash == values["token_hash"])
            .values(revoked_at=now, seal=_token_seal(values, vault))
        )


def revoke_token(
    conn: Connection, ident: str, now: datetime, vault: Vault, *, owner: str | None = None
) -> str:
    """Revoke the token whose id is `ident` (of `owner`, if given); its holder's name.
    `NotFound` if there is no such token in force."""
    if len(ident) != TOKEN_ID_CHARS or not all(c in "0123456789abcdef" for c in ident):
        raise NotFound(f"no token {ident!r}", hint="`gsomia user tokens` lists the ids")
    query = select(api_tokens).where(
        api_tokens.c.token_hash.startswith(ident), api_tokens.c.revoked_at.is_(None)
    )
    if owner is not None:
        query = query.where(api_tokens.c.user_name == owner)
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(f"no token {ident!r} in force", hint="`gsomia user tokens` lists the ids")
    held = _token_row(row, vault)
    digest = row._mapping["token_hash"]
    # the token and the stream tokens it issued
    _revoke(conn, (api_tokens.c.token_hash == digest) | (api_tokens.c.parent == digest), now, vault)
    return held.user_name


def retire_tokens(conn: Connection, name: str, ids: list[str], now: datetime, vault: Vault) -> None:
    """Revoke `name`'s tokens of the ids `ids`, and the stream tokens they issued."""
    ident = func.substr(api_tokens.c.token_hash, 1, TOKEN_ID_CHARS)
    chosen = select(api_tokens.c.token_hash).where(api_tokens.c.user_name == name, ident.in_(ids))
    hashes = list(conn.execute(chosen).scalars())
    _revoke(conn, api_tokens.c.token_hash.in_(hashes) | api_tokens.c.parent.in_(hashes), now, vault)


def live_tokens(conn: Connection, name: str, now: datetime, vault: Vault) -> list[TokenRow]:
    """`name`'s tokens in force at `now`: not revoked, not expired."""
    query = select(api_tokens).where(
        api_tokens.c.user_name == name,
        api_tokens.c.revoked_at.is_(None),
        api_tokens.c.expires_at > now,
    )
    return [_token_row(row, vault) for row in conn.execute(query)]


def token_row(conn: Connection, token: str, vault: Vault) -> TokenRow | None:
    """What is kept of `token`, without its holder: None if it was never issued."""
    return token_by_hash(conn, _digest(token), vault)


def token_by_hash(conn: Connection, digest: str, vault: Vault) -> TokenRow | None:
    row = conn.execute(_TOKEN, {"digest": digest}).first()
    return _token_row(row, vault) if row is not None else None


def kept_token(conn: Connection, token: str) -> TokenRow | None:
    """What the row of `token` says, unchecked: only for the console to tell whether to ask
    for a new one (`node.tokens.console_token`), without the storage key; whatever uses the
    token is checked at that use. None if never issued."""
    row = conn.execute(_TOKEN, {"digest": _digest(token)}).first()
    return _as_kept(dict(row._mapping)) if row is not None else None


def kept_in_force(conn: Connection) -> list[tuple[str, str, datetime, datetime | None]]:
    """Each token the database keeps unrevoked, as (id, holder, issued, revoked) and unchecked:
    for `gsomia audit verify` to hold against the log's revocations (`node.ledger
    .verify_tokens`), as a writer of the database left them."""
    query = select(api_tokens.c.token_hash, api_tokens.c.user_name, api_tokens.c.created_at).where(
        api_tokens.c.revoked_at.is_(None)
    )
    return [(h[:TOKEN_ID_CHARS], name, at, None) for h, name, at in conn.execute(query)]


def revoke_tokens(conn: Connection, name: str, now: datetime, vault: Vault) -> None:
    _revoke(conn, api_tokens.c.user_name == name, now, vault)


#: Asked on every request that carries a token: built once, the statements keep their cache
#: keys (built on each request, their construction was a third of the token check, ADR 0137).
#: Straight to SQLite's driver: every API and TAXII request reads it, and a post reads it again
#: in its write (ADR 0154); SQLAlchemy's per-statement work was most of its time (issue 17).
_HOLDER = driver_rows.Straight(
    select(users, api_tokens)
    .join(api_tokens, api_tokens.c.user_name == users.c.name)
    .where(api_tokens.c.token_hash == bindparam("digest"))
)
_TOKEN = select(api_tokens).where(api_tokens.c.token_hash == bindparam("digest"))


def token_holder(conn: Connection, token: str, vault: Vault) -> tuple[UserRecord, TokenRow] | None:
    """The person `token` was issued to and what is kept of it, revoked or expired alike
    (whether it still stands is the core's decision); None if it was never issued."""
    found = _HOLDER.mappings(conn, {"digest": _digest(token)})
    if not found:
        return None
    row = found[0]
    held = _token_row(row, vault)  # first: a token moved to another person names the token
    return _record(row, vault), held


def user_for_token(conn: Connection, token: str, vault: Vault) -> UserRecord | None:
    """The person behind `token` unless it was revoked. Whether it may be used now (its
    lifetime, its scope) is `gsomia.treaty.credentials.may_use_token`'s to say."""
    held = token_holder(conn, token, vault)
    return held[0] if held is not None and held[1].revoked_at is None else None


def bind_credentials(conn: Connection, vault: Vault) -> int:
    """Seal each token, password verifier and web session kept without a seal (from before
    ADR 0150) as its columns say; how many. Only the node's one pass does this
    (`node.at_rest.bind_credentials`): after it, one without a seal is damage."""
    tokens = credential_seals.seal_unsealed(
        conn, api_tokens, "token_hash", credential_seals.token, vault
    )
    unsealed = users.c.password_hash.is_not(None) & users.c.password_seal.is_(None)
    people = conn.execute(select(users.c.name, users.c.password_hash).where(unsealed)).all()
    for name, verifier in people:
        seal = credential_seals.password(vault, name, verifier)
        conn.execute(update(users).where(users.c.name == name).values(password_seal=seal))
    return tokens + len(people) + web_sessions_bind(conn, vault)
