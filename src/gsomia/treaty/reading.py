"""May this person read a holding, whatever became of its item (R14, R18, R19–R21, R31)?

A holding is either still classified (`Holding`: the access decision, suspended once the
item's purpose has ended) or was declassified by its originator (`DeclassifiedHolding`: only
the facility register and its disposal count). The node asks this one question for both.
"""

from __future__ import annotations

from datetime import datetime

from gsomia.treaty.classification import DeclassifiedHolding, may_read_declassified
from gsomia.treaty.decision import Decision
from gsomia.treaty.destruction import may_read
from gsomia.treaty.items import Holding
from gsomia.treaty.people import Person

__all__ = ["may_read_holding"]


def may_read_holding(
    person: Person,
    holding: Holding | DeclassifiedHolding,
    now: datetime,
    purpose: str | None = None,
) -> Decision:
    """May `person` read `holding` at `now`, for `purpose` (the item's own when None)?

    A classified holding: `may_read` (the access decision, refused for a destroyed or returned
    holding and while the item's purpose has ended; another purpose needs the originator's
    approval). A declassified one: `may_read_declassified` (no clearance asked, R14).
    """
    if isinstance(holding, DeclassifiedHolding):
        return may_read_declassified(person, holding.item_id, disposed=holding.disposed)
    return may_read(person, holding, now, purpose)
