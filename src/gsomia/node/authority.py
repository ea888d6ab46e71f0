"""Who may act: a user's role decision, and a refusal recorded before it is raised.

Every use case starts here. An allowed decision goes back to the caller, which logs it in its
own transaction beside the change it allowed; a denial is logged in a transaction of its own
(nothing else is written) and raised as `PolicyDenied` with its reason and article.
"""

from __future__ import annotations

from typing import NoReturn

from gsomia.node import audit
from gsomia.node.people import to_person
from gsomia.node.runtime import Node
from gsomia.store.users import UserRecord
from gsomia.treaty.decision import Decision
from gsomia.treaty.people import Person
from gsomia.treaty.roles import Action, may_perform


def refuse(node: Node, *, actor: str, action: str, subject: str, decision: Decision) -> NoReturn:
    """Log the denial `decision` in a transaction of its own, then raise it."""
    with node.engine.begin() as conn:
        audit.record(
            conn, actor=actor, action=action, subject=subject, decision=decision, now=node.clock()
        )
    decision.enforce()
    raise AssertionError("a denial always raises")  # pragma: no cover - enforce() raised


def authorise(
    node: Node, user: UserRecord, action: Action, subject: str
) -> tuple[Person, Decision]:
    """The user as a treaty person and the role decision; a denial is logged and raised here.

    An allowed decision is returned for the caller to log in its own transaction, next to
    the change it allowed.
    """
    person = to_person(user, node.scheme())
    decision = may_perform(person, action)
    if not decision.allowed:
        refuse(node, actor=user.name, action=action.value, subject=subject, decision=decision)
    return person, decision
