"""May this person access this holding? The hot path of the node (R13, R16, R19–R21, R31).

Every answer is a shared constant `Decision`, so a decision allocates nothing; the holding
carries its rank, allowed nationalities, community and purpose as flat fields.
"""

from __future__ import annotations

from datetime import datetime

from gsomia.treaty import sources
from gsomia.treaty.categories import may_hold_categories
from gsomia.treaty.decision import Decision
from gsomia.treaty.items import Holding
from gsomia.treaty.people import Person, require_aware
from gsomia.treaty.schemes import Level

__all__ = ["DESTROYED", "may_access"]

THIRD_PARTY = sources.THIRD_PARTY
deny, allow = Decision.deny, Decision.allow

# Access decisions are the hot path: their answers are shared constants.
_NOT_REGISTERED = deny(
    "not on the facility's register of cleared, authorised individuals", "Art. 6(e)", "R16"
)
DESTROYED = deny("the holding was destroyed", "Art. 13", "R31")
_THIRD_COUNTRY = deny(
    "nationality not allowed by the label's releasability: a third-country release needs the "
    "originator's consent",
    THIRD_PARTY,
    "R21/R12",
)
_NOT_HOLDER = deny("not an official of the party holding the item", "Art. 7.2", "R19")
_NO_CLEARANCE = deny("no personnel security clearance", "Art. 7.2", "R19/R20")
_EXPIRED = deny("personnel security clearance expired", "Art. 7.2", "R19")
_FOREIGN_CLEARANCE = deny(
    "clearance not granted under the receiving party's law", "Art. 7.2", "R19"
)


def _below(clearance: Level, holding: Holding) -> Decision:
    """The refusal of a clearance below the holding's level, naming the level needed."""
    return deny(
        f"clearance below the holding's level in the receiving party's scheme: cleared to "
        f"{clearance}, {holding.level} or above needed",
        "Art. 7.2",
        "R19",
    )


_NO_NEED = deny(
    "no need-to-know for the item's purpose: rank or clearance alone never grants access",
    "Art. 7.1",
    "R20",
)
_OTHER_PURPOSE = deny(
    "purpose differs from the one the item was provided for and the originator has not approved it",
    THIRD_PARTY,
    "R13",
)
_ACCESS = allow(
    "cleared at or above the level, need-to-know, nationality and register checked", "Art. 7", "R19"
)


def _categories_held(person: Person, holding: Holding) -> Decision | None:
    """The refusal of a reader lacking the label's SPIF categories (ADR 0104), if any."""
    if not holding.categories:
        return None
    held = may_hold_categories(holding.categories, person.categories)
    return None if held.allowed else held


def may_access(  # noqa: PLR0911 - guard clauses are the fast path
    person: Person, holding: Holding, now: datetime, purpose: str | None = None
) -> Decision:
    """May `person` access `holding` at `now`, for `purpose` (the item's own when None)?

    All must hold (R19–R21, R13, R16): on the register; nationality allowed by the releasability
    and that of the holding party; a valid clearance under the holder's law at or above the
    holding's level; need-to-know for the item's community and its label's categories (every
    restrictive one, one of each permissive one, ADR 0104); the item's purpose or one the
    originator approved. Termination of the agreement changes none of this (Art. 21.4).
    """
    if now.tzinfo is None:
        require_aware(now, "now")
    if not person.registered:
        return _NOT_REGISTERED
    if holding.destroyed:
        return DESTROYED
    nationality = person.nationality
    if nationality not in holding.nationalities:
        return _THIRD_COUNTRY
    if nationality != holding.holder:
        return _NOT_HOLDER
    clearance, expires = person.clearance, person.clearance_expires
    if clearance is None or expires is None:
        return _NO_CLEARANCE
    if expires <= now:
        return _EXPIRED
    if clearance.nation != holding.holder:
        return _FOREIGN_CLEARANCE
    if clearance.rank < holding.rank:
        return _below(clearance, holding)
    if holding.community not in person.communities:
        return _NO_NEED
    held = _categories_held(person, holding)
    if held is not None:
        return held
    if (
        purpose is not None
        and purpose != holding.purpose
        and purpose not in holding.approved_purposes
    ):
        return _OTHER_PURPOSE
    return _ACCESS
