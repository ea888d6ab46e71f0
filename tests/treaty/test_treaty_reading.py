"""One read decision for every holding, classified or declassified (R13, R14, R16, R18, R19, R31).

The node asks `may_read_holding` whatever became of the item; the table shows which rule
answers for each kind of holding, and that the two kinds never borrow each other's rule.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest
from tests.treaty.test_treaty_world import DAY, HOLDING, ITEM, JPN_LOW, JPN_READER, KJ, NOW

from gsomia.treaty import Person, receive
from gsomia.treaty.classification import DeclassifiedHolding
from gsomia.treaty.items import Holding
from gsomia.treaty.reading import may_read_holding

UNCLEARED = Person("visitor-clerk", "JPN", registered=True)
ENDING = receive(replace(ITEM, purpose_ends=NOW + DAY), "JPN", KJ)
DECLASSIFIED = DeclassifiedHolding(HOLDING.id, ITEM.id, disposed=False)
ENDED_LATER = NOW + 2 * DAY

ROWS: list[tuple[str, Person, Holding | DeclassifiedHolding, datetime, str | None, bool, str]] = [
    ("classified-cleared-reader", JPN_READER, HOLDING, NOW, None, True, "R19"),
    ("classified-below-the-level", JPN_LOW, HOLDING, NOW, None, False, "R19"),
    ("classified-uncleared", UNCLEARED, HOLDING, NOW, None, False, "R19/R20"),
    ("classified-destroyed", JPN_READER, replace(HOLDING, destroyed=True), NOW, None, False, "R31"),
    ("classified-purpose-ended", JPN_READER, ENDING, ENDED_LATER, None, False, "R18"),
    ("classified-another-purpose", JPN_READER, HOLDING, NOW, "logistics", False, "R13"),
    ("declassified-uncleared", UNCLEARED, DECLASSIFIED, NOW, None, True, "R14"),
    ("declassified-any-purpose", JPN_LOW, DECLASSIFIED, NOW, "logistics", True, "R14"),
    (
        "declassified-not-on-register",
        replace(UNCLEARED, registered=False),
        DECLASSIFIED,
        NOW,
        None,
        False,
        "R16",
    ),
    (
        "declassified-disposed",
        JPN_READER,
        replace(DECLASSIFIED, disposed=True),
        NOW,
        None,
        False,
        "R31",
    ),
]


@pytest.mark.parametrize(
    ("person", "holding", "now", "purpose", "allowed", "requirement"),
    [row[1:] for row in ROWS],
    ids=[row[0] for row in ROWS],
)
def test_may_read_holding(
    person: Person,
    holding: Holding | DeclassifiedHolding,
    now: datetime,
    purpose: str | None,
    allowed: bool,
    requirement: str,
) -> None:
    decision = may_read_holding(person, holding, now, purpose)
    assert decision.allowed is allowed, decision.reason
    assert decision.requirement == requirement
