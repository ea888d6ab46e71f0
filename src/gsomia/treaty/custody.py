"""Copies and translations, numbered and counted, and the markings they carry (R15, R29, R30).

A copy carries all the original markings (the originator, its marking and the holder's), the
caveats and a copy number; copies and translations are counted together and controlled as the
original. The originator may forbid reproduction (the `NO REPRODUCTION` caveat) or limit the
number of copies (`Item.copy_limit`). A translation is assigned only to a translator who passes
the access decision, and names its source language and the originator. Intellectual-property
caveats (patent, copyright, trade secret) survive copying and translation and restrict use.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from gsomia.errors import InputError
from gsomia.treaty.access import may_access
from gsomia.treaty.decision import Decision
from gsomia.treaty.items import Holding
from gsomia.treaty.people import Person, require_aware
from gsomia.treaty.schemes import Level

__all__ = [
    "IP_CAVEATS",
    "NO_REPRODUCTION",
    "Copy",
    "IpUse",
    "ItemTranslation",
    "Markings",
    "make_copy",
    "make_translation",
    "markings_of",
    "may_assign_translation",
    "may_copy",
    "may_use_ip",
    "remark",
]

REPRODUCTION = "Art. 14"
TRANSLATION = "Art. 15"
NO_REPRODUCTION = "NO REPRODUCTION"
#: Caveats naming intellectual-property rights the receiving party respects (Art. 6(d)).
IP_CAVEATS = frozenset({"PATENT", "COPYRIGHT", "TRADE SECRET"})
deny, allow = Decision.deny, Decision.allow


@dataclass(frozen=True, slots=True)
class Markings:
    """What every copy, translation and derivative shows: the originator, its marking, the
    holder's equivalent marking and the caveats."""

    originator: str
    original_level: Level
    level: Level
    caveats: frozenset[str]

    @property
    def ip_restrictions(self) -> frozenset[str]:
        return self.caveats & IP_CAVEATS


def markings_of(holding: Holding) -> Markings:
    item = holding.item
    return Markings(item.originator, item.level, holding.level, item.caveats)


@dataclass(frozen=True, slots=True)
class Copy:
    """Copy number `number` of a holding, made by `made_by` at `made_at`."""

    id: str
    holding_id: str
    item_id: str
    number: int
    markings: Markings
    made_by: str
    made_at: datetime

    def __post_init__(self) -> None:
        require_aware(self.made_at, "copy time")
        if self.number < 1:
            raise InputError(f"copy {self.id}: copy numbers start at 1")


@dataclass(frozen=True, slots=True)
class ItemTranslation:
    """A translation of a holding into `language`, counted and controlled as copy `number`."""

    id: str
    holding_id: str
    item_id: str
    number: int
    markings: Markings
    source_language: str
    language: str
    translator: str
    made_at: datetime

    def __post_init__(self) -> None:
        require_aware(self.made_at, "translation time")
        if not self.source_language or not self.language or self.source_language == self.language:
            raise InputError(f"translation {self.id} must name two different languages (R30)")


def _reproduction_denial(holding: Holding, copies_made: int, article: str) -> Decision | None:
    item = holding.item
    if NO_REPRODUCTION in item.caveats:
        return deny(f"{item.originator} prohibited reproducing {item.id}", article, "R29")
    if item.copy_limit is not None and copies_made >= item.copy_limit:
        return deny(
            f"{item.originator} allows {item.copy_limit} copies of {item.id}; {copies_made} exist",
            article,
            "R29",
        )
    return None


def may_copy(person: Person, holding: Holding, copies_made: int, now: datetime) -> Decision:
    """May `person` make one more copy of `holding`, of which `copies_made` exist (R29)?

    The person must first pass the access decision; then the originator's prohibition and copy
    limit apply (copies and translations count together).
    """
    access = may_access(person, holding, now)
    if not access.allowed:
        return access
    denial = _reproduction_denial(holding, copies_made, REPRODUCTION)
    if denial is not None:
        return denial
    return allow(f"copy {copies_made + 1} of {holding.id} may be made", REPRODUCTION, "R29")


def make_copy(person: Person, holding: Holding, copies_made: int, now: datetime) -> Copy:
    """The next numbered copy; `PolicyDenied` when `may_copy` denies."""
    may_copy(person, holding, copies_made, now).enforce()
    number = copies_made + 1
    return Copy(
        f"{holding.id}/copy-{number}",
        holding.id,
        holding.item.id,
        number,
        markings_of(holding),
        person.id,
        now,
    )


def may_assign_translation(
    translator: Person, holding: Holding, copies_made: int, now: datetime
) -> Decision:
    """May `holding` be given to `translator` to translate (R30)? Only a translator who passes
    `may_access` for it, and only within the originator's reproduction rules."""
    access = may_access(translator, holding, now)
    if not access.allowed:
        return deny(
            f"{translator.id} is not a cleared translator for {holding.id}: {access.reason}",
            TRANSLATION,
            "R30",
        )
    denial = _reproduction_denial(holding, copies_made, TRANSLATION)
    if denial is not None:
        return denial
    return allow(f"{translator.id} may translate {holding.id}", TRANSLATION, "R30")


def make_translation(
    translator: Person,
    holding: Holding,
    copies_made: int,
    now: datetime,
    *,
    source_language: str,
    language: str,
) -> ItemTranslation:
    """The translation record, numbered as the next copy; `PolicyDenied` if not allowed."""
    may_assign_translation(translator, holding, copies_made, now).enforce()
    number = copies_made + 1
    return ItemTranslation(
        f"{holding.id}/translation-{number}",
        holding.id,
        holding.item.id,
        number,
        markings_of(holding),
        source_language,
        language,
        translator.id,
        now,
    )


_Reproduction = TypeVar("_Reproduction", Copy, ItemTranslation)


def remark(copy: _Reproduction, holding: Holding) -> _Reproduction:
    """`copy` re-marked as its (re-marked) holding now is (R14: copies and translations follow)."""
    if copy.holding_id != holding.id:
        raise InputError(f"{copy.id} is not a copy of {holding.id}")
    return replace(copy, markings=markings_of(holding))


class IpUse(StrEnum):
    """Uses of an item an intellectual-property caveat restricts (Art. 6(d))."""

    OFFICIAL = "official"
    MANUFACTURE = "manufacture"
    PUBLICATION = "publication"
    COMMERCIAL = "commercial"


def may_use_ip(holding: Holding, use: IpUse) -> Decision:
    """May `holding` be used for `use`? An IP caveat limits it to official use (R15)."""
    restrictions = holding.item.caveats & IP_CAVEATS
    if restrictions and use is not IpUse.OFFICIAL:
        return deny(
            f"{holding.item.id} is restricted by {', '.join(sorted(restrictions))}: "
            f"no {use.value} use",
            "Art. 6(d)",
            "R15",
        )
    return allow(f"{use.value} use of {holding.item.id} is not restricted", "Art. 6(d)", "R15")
