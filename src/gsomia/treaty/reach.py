"""No more by a detour than straight: what a hub or a holder may pass to a nation is bounded by
what the originator could provide that nation itself (R12, R47, Art. 4).

A KOR top secret item is refused to JPN because the 2016 agreement covers nothing above
secret. Sent to the USA under the 1987 agreement and forwarded by the USA hub under the JPN–USA
agreement, it would reach JPN as 機密 all the same: each hop is within its own agreement, and
the whole is outside the originator's. So whatever the intermediate's agreements allow, the
item reaches a nation only if the originator's own agreement with that nation is in force and
covers its level; where the originator has no agreement with it, only what the originator's
signed consent names (that nation, that item or class, up to its ceiling).
"""

from __future__ import annotations

from datetime import datetime

from gsomia.errors import PolicyDenied
from gsomia.treaty.agreements import Agreement
from gsomia.treaty.consent import Consent
from gsomia.treaty.decision import Decision
from gsomia.treaty.equivalence import translate
from gsomia.treaty.items import Item
from gsomia.treaty.people import require_aware

__all__ = ["within_originator_reach"]

ARTICLE, REQUIREMENT = "Art. 4", "R12/R47"


def within_originator_reach(
    item: Item,
    recipient: str,
    direct: Agreement | None,
    now: datetime,
    *,
    consent: Consent | None = None,
) -> Decision:
    """May `item` reach `recipient` by any path, given `direct`, the originator's agreement
    with `recipient` (None if they have none), and the originator's `consent` if one came?"""
    require_aware(now, "now")
    origin = item.originator
    if recipient == origin:
        return Decision.allow(f"{recipient} is the originator", ARTICLE, REQUIREMENT)
    if direct is not None:
        return _under_own_agreement(item, recipient, direct, now)
    if _names(consent, item, recipient):
        assert consent is not None
        return Decision.allow(
            f"{origin} has no agreement with {recipient}; its consent {consent.id} names it",
            ARTICLE,
            REQUIREMENT,
        )
    return Decision.deny(
        f"{origin} has no agreement with {recipient} and no consent of {origin} names it: "
        f"{item.id} may not reach {recipient} by another way",
        ARTICLE,
        REQUIREMENT,
    )


def _names(consent: Consent | None, item: Item, recipient: str) -> bool:
    """Whether the originator's `consent` names `recipient` for `item`, within its ceiling."""
    return (
        consent is not None
        and consent.originator == item.originator
        and consent.recipient == recipient
        and (item.id in consent.item_ids or consent.item_class == item.community)
        and (consent.ceiling is None or consent.ceiling.dominates(item.level))
    )


def _under_own_agreement(item: Item, recipient: str, direct: Agreement, now: datetime) -> Decision:
    origin = item.originator
    if set(direct.parties) != {origin, recipient}:
        return Decision.deny(
            f"{direct.id} is not between {origin} and {recipient}", ARTICLE, REQUIREMENT
        )
    if not direct.status_at(now.date()).state.in_force:
        return Decision.deny(
            f"{origin} could not provide {item.id} to {recipient} itself: {direct.id} is not "
            "in force, so no other path may",
            "Art. 21.1",
            REQUIREMENT,
        )
    try:
        level = translate(direct, item.level, recipient, at=now.date()).primary
    except PolicyDenied as error:
        return Decision.deny(
            f"{origin} could not provide {item.id} to {recipient} itself ({error.message}), "
            "so no other path may",
            ARTICLE,
            REQUIREMENT,
        )
    return Decision.allow(
        f"{origin} could provide {item.id} to {recipient} itself, as {level}, under {direct.id}",
        ARTICLE,
        REQUIREMENT,
    )
