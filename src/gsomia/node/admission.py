"""What admitted a request, read again in the transaction that writes what it asked (ADR 0154).

A request's credentials are read before its body is (ADR 0143, 0149), and what it writes is
decided on the person they named. A write transaction reads them again (`held`), after it has
appended to the log, whose row lock a logged revocation and a logged change of a person's
terms also take: either the change committed first and is read here, or it waits and is
logged after the write. So a token revoked, a person disabled, or a clearance lowered or a
role taken away while the request was in hand commits nothing.

Publishing (`gsomia.node.publish`) and a TAXII post that writes only its status
(`gsomia.node.taxii`) both hold their write to it; here, so that neither imports the other.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection

from gsomia.errors import NotFound, Unauthenticated
from gsomia.node.authority import refuse
from gsomia.node.runtime import Node
from gsomia.node.sessions import standing_on
from gsomia.node.tokens import authenticate
from gsomia.store import users
from gsomia.store.users import UserRecord
from gsomia.treaty.credentials import Carrier, Terms, may_stand_by_password, may_write_on
from gsomia.treaty.decision import Decision

__all__ = ["Presented", "Withdrawn", "held", "refused_when_withdrawn", "still_admitted", "terms_of"]


@dataclass(frozen=True)
class Presented:
    """The credentials a request was admitted by: a bearer token (and how it came), the name
    whose password HTTP Basic credentials checked, or a page's web session."""

    token: str = ""
    carrier: Carrier = Carrier.HEADER
    basic_name: str = ""
    #: A page's: the web session (its id) and whose it is.
    session: str = ""
    session_user: str = ""


class Withdrawn(Exception):
    """A write's transaction found the person's terms changed: it rolls back, and the
    refusal is logged in a transaction of its own (`refused_when_withdrawn`)."""

    def __init__(self, decision: Decision) -> None:
        super().__init__(decision.reason)
        self.decision = decision


def terms_of(user: UserRecord) -> Terms:
    """What the core compares of `user` (the language is theirs to change, not a term)."""
    return Terms(
        name=user.name,
        nationality=user.nationality,
        clearance=user.clearance,
        clearance_expires=user.clearance_expires,
        communities=frozenset(user.communities),
        roles=frozenset(user.roles),
        registered=user.registered,
        categories=frozenset(user.categories),
        disabled=user.disabled_at is not None,
    )


def still_admitted(node: Node, conn: Connection, presented: Presented) -> UserRecord:
    """The person what admitted a request stands for now, read on `conn`; `Unauthenticated`
    if it no longer stands: a token revoked, expired or left without its issuer, or a person
    disabled or removed, or a page's session ended. The token through the same
    `tokens.authenticate`; for Basic, the person (the password is not hashed again: one
    Argon2id check a request, ADR 0137); a session through `sessions.standing_on`."""
    if presented.session:
        session = standing_on(conn, node, presented.session, presented.session_user)
        if not session.allowed:
            raise Unauthenticated(session.reason, hint="sign in again: nothing was written")
        return users.get_user(conn, presented.session_user, node.vault)
    if not presented.basic_name:
        return authenticate(node, presented.token, carrier=presented.carrier, conn=conn)
    try:
        person: UserRecord | None = users.get_user(conn, presented.basic_name, node.vault)
    except NotFound:
        person = None
    standing = may_stand_by_password(terms_of(person) if person is not None else None)
    if not standing.allowed or person is None:
        raise Unauthenticated(
            standing.reason,
            hint="ask your security officer whether you may still use this node",
        )
    return person


def held(node: Node, conn: Connection, presented: Presented, admitted: UserRecord) -> None:
    """Inside the write's transaction, after its log append: `Unauthenticated` unless what
    admitted the request still stands (`still_admitted`), `Withdrawn` unless the person's
    terms are still those `admitted` had when the write was decided."""
    now = still_admitted(node, conn, presented)
    decision = may_write_on(terms_of(admitted), terms_of(now))
    if not decision.allowed:
        raise Withdrawn(decision)


@contextmanager
def refused_when_withdrawn(node: Node, *, actor: str, action: str, subject: str) -> Iterator[None]:
    """A write's `Withdrawn` (its transaction already rolled back) logged as the refusal of
    `action` in a transaction of its own, and raised as `PolicyDenied` (403)."""
    try:
        yield
    except Withdrawn as withdrawn:
        refuse(node, actor=actor, action=action, subject=subject, decision=withdrawn.decision)
