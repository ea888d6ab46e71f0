"""Inventory: where every item and copy is, who has it, and who read it (Art. 6(f); R17).

The node keeps custody events and access decisions in its log; these pure functions turn them
into the two lists R17 asks for: the full chain of custody of an item (its holding, copies,
translations) and the persons given access to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from gsomia.errors import NotFound
from gsomia.treaty.people import require_aware

__all__ = [
    "AccessRecord",
    "CustodyEvent",
    "CustodyKind",
    "chain_of_custody",
    "current_custody",
    "reader_list",
]


class CustodyKind(StrEnum):
    RECEIVED = "received"
    MOVED = "moved"
    COPIED = "copied"
    TRANSLATED = "translated"
    DERIVED = "derived"
    HANDED_OVER = "handed_over"
    RELEASED_ONWARD = "released_onward"
    RECLASSIFIED = "reclassified"
    RETURNED = "returned"
    DESTROYED = "destroyed"


@dataclass(frozen=True, slots=True)
class CustodyEvent:
    """`object_id` (a holding, copy or translation of `item_id`) at `location` with `custodian`."""

    item_id: str
    object_id: str
    kind: CustodyKind
    at: datetime
    custodian: str
    location: str

    def __post_init__(self) -> None:
        require_aware(self.at, "custody event time")


@dataclass(frozen=True, slots=True)
class AccessRecord:
    """One access decision about a holding of `item_id`, as the log keeps it."""

    item_id: str
    holding_id: str
    person_id: str
    at: datetime
    allowed: bool


def chain_of_custody(events: Iterable[CustodyEvent], item_id: str) -> tuple[CustodyEvent, ...]:
    """Every custody event of `item_id` and its copies, oldest first."""
    return tuple(sorted((e for e in events if e.item_id == item_id), key=lambda e: e.at))


def current_custody(events: Iterable[CustodyEvent], object_id: str) -> CustodyEvent:
    """The latest custody event of `object_id`: its current custodian and location."""
    found = [e for e in events if e.object_id == object_id]
    if not found:
        raise NotFound(f"no custody record of {object_id}")
    return max(found, key=lambda e: e.at)


def reader_list(records: Iterable[AccessRecord], item_id: str) -> tuple[str, ...]:
    """The persons given access to `item_id`, in the order of their first access."""
    readers: dict[str, None] = {}
    for record in sorted((r for r in records if r.item_id == item_id), key=lambda r: r.at):
        if record.allowed:
            readers.setdefault(record.person_id, None)
    return tuple(readers)
