"""Written undertakings between the parties: originator consent (R12), a holder's request
for it, and assurances (R22).

Whether a consent's signature by the originator's competent authority verifies is decided by
the shell (`gsomia.seal`); the core reads the outcome as `verified`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gsomia.errors import InputError
from gsomia.treaty.items import Item
from gsomia.treaty.people import require_aware
from gsomia.treaty.schemes import Level

__all__ = ["Assurance", "Consent", "ConsentRequest"]


@dataclass(frozen=True, slots=True)
class Consent:
    """The originator's prior written approval to release items to a third nation (R12).

    It names the items (`item_ids`) or a class of them (`item_class`, matched against an item's
    community), the party it is given to (`holder`), the third nation (`recipient`) and the
    purpose; it expires and may be revoked. `ceiling`, a level of the originator's scheme, caps
    the items a consent for a class covers: an item above it is not covered.
    """

    id: str
    originator: str
    holder: str
    recipient: str
    purpose: str
    expires_at: datetime
    item_ids: frozenset[str] = frozenset()
    item_class: str = ""
    revoked_at: datetime | None = None
    verified: bool = False
    ceiling: Level | None = None

    def __post_init__(self) -> None:
        require_aware(self.expires_at, "consent expiry")
        if self.ceiling is not None and self.ceiling.nation != self.originator:
            raise InputError(
                f"consent {self.id}: its ceiling {self.ceiling} is not an {self.originator} level"
            )
        if self.revoked_at is not None:
            require_aware(self.revoked_at, "consent revocation")
        if not self.item_ids and not self.item_class:
            raise InputError(f"consent {self.id} names neither items nor a class of items")


@dataclass(frozen=True, slots=True)
class Assurance:
    """The receiving party's assurance before its representative is handed CMI (Art. 7.5)."""

    receiving_party: str
    representative_id: str
    clearance: Level
    purpose: str
    equivalent_protection: bool
    given_at: datetime

    def __post_init__(self) -> None:
        require_aware(self.given_at, "assurance time")


@dataclass(frozen=True, slots=True)
class ConsentRequest:
    """A holder's request to the originator: these items (or this class, up to `ceiling`), to
    `recipient`, for `purpose`, until `until`."""

    id: str
    originator: str
    holder: str
    recipient: str
    purpose: str
    until: datetime
    requested_at: datetime
    requested_by: str
    item_ids: frozenset[str] = frozenset()
    item_class: str = ""
    ceiling: Level | None = None

    def __post_init__(self) -> None:
        require_aware(self.until, "consent request end")
        require_aware(self.requested_at, "consent request time")
        if not self.item_ids and not self.item_class:
            raise InputError(f"consent request {self.id} names neither items nor a class")
        if len({self.originator, self.holder, self.recipient}) != 3:
            raise InputError(
                f"consent request {self.id}: originator, holder and third nation must differ"
            )
        if not self.purpose:
            raise InputError(f"consent request {self.id} names no purpose (R12)")
        if self.ceiling is not None and self.ceiling.nation != self.originator:
            raise InputError(
                f"consent request {self.id}: {self.ceiling} is not an originator level"
            )

    def names(self, item: Item) -> bool:
        """True if the request covers `item` by id or by class (within the ceiling)."""
        if item.id in self.item_ids:
            return True
        in_class = bool(self.item_class) and item.community == self.item_class
        return in_class and (self.ceiling is None or self.ceiling.dominates(item.level))
