"""Release decisions: nothing is shared automatically (R50).

Every provision needs either an officer's explicit decision for that item and nation, or a
standing release rule an authorised officer set for a feed (a purpose, a nation, a ceiling).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gsomia.treaty.people import Person, require_aware
from gsomia.treaty.schemes import Level

__all__ = ["OfficerRelease", "Release", "StandingRelease"]


@dataclass(frozen=True, slots=True)
class OfficerRelease:
    """An authorised officer of the originator released `item_id` to `to_nation`."""

    item_id: str
    to_nation: str
    officer: Person
    decided_at: datetime

    def __post_init__(self) -> None:
        require_aware(self.decided_at, "release decision time")


@dataclass(frozen=True, slots=True)
class StandingRelease:
    """A standing rule: items of `originator` for `purpose`, up to `ceiling`, go to `to_nation`."""

    rule_id: str
    originator: str
    to_nation: str
    purpose: str
    ceiling: Level
    valid_from: datetime
    valid_until: datetime
    approved_by: Person

    def __post_init__(self) -> None:
        require_aware(self.valid_from, "rule start")
        require_aware(self.valid_until, "rule end")


Release = OfficerRelease | StandingRelease
