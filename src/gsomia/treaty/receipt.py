"""May the receiving party accept an item a partner sent (R2, R7, R25, R26, R28, R44)?

The sender decided before sealing (`may_provide`); the receiver decides again on its own
reading of the same agreement, so a partner with a stale or wrong record cannot push an item
in that the agreement does not cover.
"""

from __future__ import annotations

from datetime import datetime

from gsomia.errors import PolicyDenied
from gsomia.treaty import sources
from gsomia.treaty.agreements import Agreement
from gsomia.treaty.decision import Decision
from gsomia.treaty.equivalence import translate
from gsomia.treaty.items import Item
from gsomia.treaty.lifecycle import State
from gsomia.treaty.people import require_aware
from gsomia.treaty.provision import classic_crypto_denial

__all__ = ["may_accept"]

deny, allow = Decision.deny, Decision.allow


def may_accept(  # noqa: PLR0911 - one guard per treaty condition
    item: Item,
    receiver: str,
    sender: str,
    agreement: Agreement,
    now: datetime,
    *,
    channel: str,
    classic_crypto: bool = False,
) -> Decision:
    """Accept `item` from `sender` under `agreement` over `channel` at `now`?

    The sender must be the originator (onward transfers come with consent, R12), both must be
    the agreement's parties, the agreement in force and not terminated, the item marked under
    a version of it, its level covered, the channel approved, its encryption accepted by the
    agreement (`classic_crypto`: the envelope came in the non-post-quantum profile) and
    `receiver` in the item's releasability.
    """
    require_aware(now, "now")
    if item.agreement_id != agreement.id:
        return deny(f"{item.id} names {item.agreement_id}, not {agreement.id}", "Art. 2(a)", "R6")
    if {sender, receiver} != set(agreement.parties) or item.originator != sender:
        return deny(
            f"{agreement.id} covers provision between {' and '.join(agreement.parties)} by the "
            f"originator; {sender} sent {item.originator}'s item",
            sources.THIRD_PARTY,
            "R12",
        )
    status = agreement.status_at(now.date())
    if status.state is State.TERMINATED:
        return deny(f"{agreement.id} has terminated; no new provision", "Art. 21", "R44")
    if not status.state.in_force:
        return deny(f"{agreement.id} is not in force ({status.state.value})", "Art. 21.1", "R40")
    if receiver not in item.releasable_to:
        return deny(f"{item.id} is not releasable to {receiver}", sources.THIRD_PARTY, "R21")
    if channel not in agreement.channels:
        return deny(
            f"channel {channel!r} is not approved under {agreement.id}", sources.TRANSMISSION, "R25"
        )
    denial = classic_crypto_denial(agreement, classic_crypto)
    if denial is not None:
        return denial
    try:
        translation = translate(agreement, item.level, receiver, version=item.agreement_version)
    except PolicyDenied as error:
        return deny(error.message, error.article, "R2")
    return allow(
        f"{item.id} accepted from {sender} as {translation.primary} under {agreement.id} "
        f"v{item.agreement_version}",
        "Art. 4.2",
        "R7",
    )
