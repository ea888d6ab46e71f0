"""A user row of this node, as the treaty's access rules see them."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from gsomia.store.users import UserRecord
from gsomia.treaty.people import Person
from gsomia.treaty.roles import ROLE_GRANTS
from gsomia.treaty.schemes import Scheme


def to_person(user: UserRecord, scheme: Scheme) -> Person:
    """`user` with the clearance read in this node's scheme, valid through its expiry day."""
    expires = datetime.combine(user.clearance_expires + timedelta(days=1), time.min, UTC)
    roles = frozenset().union(*(ROLE_GRANTS.get(role, frozenset()) for role in user.roles))
    return Person(
        id=user.name,
        nationality=user.nationality,
        clearance=scheme.parse(user.clearance),
        clearance_expires=expires,
        communities=frozenset(user.communities),
        roles=roles,
        registered=user.registered,
        categories=frozenset(
            (tag.strip(), value.strip())
            for tag, _, value in (held.partition("=") for held in user.categories)
        ),
    )
