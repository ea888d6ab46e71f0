"""Transmission outside the network: courier and air-gapped bundles (R27).

Classified information also travels by diplomatic or military courier, or between networks
with no link between them. What travels is the same sealed batch the node would send online,
inside a transport envelope that names the channel, the courier, a dispatch number and the
receipt expected: the double envelope of R27, with the classification only on the inner one
(the sealed batch shows none, the transport envelope says nothing about what it carries).

Citations: Art. 16(l) shows Arts. 9 and 12 prescribe transmission, but their bodies are NOT
RETRIEVED (treaty-articles.md); the double envelope comes from the press summaries, and the
receipt is UNCONFIRMED for Korea–Japan. The period after which an unacknowledged dispatch
raises an alert is therefore each agreement's data (`courier_receipt_days`), a policy choice
and not a number of the treaty.

A dispatch or an import is not a new provision: every item in it was decided when it was
released (R50, R40), and notices, receipts and other answers must still move after an
agreement ends (R44: protection continues). So these decisions look at the channel and the
parties only, and the agreement need not be in force.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from gsomia.treaty.agreements import Agreement
from gsomia.treaty.decision import Decision
from gsomia.treaty.people import require_aware

__all__ = [
    "ARTICLE",
    "COURIER_CHANNELS",
    "DispatchState",
    "dispatch_state",
    "may_dispatch",
    "may_import",
    "receipt_due",
]

#: Art. 12: a transmission rule (Art. 16(l)), body NOT RETRIEVED; see the module's note.
ARTICLE = "Art. 12"
#: The channels outside the network, as agreements name them.
COURIER_CHANNELS = frozenset({"diplomatic-courier", "military-courier"})
deny, allow = Decision.deny, Decision.allow


class DispatchState(StrEnum):
    AWAITING = "awaiting"  # sent, receipt not yet due
    OVERDUE = "overdue"  # the receipt is late: the officers are alerted
    ACKNOWLEDGED = "acknowledged"  # the partner's signed receipt came back


def _channel_denial(
    agreement: Agreement, nation: str, partner: str, channel: str
) -> Decision | None:
    if nation == partner or {nation, partner} != set(agreement.parties):
        return deny(
            f"{agreement.id} binds {' and '.join(agreement.parties)}, not {nation} and {partner}",
            ARTICLE,
            "R27",
        )
    if channel not in COURIER_CHANNELS:
        return deny(
            f"{channel!r} is not a channel outside the network; use one of "
            + ", ".join(sorted(COURIER_CHANNELS)),
            ARTICLE,
            "R27",
        )
    if channel not in agreement.channels:
        return deny(f"channel {channel!r} is not approved under {agreement.id}", "Art. 9", "R25")
    return None


def may_dispatch(
    agreement: Agreement, nation: str, partner: str, channel: str, courier: str
) -> Decision:
    """May `nation` send `partner` a bundle by `courier` over `channel` under `agreement`?

    Only over a courier channel the agreement approves, and only with a named courier: the
    record of who carried it is part of R27."""
    denial = _channel_denial(agreement, nation, partner, channel)
    if denial is not None:
        return denial
    if not courier.strip():
        return deny("a dispatch names its courier", ARTICLE, "R27")
    return allow(f"{channel} approved under {agreement.id}", ARTICLE, "R27")


def may_import(agreement: Agreement, nation: str, sender: str, channel: str) -> Decision:
    """May `nation` take in a bundle `sender` sent over `channel` under `agreement`?

    What the bundle holds is then checked message by message exactly as online."""
    denial = _channel_denial(agreement, nation, sender, channel)
    if denial is not None:
        return denial
    return allow(f"{channel} approved under {agreement.id}", ARTICLE, "R27")


def receipt_due(agreement: Agreement, sent_at: datetime) -> datetime:
    """When the partner's receipt for a dispatch sent at `sent_at` is due (policy data)."""
    require_aware(sent_at, "dispatch time")
    return sent_at + timedelta(days=agreement.courier_receipt_days)


def dispatch_state(due: datetime, acknowledged_at: datetime | None, now: datetime) -> DispatchState:
    """Where a dispatch stands at `now`: acknowledged, awaiting its receipt, or overdue."""
    require_aware(now, "now")
    if acknowledged_at is not None:
        return DispatchState.ACKNOWLEDGED
    return DispatchState.OVERDUE if now >= due else DispatchState.AWAITING
