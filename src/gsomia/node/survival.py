"""What a node would decide about something it holds on a later day: whether the same item
could still be provided to it, and whether a person could still read it (R44).

Termination ends new provisions under an agreement from its effective date, never the
protection of what was exchanged: both answers are the treaty core's, asked with the later
day as `now`, so an officer (or the demo) can see them before the day comes. Nothing is
logged: no one asked to receive or to read anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gsomia.node.people import to_person
from gsomia.node.read import access_decision, holding_row, treaty_holding
from gsomia.node.runtime import CHANNEL, Node
from gsomia.node.users import get_user
from gsomia.treaty.decision import Decision
from gsomia.treaty.receipt import may_accept


@dataclass(frozen=True)
class OnDay:
    """The two decisions for one holding on one day."""

    new_provision: Decision  # the same item provided again by its sender, under its agreement
    access: Decision  # the named person reading the holding


def decisions_on_day(node: Node, holding_id: str, reader: str, day: datetime) -> OnDay:
    """What this node would decide on `day` about holding `holding_id` and `reader`."""
    row = holding_row(node, holding_id)
    held = treaty_holding(node, row)
    agreement = node.agreement(held.item.agreement_id)
    person = to_person(get_user(node, reader), node.scheme())
    fresh = may_accept(held.item, node.nation, row.sender, agreement, day, channel=CHANNEL)
    return OnDay(fresh, access_decision(node, person, row, day))
