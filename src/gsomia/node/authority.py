"""Who may act: a user's role decision, and a refusal recorded before it is raised.

Every use case starts here. An allowed decision goes back to the caller, which logs it in its
own transaction beside the change it allowed; a denial is logged in a transaction of its own
(nothing else is written) and raised as `PolicyDenied` with its reason and article. `refuse`
does that for any denial a use case meets later, `refuse_all` when the denial is logged beside
the entries that led to it, and `refusals_logged` for a step whose own error is the refusal.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import NoReturn

from gsomia.errors import Error
from gsomia.node import audit
from gsomia.node.people import to_person
from gsomia.node.runtime import Node
from gsomia.store.users import UserRecord
from gsomia.treaty.decision import Decision
from gsomia.treaty.people import Person
from gsomia.treaty.roles import Action, may_act


def refuse(
    node: Node,
    *,
    actor: str,
    action: str,
    subject: str,
    decision: Decision,
    now: datetime | None = None,
) -> NoReturn:
    """Log the denial `decision` in a transaction of its own, then raise it.

    `now` is the time the use case decided at, if it read the clock before (else the clock's).
    """
    refuse_all(node, [audit.Entry(actor, action, subject, decision)], now=now)


def refuse_all(
    node: Node, entries: Sequence[audit.Entry], *, now: datetime | None = None
) -> NoReturn:
    """Log `entries` in a transaction of their own, then raise the first denial among them.

    For a denial logged with what led to it (the role decision that let the actor ask) or
    with further subjects (`Entry.also`). Entries without a denial are a bug: nothing is
    logged, and nothing goes ahead.
    """
    denial = next((e.decision for e in entries if not e.decision.allowed), None)
    if denial is None:
        raise AssertionError("refuse_all() was given no denial to raise")
    with node.engine.begin() as conn:
        audit.record_all(conn, entries, node.clock() if now is None else now)
    denial.enforce()
    raise AssertionError("a denial always raises")  # pragma: no cover - enforce() raised


@contextmanager
def refusals_logged(
    node: Node, *, actor: str, action: str, subject: str, article: str, requirement: str
) -> Iterator[None]:
    """Log an error raised inside (a treaty refusal, an illegal step) as a denial of `action`,
    in a transaction of its own, then let the error go on as it was raised.

    The denial cites the error's own article if it has one (`PolicyDenied`), else `article`.
    """
    try:
        yield
    except Error as error:
        cited = getattr(error, "article", "") or article
        decision = Decision.deny(error.message, cited, requirement)
        with node.engine.begin() as conn:
            audit.record(
                conn,
                actor=actor,
                action=action,
                subject=subject,
                decision=decision,
                now=node.clock(),
            )
        raise


def authorise(
    node: Node, user: UserRecord, action: Action, subject: str
) -> tuple[Person, Decision]:
    """The user as a treaty person and the decision on the act (`may_act`: the role, and a
    clearance in force); a denial is logged and raised here.

    An allowed decision is returned for the caller to log in its own transaction, next to
    the change it allowed.
    """
    now = node.clock()
    person = to_person(user, node.scheme(now.date()))
    decision = may_act(person, action, now)
    if not decision.allowed:
        refuse(node, actor=user.name, action=action.value, subject=subject, decision=decision)
    return person, decision
