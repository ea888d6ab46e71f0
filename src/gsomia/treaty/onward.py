"""Onward transfers with consent, hub forwarding, and the chain of nations holding an item.

An onward release (R12) re-marks the holding in the third nation's scheme under the holder's own
agreement with it, and binds the new holding to the consent it moved under. A hub (R47, the 2014
US–Japan–Korea TISA) forwards between participants only for configured topics, only to the
participant the originator named, and re-marks under its own bilateral agreement; the arrangement
is non-binding and the result says so. Each movement is a `Transfer`; a `CustodyChain` of them
lets the originator see every nation holding its item and by which path.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from gsomia.errors import Conflict, InputError, PolicyDenied
from gsomia.treaty import sources
from gsomia.treaty.agreements import Agreement
from gsomia.treaty.consent import Consent
from gsomia.treaty.decision import Decision
from gsomia.treaty.decisions import may_release_onward
from gsomia.treaty.equivalence import translate
from gsomia.treaty.items import Holding, Item
from gsomia.treaty.people import require_aware

__all__ = [
    "HUB_ARTICLE",
    "NON_BINDING",
    "CustodyChain",
    "HubRule",
    "OnwardRelease",
    "Transfer",
    "bases_to",
    "chain_of",
    "forward_via_hub",
    "hub_rule_for",
    "may_forward_via_hub",
    "release_onward",
]

HUB = "TISA (non-binding)"
#: What a hub forwards under: a non-binding arrangement, cited as its own source (R47).
HUB_ARTICLE = sources.HUB_ARRANGEMENT
#: What every hub decision says about the arrangement it rests on (R47).
NON_BINDING = "hub mode rests on a non-binding arrangement; protection is under bilateral GSOMIAs"


@dataclass(frozen=True, slots=True)
class Transfer:
    """`item_id` moved from one nation to another at `at`, marked `level` in the receiver's scheme,
    under agreement `basis`; with `consent_id` for an onward release and `hub` when forwarded."""

    item_id: str
    from_nation: str
    to_nation: str
    at: datetime
    level: str
    basis: str
    consent_id: str = ""
    hub: str = ""

    def __post_init__(self) -> None:
        require_aware(self.at, "transfer time")
        if self.from_nation == self.to_nation:
            raise InputError(f"a transfer of {self.item_id} needs two different nations")


@dataclass(frozen=True, slots=True)
class CustodyChain:
    """Every nation that received `item_id` from its originator, and from whom (R12, R17)."""

    item_id: str
    originator: str
    transfers: tuple[Transfer, ...] = ()

    def holders(self) -> frozenset[str]:
        """The originator and every nation the item reached."""
        return frozenset({self.originator, *(t.to_nation for t in self.transfers)})

    def path_to(self, nation: str) -> tuple[str, ...]:
        """The nations the item passed through from the originator to `nation`, both included."""
        if nation == self.originator:
            return (nation,)
        for transfer in self.transfers:
            if transfer.to_nation == nation:
                return (*self.path_to(transfer.from_nation), nation)
        raise InputError(f"{nation} never received {self.item_id}")

    def basis_to(self, nation: str) -> tuple[str, ...]:
        """The agreements the item moved under on its path to `nation`, in order."""
        path = self.path_to(nation)
        by_receiver = {t.to_nation: t.basis for t in self.transfers}
        return tuple(by_receiver[receiver] for receiver in path[1:])

    def record(self, transfer: Transfer) -> CustodyChain:
        """The chain with `transfer` added; `Conflict` if it does not continue the chain."""
        if transfer.item_id != self.item_id:
            raise Conflict(f"transfer of {transfer.item_id} recorded in {self.item_id}'s chain")
        holders = self.holders()
        if transfer.from_nation not in holders:
            raise Conflict(f"{transfer.from_nation} never held {self.item_id} to pass it on")
        if transfer.to_nation in holders:
            raise Conflict(f"{transfer.to_nation} already holds {self.item_id}")
        return CustodyChain(self.item_id, self.originator, (*self.transfers, transfer))


def bases_to(chain: CustodyChain, holder: str) -> tuple[str, ...] | None:
    """The agreements on the path from the originator to `holder`, in order; None if the chain
    does not lead back to the originator (a link missing, or links that loop)."""
    by_receiver = {t.to_nation: t for t in chain.transfers}
    bases: list[str] = []
    nation = holder
    for _ in range(len(by_receiver) + 1):
        if nation == chain.originator:
            return tuple(reversed(bases))
        link = by_receiver.get(nation)
        if link is None:
            return None
        bases.append(link.basis)
        nation = link.from_nation
    return None


def chain_of(item: Item, transfers: Iterable[Transfer]) -> CustodyChain:
    """The chain of `item` built from its transfers in time order."""
    chain = CustodyChain(item.id, item.originator)
    for transfer in sorted(transfers, key=lambda t: t.at):
        chain = chain.record(transfer)
    return chain


@dataclass(frozen=True, slots=True)
class OnwardRelease:
    """The holding the receiving nation keeps and the transfer to record in the chain."""

    holding: Holding
    transfer: Transfer


def release_onward(
    holding: Holding,
    third_nation: str,
    consent: Consent | None,
    agreement_with_third: Agreement | None,
    now: datetime,
    *,
    holding_id: str = "",
) -> OnwardRelease:
    """Pass `holding` on to `third_nation` with the originator's consent, re-marked (R12).

    Raises `PolicyDenied` when `may_release_onward` denies. The third nation's holding is marked
    in its own scheme under the holder's agreement with it, names the consent, and may be used
    for the consent's purpose.
    """
    may_release_onward(holding, third_nation, consent, agreement_with_third, now).enforce()
    assert consent is not None
    assert agreement_with_third is not None
    level = translate(agreement_with_third, holding.level, third_nation, at=now.date()).primary
    item = holding.item
    received = Holding(
        holding_id or f"{third_nation}:{item.id}",
        item,
        third_nation,
        level,
        approved_purposes=frozenset({consent.purpose}) - {item.purpose},
        consent_id=consent.id,
    )
    transfer = Transfer(
        item.id,
        holding.holder,
        third_nation,
        now,
        level.native,
        agreement_with_third.id,
        consent.id,
    )
    return OnwardRelease(received, transfer)


@dataclass(frozen=True, slots=True)
class HubRule:
    """A hub nation forwarding between `participants` on `topics` (item communities) (R47)."""

    hub: str
    participants: frozenset[str]
    topics: frozenset[str]
    arrangement: str = HUB

    def __post_init__(self) -> None:
        if self.hub in self.participants or len(self.participants) < 2:
            raise InputError(f"a hub rule of {self.hub} needs two participants other than the hub")
        if not self.topics:
            raise InputError(f"a hub rule of {self.hub} needs at least one topic")


def may_forward_via_hub(
    rule: HubRule,
    hub_holding: Holding,
    recipient: str,
    hub_recipient: Agreement | None,
    now: datetime,
) -> Decision:
    """May the hub forward its holding of a participant's item to `recipient` now (R47)?

    Only the hub's own holding; only between the rule's participants; only an item whose topic
    (community) the rule names; only to a participant the originator made it releasable to; and
    only under the hub's bilateral agreement with the recipient, in force and covering the level.
    """
    require_aware(now, "now")
    item, hub = hub_holding.item, rule.hub
    article = HUB_ARTICLE
    checks = [
        (hub_holding.holder != hub, f"the holding is {hub_holding.holder}'s, not the hub {hub}'s"),
        (hub_holding.destroyed, f"{item.id} was destroyed"),
        (
            not {item.originator, recipient} <= rule.participants or recipient == item.originator,
            f"{item.originator} → {recipient} is not between two participants",
        ),
        (item.community not in rule.topics, f"topic {item.community!r} is not configured"),
        (recipient not in item.releasable_to, f"{recipient} is not the intended participant"),
    ]
    for failed, why in checks:
        if failed:
            return Decision.deny(f"hub {hub} may not forward {item.id}: {why}", article, "R47")
    if hub_recipient is None or set(hub_recipient.parties) != {hub, recipient}:
        return Decision.deny(f"{hub} has no agreement with {recipient}", article, "R47")
    if not hub_recipient.status_at(now.date()).state.in_force:
        return Decision.deny(f"{hub_recipient.id} is not in force", "Art. 21.1", "R47")
    try:
        level = translate(hub_recipient, hub_holding.level, recipient, at=now.date()).primary
    except PolicyDenied as error:
        return Decision.deny(error.message, error.article, "R47")
    return Decision.allow(
        f"{hub} may forward {item.id} to {recipient} as {level} under {hub_recipient.id}; "
        + NON_BINDING,
        article,
        "R47",
    )


def hub_rule_for(
    rules: Sequence[HubRule],
    hub_holding: Holding,
    recipient: str,
    hub_recipient: Agreement | None,
    now: datetime,
) -> tuple[HubRule | None, Decision]:
    """The first of the hub's `rules` (in the order configured) under which it may forward its
    holding to `recipient` now, with that decision; None and the last rule's refusal if none
    allows it, and a refusal naming the hub if it has no rule at all (R47)."""
    decision = Decision.deny(
        f"no hub rule is configured on {hub_holding.holder}", HUB_ARTICLE, "R47"
    )
    for rule in rules:
        decision = may_forward_via_hub(rule, hub_holding, recipient, hub_recipient, now)
        if decision.allowed:
            return rule, decision
    return None, decision


def forward_via_hub(
    rule: HubRule,
    hub_holding: Holding,
    recipient: str,
    hub_recipient: Agreement | None,
    now: datetime,
    *,
    holding_id: str = "",
) -> OnwardRelease:
    """The recipient's holding, re-marked under the hub's agreement, and the transfer (R47)."""
    may_forward_via_hub(rule, hub_holding, recipient, hub_recipient, now).enforce()
    assert hub_recipient is not None  # allowed above
    item = hub_holding.item
    level = translate(hub_recipient, hub_holding.level, recipient, at=now.date()).primary
    received = Holding(holding_id or f"{recipient}:{item.id}", item, recipient, level)
    transfer = Transfer(
        item.id, rule.hub, recipient, now, level.native, hub_recipient.id, hub=rule.hub
    )
    return OnwardRelease(received, transfer)
