"""Provision: may the originator give an item to a partner now (R1, R2, R6, R25, R26, R40,
R44, R45, R50)?

Nothing is shared automatically: every provision needs the agreement with that partner, in
force in its current version and covering the level, an approved channel with encryption the
agreement accepts, the partner in the item's releasability, an explicit release decision or
standing rule of an authorised officer, and the partner's node known here to seal for.
"""

from __future__ import annotations

from datetime import datetime

from gsomia.treaty import sources
from gsomia.treaty.agreements import Agreement
from gsomia.treaty.decision import Decision
from gsomia.treaty.items import Item
from gsomia.treaty.lifecycle import State
from gsomia.treaty.people import RELEASE_AUTHORITY, require_aware
from gsomia.treaty.release import OfficerRelease, Release

__all__ = [
    "classic_crypto_denial",
    "in_force_denial",
    "may_provide",
    "may_use_classic_crypto",
    "may_use_link",
]

THIRD_PARTY = sources.THIRD_PARTY
deny, allow = Decision.deny, Decision.allow


def in_force_denial(agreement: Agreement, now: datetime, requirement: str) -> Decision | None:
    """Why no new provision is accepted under `agreement` at `now`, if none is (R40, R44)."""
    status = agreement.status_at(now.date())
    if status.state is State.TERMINATED:
        return deny(
            f"{agreement.id} terminated on {status.termination_effective}; no new provision is "
            "accepted under it",
            "Art. 21",
            "R44",
        )
    if not status.state.in_force:
        return deny(
            f"{agreement.id} is not in force ({status.state.value})", "Art. 21.1", requirement
        )
    return None


def may_provide(
    item: Item,
    to_nation: str,
    agreement: Agreement | None,
    release: Release | None,
    now: datetime,
    *,
    channel: str,
    recipient_known: bool,
    classic_crypto: bool,
) -> Decision:
    """May the originator provide `item` to `to_nation` under `agreement` over `channel` now?

    Needs (R1, R2, R6, R25, R26, R40, R44, R50): an agreement with `to_nation` (None when the
    originator has none) that is the item's own, in its current version, both nations parties,
    in force, the level covered, an approved channel whose encryption the agreement accepts
    (`classic_crypto`: the envelope would use the non-post-quantum profile), the nation in the
    item's releasability, an explicit release decision or standing rule, and a node of
    `to_nation` to seal for (`recipient_known`: its identity card is registered here).
    """
    require_aware(now, "now")
    if agreement is None:
        return deny(
            f"{item.originator} has no agreement with {to_nation}", sources.NO_AGREEMENT, "R1"
        )
    denial = (
        _agreement_denial(item, to_nation, agreement, now, channel)
        or classic_crypto_denial(agreement, classic_crypto)
        or _releasability_denial(item, to_nation)
        or _release_denial(item, to_nation, release, now)
        or _recipient_denial(to_nation, recipient_known)
    )
    if denial is not None:
        return denial
    version = agreement.version_at(now.date()).number
    return allow(
        f"{item.id} may go to {to_nation} under {agreement.id} v{version}", "Art. 4", "R50"
    )


def _agreement_denial(  # noqa: PLR0911 - one guard per treaty condition, in the treaty's order
    item: Item, to_nation: str, agreement: Agreement, now: datetime, channel: str
) -> Decision | None:
    """Why `agreement` does not carry `item` to `to_nation` over `channel` now, if it does not."""
    if item.agreement_id != agreement.id:
        return deny(
            f"{item.id} is marked for {item.agreement_id}, not {agreement.id}", "Art. 2(a)", "R6"
        )
    if item.originator not in agreement.parties or to_nation not in agreement.parties:
        return deny(
            f"{agreement.id} binds {' and '.join(agreement.parties)} only", THIRD_PARTY, "R12"
        )
    if to_nation == item.originator:
        return deny(f"{to_nation} is the originator of {item.id}", "Art. 2(b)", "R1")
    denial = in_force_denial(agreement, now, "R40")
    if denial is not None:
        return denial
    version = agreement.version_at(now.date())
    if version.number != item.agreement_version:
        return deny(
            f"{item.id} is marked under version {item.agreement_version}; version "
            f"{version.number} applies now",
            "Art. 21.2",
            "R45",
        )
    if not version.covers(item.level):
        return deny(
            f"level not covered by agreement: {item.level} under {agreement.id}", "Art. 4", "R2"
        )
    if channel not in agreement.channels:
        return deny(
            f"channel {channel!r} is not approved under {agreement.id}", sources.TRANSMISSION, "R25"
        )
    return None


