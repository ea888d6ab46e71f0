"""Destruction and return: the end of a holding (Art. 6(h), 13; R18, R31, R32).

Destruction writes a record (method, time, executing officials, witnesses); SECRET-equivalent
and above needs two officials (US Navy practice, the Korea–Japan detail being UNCONFIRMED).
Destroying or returning a holding covers its copies, translations and derivatives, or each of
them must already have its own disposition. When the purpose an item was provided for ends, it
is flagged, must be returned to the originator or destroyed, and access is suspended until then
(R18). None of this depends on the agreement being in force (Art. 21.4).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from gsomia.errors import InputError
from gsomia.treaty.access import may_access
from gsomia.treaty.agreements import Agreement
from gsomia.treaty.decision import Decision
from gsomia.treaty.items import Holding
from gsomia.treaty.people import Person, require_aware

__all__ = [
    "DestructionMethod",
    "DestructionRecord",
    "Disposition",
    "ReturnRecord",
    "destroy",
    "due_for_disposal",
    "may_destroy",
    "may_read",
    "may_return",
    "may_take_back",
    "needs_two_officials",
    "purpose_ended",
    "purpose_suspension",
    "return_to_originator",
]

ARTICLE = "Art. 13"
RETURN = "Art. 6(h)"
_TWO_OFFICIALS = frozenset({"SECRET", "TOP SECRET"})
deny, allow = Decision.deny, Decision.allow


class DestructionMethod(StrEnum):
    """Methods that leave the information unrecognisable (32 CFR 2001.47), plus the node's own."""

    BURNING = "burning"
    CROSS_CUT_SHREDDING = "cross-cut shredding"
    WET_PULPING = "wet-pulping"
    MELTING = "melting"
    CHEMICAL_DECOMPOSITION = "chemical decomposition"
    PULVERIZING = "pulverizing"
    CRYPTOGRAPHIC_ERASURE = "cryptographic erasure"


class Disposition(StrEnum):
    """What already happened to a copy, translation or derivative on its own."""

    DESTROYED = "destroyed"
    RETURNED = "returned"


@dataclass(frozen=True, slots=True)
class DestructionRecord:
    """The immutable record of one destruction; `covers` lists the dependants destroyed with it."""

    id: str
    holding_id: str
    item_id: str
    method: DestructionMethod
    at: datetime
    officials: tuple[str, ...]
    witnesses: tuple[str, ...] = ()
    covers: frozenset[str] = frozenset()
    equipment: bool = False

    def __post_init__(self) -> None:
        require_aware(self.at, "destruction time")
        if not self.officials:
            raise InputError(f"destruction record {self.id} names no executing official (R31)")
        if len(set(self.officials)) != len(self.officials):
            raise InputError(f"destruction record {self.id} names an official twice")
        if set(self.witnesses) & set(self.officials):
            raise InputError(f"destruction record {self.id}: a witness cannot also execute it")


@dataclass(frozen=True, slots=True)
class ReturnRecord:
    """The holding and the dependants in `covers` sent back to the originator."""

    id: str
    holding_id: str
    item_id: str
    to_nation: str
    at: datetime
    by: str
    covers: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        require_aware(self.at, "return time")


def needs_two_officials(holding: Holding, agreement: Agreement) -> bool:
    """True if `holding` is SECRET-equivalent or above under `agreement` (the one the holder
    received it under); a level no version of the table places is treated as above."""
    for version in agreement.versions:
        row = version.row_for(holding.level)
        if row is not None:
            return row.english.upper() in _TWO_OFFICIALS
    return True


def _dependants_denial(
    covers: frozenset[str],
    dependants: Iterable[str],
    disposed: Mapping[str, Disposition],
    what: str,
) -> Decision | None:
    open_ = sorted(d for d in dependants if d not in covers and d not in disposed)
    if open_:
        return deny(
            f"{what} leaves copies, translations or derivatives without disposition: "
            + ", ".join(open_),
            ARTICLE,
            "R32",
        )
    return None


def _official_denial(official: Person, holding: Holding, now: datetime) -> Decision | None:
    clearance, expires = official.clearance, official.clearance_expires
    if (
        official.nationality != holding.holder
        or not official.registered
        or clearance is None
        or expires is None
        or expires <= now
        or clearance.nation != holding.holder
        or clearance.rank < holding.rank
    ):
        return deny(
            f"{official.id} is not a registered {holding.holder} official cleared for "
            f"{holding.level}",
            ARTICLE,
            "R31",
        )
    return None


