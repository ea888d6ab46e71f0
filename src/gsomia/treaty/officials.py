"""Who speaks for a party: its competent authority's security officer (Art. 6(g), 8, 17; R50).

Consents, classification notices, visit requests and approvals are acts of a party's competent
authority. The core accepts them only from a person holding the security officer's role for that
party, on the register, with a clearance in force: a role alone is not enough (R16), and an
officer of another nation never acts for this one.
"""

from __future__ import annotations

from datetime import datetime

from gsomia.treaty.decision import Decision
from gsomia.treaty.people import SECURITY_OFFICER, Person

__all__ = ["officer_denial"]


def officer_denial(
    person: Person, nation: str, now: datetime, *, article: str, requirement: str, act: str
) -> Decision | None:
    """None if `person` is an authorised security officer of `nation` at `now`, else the denial.

    `act` names what the person tried ("grant consent") for the reason.
    """
    problems = [
        (person.nationality != nation, f"{person.id} is not an official of {nation}"),
        (SECURITY_OFFICER not in person.roles, f"{person.id} is not a security officer"),
        (not person.registered, f"{person.id} is not on the register of authorised officials"),
        (
            person.clearance is None
            or person.clearance_expires is None
            or person.clearance_expires <= now,
            f"{person.id} holds no clearance in force",
        ),
    ]
    for failed, why in problems:
        if failed:
            return Decision.deny(
                f"only {nation}'s competent authority may {act}: {why}", article, requirement
            )
    return None