def _releasability_denial(item: Item, to_nation: str) -> Decision | None:
    if to_nation not in item.releasable_to:
        return deny(f"{item.id} is not releasable to {to_nation}", THIRD_PARTY, "R21")
    return None


def _release_denial(
    item: Item, to_nation: str, release: Release | None, now: datetime
) -> Decision | None:
    if release is None:
        return deny(
            f"no release decision for {item.id} to {to_nation}: nothing is shared automatically",
            sources.CASE_BY_CASE,
            "R50",
        )
    if isinstance(release, OfficerRelease):
        officer, fits = release.officer, release.item_id == item.id
        fits = fits and release.to_nation == to_nation and release.decided_at <= now
    else:
        officer = release.approved_by
        fits = (
            release.originator == item.originator
            and release.to_nation == to_nation
            and release.purpose == item.purpose
            and release.ceiling.dominates(item.level)
            and release.valid_from <= now < release.valid_until
        )
    if not fits:
        return deny(
            f"the release decision does not cover {item.id} to {to_nation} now",
            sources.CASE_BY_CASE,
            "R50",
        )
    if officer.nationality != item.originator or RELEASE_AUTHORITY not in officer.roles:
        return deny(
            f"{officer.id} is not an authorised release officer of {item.originator}",
            sources.CASE_BY_CASE,
            "R50",
        )
    # An authorised official is one still on the register with a clearance in force (R16).
    if not officer.registered:
        return deny(
            f"{officer.id} is not on the register of authorised officials", "Art. 6(e)", "R16"
        )
    expires = officer.clearance_expires
    if officer.clearance is None or expires is None or expires <= now:
        return deny(f"{officer.id} holds no clearance in force", "Art. 7.2", "R50")
    return None


def _recipient_denial(to_nation: str, recipient_known: bool) -> Decision | None:
    """Nothing is sealed for a node whose identity nobody here pinned (R25)."""
    if not recipient_known:
        return deny(
            f"no identity card of a {to_nation} node is registered here",
            sources.TRANSMISSION,
            "R25",
        )
    return None


def may_use_classic_crypto(agreement: Agreement) -> Decision:
    """May an envelope under `agreement` use the non-post-quantum `classic` profile?"""
    if not agreement.classic_crypto_allowed:
        return deny(
            f"{agreement.id} refuses the classic (non-post-quantum) envelope profile",
            sources.TRANSMISSION,
            "R26",
        )
    return allow(f"{agreement.id} allows the classic envelope profile", sources.TRANSMISSION, "R26")


def may_use_link(agreement: Agreement | None, *, classic_crypto: bool) -> Decision:
    """May a message travel to a partner under this suite (R26)? A post-quantum envelope
    always; a classic one only where the agreement with the partner approves it, and never
    without an agreement. Each node picks the suite per partner by this and refuses a
    message sealed under a suite its own reading of the agreement does not approve."""
    if not classic_crypto:
        return _POST_QUANTUM
    if agreement is None:
        return deny(
            "no agreement approves the classic (non-post-quantum) envelope profile",
            sources.TRANSMISSION,
            "R26",
        )
    return may_use_classic_crypto(agreement)


_POST_QUANTUM = allow("a post-quantum hybrid envelope", sources.TRANSMISSION, "R26")


def classic_crypto_denial(agreement: Agreement, classic_crypto: bool) -> Decision | None:
    """The refusal of a non-post-quantum envelope (`classic_crypto`) under an agreement that
    does not allow one (R26); None otherwise. Sender and receiver both ask it."""
    if not classic_crypto:
        return None
    decision = may_use_classic_crypto(agreement)
    return None if decision.allowed else decision
