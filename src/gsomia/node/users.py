"""The people of this node: registering them, their tokens and passwords, and who asks.

An operator registers a person (`gsomia user add`) with a clearance placed in this node's
scheme and one of the roles the treaty's role table knows; the registration and every token
issued for the API are administration events in the node's log (R16). The API and the pages
find the person behind a token or a password here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from gsomia.errors import InputError
from gsomia.ledger.events import EventKind
from gsomia.node import audit
from gsomia.node.audit import admin_event
from gsomia.node.database import Database
from gsomia.node.tokens import console_token, issue_token
from gsomia.node.tokens_logged import VERIFIER_LOGGED
from gsomia.store import sessions
from gsomia.store import users as store
from gsomia.store.users import UserRecord
from gsomia.treaty.names import language, nation_code
from gsomia.treaty.roles import ROLE_GRANTS

__all__ = [
    "OPERATOR",
    "PersonChange",
    "PersonDraft",
    "UserRecord",
    "check_password",
    "console_token",
    "disable",
    "get_user",
    "issue_token",
    "list_users",
    "register",
    "remove",
    "set_password",
    "update",
]

#: Who the log names for what an operator does at the node's console.
OPERATOR = "operator"


@dataclass(frozen=True)
class PersonDraft:
    """A person as an operator describes them: the clearance in this node's own marking."""

    name: str
    nationality: str
    clearance: str
    clearance_expires: date
    communities: tuple[str, ...]
    role: str
    registered: bool = True
    language: str = "en"
    #: SPIF security categories held, "tag set=value" (ADR 0104).
    categories: tuple[str, ...] = ()


def held_categories(given: tuple[str, ...]) -> tuple[str, ...]:
    """`given` as stored: each "tag set=value", spaces trimmed; InputError for another form.
    The tag sets are those of the SPIFs whose labels the person reads (partners' too), so
    only the form is checked here; the access decision matches them against each label."""
    held = []
    for entry in given:
        tag, sep, value = entry.partition("=")
        if not sep or not tag.strip() or not value.strip():
            raise InputError(
                f"category {entry!r} is not TAGSET=VALUE", hint='e.g. --category "Only=IRL"'
            )
        held.append(f"{tag.strip()}={value.strip()}")
    return tuple(sorted(set(held)))


def register(db: Database, draft: PersonDraft, *, actor: str = OPERATOR) -> UserRecord:
    """Add a person to this node and log the registration; `Conflict` if the name is taken."""
    level = db.scheme().parse(draft.clearance)
    if draft.role not in ROLE_GRANTS:
        raise InputError(f"unknown role {draft.role!r}", hint="use " + ", ".join(ROLE_GRANTS))
    today = db.clock().date()
    if draft.clearance_expires <= today:
        raise InputError(
            f"the clearance expired on {draft.clearance_expires.isoformat()}: a person "
            "registered with it could read nothing",
            hint="give the date the renewed clearance runs to (--clearance-expires YYYY-MM-DD)",
        )
    record = UserRecord(
        name=draft.name,
        nationality=nation_code(draft.nationality, "--nationality"),
        clearance=level.native,
        clearance_expires=draft.clearance_expires,
        communities=draft.communities,
        roles=(draft.role,),
        registered=draft.registered,
        language=language(draft.language),
        categories=held_categories(draft.categories),
    )
    now = db.clock()
    with db.engine.begin() as conn:
        store.add_user(conn, record, now, db.vault)
        audit.record_event(
            conn,
            admin_event(
                EventKind.USER_ADMIN,
                actor=actor,
                action="user:add",
                subject=record.name,
                now=now,
                nationality=record.nationality,
                clearance=record.clearance,
                clearance_expires=record.clearance_expires.isoformat(),
                role=draft.role,
                registered=str(record.registered).lower(),
            ),
        )
    return record


def list_users(db: Database) -> list[UserRecord]:
    with db.reader.connect() as conn:
        return store.list_users(conn, db.vault)


def get_user(db: Database, name: str) -> UserRecord:
    """The person named `name`; `NotFound` if there is none."""
    with db.reader.connect() as conn:
        return store.get_user(conn, name, db.vault)


def set_password(db: Database, name: str, password: str, *, actor: str = OPERATOR) -> None:
    """Set `name`'s password for the pages (kept as an Argon2id hash); every session signed
    in with the old one ends (whoever knew it may be signed in). Logged with the start of its
    verifier's seal, which `audit verify` holds the row against: an old verifier put back
    whole with its seal is otherwise one the node set (ADR 0150)."""
    now = db.clock()
    with db.engine.begin() as conn:
        seal = store.set_password(conn, name, password, db.vault)
        sessions.end_all(conn, name, now, "password", db.vault)
        audit.record_event(
            conn,
            admin_event(
                EventKind.KEY_ADMIN,
                actor=actor,
                action="user:passwd",
                subject=name,
                now=now,
                verifier=seal[:VERIFIER_LOGGED],
            ),
        )


