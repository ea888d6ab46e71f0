"""Tokens the log records revoked, and passwords it records set, against the rows kept of
them (ADR 0150): pure.

A token's seal (`store.credential_seals`) binds its row to its holder and to whether it was
revoked, not to a version: a writer of the database who kept the row of a token in force
writes it back whole after the node revoked it, and the seal vouches for it. The cosignable
log records every revocation (`user:token-revoke`), every retirement to make room
(`user:token-retire`) and every disabling of a person (`user:disable`, which revokes each token
they hold); `gsomia audit verify` holds the tokens kept in force against them. So for a
password: each one set (`user:passwd`) is logged with the start of its verifier's seal, and a
verifier put back from before a change keeps another seal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from gsomia.ledger.events import LogEvent


@dataclass(frozen=True)
class Revocations:
    """What the log says was revoked: each token (by id) and when, and each person disabled
    and when last (every token of theirs issued by then was revoked with it)."""

    tokens: dict[str, datetime] = field(default_factory=dict)
    people: dict[str, datetime] = field(default_factory=dict)


@dataclass(frozen=True)
class KeptToken:
    """A token's row as the writer left it, unchecked: its id, holder, issue and revocation."""

    id: str
    user_name: str
    created_at: datetime
    revoked_at: datetime | None


def revocations_logged(events: Iterable[LogEvent]) -> Revocations:
    """Every revocation, retirement and disabling `events` record."""
    logged = Revocations()
    for event in events:
        body, subject = event.body, event.subjects[0] if event.subjects else ""
        action = body.get("action")
        if action == "user:token-revoke" and isinstance(body.get("token"), str):
            logged.tokens[body["token"]] = event.time
        elif action == "user:token-retire" and isinstance(body.get("tokens"), str):
            for ident in body["tokens"].split(","):
                if ident:
                    logged.tokens[ident] = event.time
        elif action == "user:disable" and subject:
            logged.people[subject] = event.time
    return logged


def against_log(logged: Revocations, kept: Iterable[KeptToken]) -> list[str]:
    """Each token kept in force that the log records revoked (itself, or its holder disabled
    after it was issued), as "ID of NAME (in force, logged revoked)", in the order kept."""
    named = []
    for row in kept:
        if row.revoked_at is not None:
            continue
        disabled = logged.people.get(row.user_name)
        if row.id in logged.tokens or (disabled is not None and row.created_at <= disabled):
            named.append(f"{row.id} of {row.user_name} (in force, logged revoked)")
    return named


#: How much of a verifier's seal (hex) the log records: enough to tell one from another, not
#: the whole MAC.
VERIFIER_LOGGED = 16


def passwords_logged(events: Iterable[LogEvent]) -> dict[str, str]:
    """The start of the seal of each person's verifier the log last records set; none for one
    registered or removed since (another person of that name, or none)."""
    logged: dict[str, str] = {}
    for event in events:
        body, subject = event.body, event.subjects[0] if event.subjects else ""
        action = body.get("action")
        if action == "user:passwd" and isinstance(body.get("verifier"), str):
            logged[subject] = body["verifier"]
        elif action in {"user:add", "user:remove"}:
            logged.pop(subject, None)
    return logged


def passwords_against_log(logged: Mapping[str, str], kept: Mapping[str, str | None]) -> list[str]:
    """Each person whose verifier's seal (`kept`, as the row keeps it) is not the one the log
    last records set, by name."""
    return [name for name in sorted(logged) if not (kept.get(name) or "").startswith(logged[name])]
