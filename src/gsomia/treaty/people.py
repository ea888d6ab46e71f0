"""People: officials of a party with their clearance, duties and place on a register (Art. 7)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gsomia.errors import InputError
from gsomia.treaty.schemes import Level

__all__ = ["RELEASE_AUTHORITY", "SECURITY_OFFICER", "Person", "require_aware"]

#: A role held by officials authorised to release the originator's items (R50).
RELEASE_AUTHORITY = "release_authority"
#: The competent authority's security officer (consents, classification changes).
SECURITY_OFFICER = "security_officer"


def require_aware(moment: datetime, what: str) -> None:
    if moment.tzinfo is None:
        raise InputError(f"{what} must carry a time zone", hint="use an aware datetime in UTC")


@dataclass(frozen=True, slots=True)
class Person:
    """A government official (or released contractor) as the access rules see them.

    `clearance` is the Personnel Security Clearance (Art. 2(e)), a level of the scheme of the
    party whose law granted it, valid until `clearance_expires`. `communities` are the duties
    that give need-to-know, `categories` the SPIF categories held (tag set, value).
    `registered` says the person is on the facility's register of cleared
    and authorised individuals (Art. 6(e)). Rank and roles never grant access by themselves
    (Art. 7.1).
    """

    id: str
    nationality: str
    clearance: Level | None = None
    clearance_expires: datetime | None = None
    communities: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()
    registered: bool = False
    rank: str = ""
    #: The security categories the person is cleared for, as (tag set, value): a label's
    #: restrictive ones must all be held, one of each permissive one (ADR 0104).
    categories: frozenset[tuple[str, str]] = frozenset()

    def __post_init__(self) -> None:
        if not self.id or not self.nationality:
            raise InputError("a person needs an id and a nationality")
        if self.clearance_expires is not None:
            require_aware(self.clearance_expires, "clearance expiry")
        if (self.clearance is None) != (self.clearance_expires is None):
            raise InputError(f"{self.id}: a clearance and its expiry go together")
