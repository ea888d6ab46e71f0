"""Items of classified military information and the holdings a receiving party keeps (R6, R7).

An item is marked in its originator's scheme and names the agreement and version it is
provided under (R6, R45). A holding is a party's copy: on receipt it carries the receiving
party's equivalent level, translated under the item's own agreement version (Art. 4.2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum

from gsomia.errors import InputError
from gsomia.treaty.agreements import Agreement
from gsomia.treaty.equivalence import translate
from gsomia.treaty.people import require_aware
from gsomia.treaty.schemes import Level

__all__ = ["Holding", "Item", "MissingField", "Precedence", "receive"]


class Precedence(IntEnum):
    """Message precedence; a higher value is delivered first."""

    ROUTINE = 1
    PRIORITY = 2
    IMMEDIATE = 3
    FLASH = 4


class MissingField(InputError):
    """An item lacks what the treaty requires every item to carry (R6)."""


@dataclass(frozen=True, slots=True)
class Item:
    """A unit of CMI: originator, classification in the originator's scheme, purpose, agreement.

    `community` is the need-to-know community a reader must belong to; it defaults to `purpose`.
    `copy_limit` is the most copies the originator allows a holder to make (R29; none when None,
    and the `NO REPRODUCTION` caveat forbids any); `purpose_ends` is when the purpose it was
    provided for ends, after which it is returned or destroyed (Art. 6(h); R18).
    """

    id: str
    originator: str
    level: Level
    purpose: str
    agreement_id: str
    agreement_version: int
    releasable_to: frozenset[str]
    precedence: Precedence = Precedence.ROUTINE
    caveats: frozenset[str] = frozenset()
    community: str = ""
    created_at: datetime | None = None
    copy_limit: int | None = None
    purpose_ends: datetime | None = None
    #: The label's security categories its policy's SPIF defines, beyond gsomia's own
    #: (tag set, 4774 type, values): the access decision asks the reader to hold them (R19,
    #: ADR 0104).
    categories: tuple[tuple[str, str, tuple[str, ...]], ...] = ()

    def __post_init__(self) -> None:
        for name in ("id", "originator", "purpose", "agreement_id"):
            if not getattr(self, name):
                raise MissingField(
                    f"an item cannot be created without its {name.replace('_', ' ')} (R6)",
                    hint="every item names its originator, classification, purpose and agreement",
                )
        if self.level.nation != self.originator:
            raise MissingField(
                f"{self.level} is a {self.level.nation} marking, not one of the originator "
                f"{self.originator}'s scheme (R6)"
            )
        if self.agreement_version < 1:
            raise MissingField(f"item {self.id} names no agreement version (R45)")
        if self.created_at is not None:
            require_aware(self.created_at, "item creation time")
        if self.purpose_ends is not None:
            require_aware(self.purpose_ends, "purpose end")
        if self.copy_limit is not None and self.copy_limit < 0:
            raise MissingField(f"item {self.id}: a copy limit cannot be negative (R29)")
        if not self.community:
            object.__setattr__(self, "community", self.purpose)


@dataclass(frozen=True, slots=True)
class Holding:
    """A party's copy of an item, at `level` in the holder's scheme.

    `approved_purposes` are further purposes the originator approved in writing (R13).
    `consent_id` names the originator's consent a third nation holds the item under (an onward
    transfer, R12): that nation then counts among those the item is releasable to.
    The fields after `consent_id` are derived once so that access decisions read flat values.
    """

    id: str
    item: Item
    holder: str
    level: Level
    approved_purposes: frozenset[str] = frozenset()
    destroyed: bool = False
    consent_id: str = ""
    rank: int = field(init=False, repr=False, compare=False)
    nationalities: frozenset[str] = field(init=False, repr=False, compare=False)
    community: str = field(init=False, repr=False, compare=False)
    purpose: str = field(init=False, repr=False, compare=False)
    categories: tuple[tuple[str, str, tuple[str, ...]], ...] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if self.level.nation != self.holder:
            raise InputError(f"holding {self.id}: {self.level} is not a {self.holder} level")
        item = self.item
        allowed = item.releasable_to | {item.originator}
        if self.consent_id:
            allowed |= {self.holder}
        if self.holder not in allowed:
            raise InputError(
                f"holding {self.id}: item {item.id} is not releasable to {self.holder}"
            )
        object.__setattr__(self, "rank", self.level.rank)
        object.__setattr__(self, "nationalities", frozenset(allowed))
        object.__setattr__(self, "community", item.community)
        object.__setattr__(self, "purpose", item.purpose)
        object.__setattr__(self, "categories", item.categories)


def receive(item: Item, holder: str, agreement: Agreement, *, holding_id: str = "") -> Holding:
    """The holding `holder` keeps of `item`, at the equivalent level of the item's version.

    Raises `PolicyDenied` (Art. 4) if the item's level has no equivalent for `holder`.
    """
    if item.agreement_id != agreement.id:
        raise InputError(
            f"item {item.id} was provided under {item.agreement_id}, not {agreement.id}"
        )
    translation = translate(agreement, item.level, holder, version=item.agreement_version)
    return Holding(holding_id or f"{holder}:{item.id}", item, holder, translation.primary)