def may_destroy(  # noqa: PLR0911 - one guard per condition
    holding: Holding,
    record: DestructionRecord,
    officials: Sequence[Person],
    now: datetime,
    *,
    agreement: Agreement,
    dependants: Iterable[str] = (),
    disposed: Mapping[str, Disposition] | None = None,
) -> Decision:
    """May `holding` be destroyed as `record` says (R31, R32)?

    The record names this holding, is not in the future, and its officials (given as `officials`)
    are the holder's registered officials cleared for the level, two for SECRET-equivalent and
    above; every dependant (copy, translation, derivative id) is covered or already disposed.
    """
    require_aware(now, "now")
    if holding.destroyed:
        return deny(f"{holding.id} was already destroyed or returned", ARTICLE, "R31")
    if record.holding_id != holding.id or record.item_id != holding.item.id:
        return deny(f"record {record.id} is not for {holding.id}", ARTICLE, "R31")
    if record.at > now:
        return deny(f"record {record.id} is dated in the future", ARTICLE, "R31")
    if {official.id for official in officials} != set(record.officials):
        return deny(f"the officials of record {record.id} were not all identified", ARTICLE, "R31")
    for official in officials:
        denial = _official_denial(official, holding, now)
        if denial is not None:
            return denial
    if len(record.officials) < 2 and needs_two_officials(holding, agreement):
        return deny(f"{holding.level} needs two officials to destroy it", ARTICLE, "R31")
    denial = _dependants_denial(record.covers, dependants, disposed or {}, "destruction")
    if denial is not None:
        return denial
    return allow(f"{holding.id} may be destroyed by {record.method.value}", ARTICLE, "R31")


def destroy(
    holding: Holding,
    record: DestructionRecord,
    officials: Sequence[Person],
    now: datetime,
    *,
    agreement: Agreement,
    dependants: Iterable[str] = (),
    disposed: Mapping[str, Disposition] | None = None,
) -> Holding:
    """The holding destroyed: every later access is refused. `PolicyDenied` if not allowed."""
    may_destroy(
        holding,
        record,
        officials,
        now,
        agreement=agreement,
        dependants=dependants,
        disposed=disposed,
    ).enforce()
    return replace(holding, destroyed=True)


def purpose_ended(holding: Holding, now: datetime) -> bool:
    """True once the purpose `holding` was provided for has ended (R18)."""
    ends = holding.item.purpose_ends
    return ends is not None and ends <= now


def due_for_disposal(holdings: Iterable[Holding], now: datetime) -> tuple[Holding, ...]:
    """The holdings still held whose purpose has ended: each must be returned or destroyed."""
    return tuple(h for h in holdings if not h.destroyed and purpose_ended(h, now))


def purpose_suspension(holding: Holding, now: datetime) -> Decision | None:
    """The refusal while `holding` is still held after its item's purpose ended: it must be
    returned or destroyed, and access is suspended until then (R18); None otherwise."""
    if purpose_ended(holding, now) and not holding.destroyed:
        return deny(
            f"the purpose of {holding.item.id} ended: it must be returned or destroyed; access "
            "is suspended until then",
            RETURN,
            "R18",
        )
    return None


def may_read(
    person: Person, holding: Holding, now: datetime, purpose: str | None = None
) -> Decision:
    """`may_access`, with access suspended once the item's purpose has ended (R18)."""
    return purpose_suspension(holding, now) or may_access(person, holding, now, purpose)


def may_return(
    holding: Holding,
    record: ReturnRecord,
    now: datetime,
    *,
    dependants: Iterable[str] = (),
    disposed: Mapping[str, Disposition] | None = None,
) -> Decision:
    """May `holding` go back to its originator as `record` says (Art. 6(h); R18, R32)?"""
    require_aware(now, "now")
    item = holding.item
    if holding.destroyed:
        return deny(f"{holding.id} was already destroyed or returned", RETURN, "R18")
    if record.holding_id != holding.id or record.item_id != item.id or record.at > now:
        return deny(f"record {record.id} is not for {holding.id} now", RETURN, "R18")
    if record.to_nation != item.originator:
        return deny(f"{item.id} goes back only to its originator {item.originator}", RETURN, "R18")
    denial = _dependants_denial(record.covers, dependants, disposed or {}, "return")
    if denial is not None:
        return denial
    return allow(f"{holding.id} may be returned to {item.originator}", RETURN, "R18")


def may_take_back(item_id: str, holder: str, *, recorded_holder: bool) -> Decision:
    """May the originator record `holder`'s return of `item_id` (R18)? Only from a nation it
    recorded as holding it: a return from anyone else is nothing to take back."""
    if not recorded_holder:
        return Decision.deny(
            f"{holder} is not recorded as holding {item_id}: nothing to take back", RETURN, "R18"
        )
    return Decision.allow(f"{holder} returned {item_id} to its originator", RETURN, "R18")


def return_to_originator(
    holding: Holding,
    record: ReturnRecord,
    now: datetime,
    *,
    dependants: Iterable[str] = (),
    disposed: Mapping[str, Disposition] | None = None,
) -> Holding:
    """The holding as no longer held (access refused as for a destroyed one) after its return."""
    may_return(holding, record, now, dependants=dependants, disposed=disposed).enforce()
    return replace(holding, destroyed=True)