def disable(db: Database, name: str, *, actor: str = OPERATOR) -> None:
    """Disable `name`: their sessions end, their tokens are revoked, no sign-in succeeds;
    logged (R16). The person stays on record, so what they did stays attributed."""
    now = db.clock()
    with db.engine.begin() as conn:
        store.disable(conn, name, now, db.vault)
        ended = sessions.end_all(conn, name, now, "disabled", db.vault)
        store.revoke_tokens(conn, name, now, db.vault)
        audit.record_event(
            conn,
            admin_event(
                EventKind.USER_ADMIN,
                actor=actor,
                action="user:disable",
                subject=name,
                now=now,
                sessions_ended=str(ended),
            ),
        )


@dataclass(frozen=True)
class PersonChange:
    """What an operator changes of a person (`gsomia user update`); None leaves it as it is.
    A renewed clearance is a new `clearance_expires` (and `clearance`, if the level moved)."""

    nationality: str | None = None
    clearance: str | None = None
    clearance_expires: date | None = None
    communities: tuple[str, ...] | None = None
    role: str | None = None
    registered: bool | None = None
    language: str | None = None
    enable: bool = False
    categories: tuple[str, ...] | None = None


def _checked(db: Database, change: PersonChange) -> dict[str, object]:
    """The columns `change` sets, each value checked as `register` checks it."""
    found: dict[str, object] = {}
    if change.nationality is not None:
        found["nationality"] = nation_code(change.nationality, "--nationality")
    if change.clearance is not None:
        found["clearance"] = db.scheme().parse(change.clearance).native
    if change.clearance_expires is not None:
        if change.clearance_expires <= db.clock().date():
            raise InputError(
                f"--clearance-expires {change.clearance_expires.isoformat()} has passed",
                hint="give the date the renewed clearance runs to",
            )
        found["clearance_expires"] = change.clearance_expires
    if change.communities is not None:
        found["communities"] = change.communities
    if change.role is not None:
        if change.role not in ROLE_GRANTS:
            raise InputError(f"unknown role {change.role!r}", hint="use " + ", ".join(ROLE_GRANTS))
        found["roles"] = (change.role,)
    if change.registered is not None:
        found["registered"] = change.registered
    if change.language is not None:
        found["language"] = language(change.language)
    if change.categories is not None:
        found["categories"] = held_categories(change.categories)
    return found


def update(db: Database, name: str, change: PersonChange, *, actor: str = OPERATOR) -> UserRecord:
    """Change a person's clearance, its expiry, communities, role, register entry, language
    or nationality, and log what changed, old and new (R16). A person whose clearance or role
    changed is signed out of the pages: a session must not outlive what it was opened under."""
    values = _checked(db, change)
    if not values and not change.enable:
        raise InputError("nothing to change", hint="say what: --clearance-expires, --role, …")
    now = db.clock()
    with db.engine.begin() as conn:
        before = store.get_user(conn, name, db.vault)
        store.update_user(conn, name, values, db.vault)
        if change.enable:
            store.enable(conn, name, db.vault)
        if {"clearance", "roles", "nationality", "registered", "categories"} & set(values):
            sessions.end_all(conn, name, now, "changed", db.vault)
        changed = {
            key: f"{_shown(getattr(before, key))} -> {_shown(value)}"
            for key, value in values.items()
            if getattr(before, key) != value
        }
        if change.enable and before.disabled_at is not None:
            changed["enabled"] = "true"
        audit.record_event(
            conn,
            admin_event(
                EventKind.USER_ADMIN, actor=actor, action="user:update", subject=name, now=now,
                **changed,
            ),
        )  # fmt: skip
        return store.get_user(conn, name, db.vault)


def _shown(value: object) -> str:
    if isinstance(value, tuple | list):
        return ",".join(str(v) for v in value)
    return value.isoformat() if isinstance(value, date) else str(value)


def remove(db: Database, name: str, *, actor: str = OPERATOR) -> None:
    """Remove a person who never published or set a rule here (their tokens and sessions go
    with them); logged. Anyone whose acts are on record is disabled instead (`disable`)."""
    now = db.clock()
    with db.engine.begin() as conn:
        store.remove_user(conn, name)
        audit.record_event(
            conn,
            admin_event(
                EventKind.USER_ADMIN, actor=actor, action="user:remove", subject=name, now=now
            ),
        )


def check_password(db: Database, name: str, password: str) -> UserRecord | None:
    """The person if `password` is theirs (no timing tells which part failed), else None."""
    with db.reader.connect() as conn:
        return store.check_password(conn, name, password, db.vault)
