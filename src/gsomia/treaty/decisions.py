"""The treaty's decisions: pure functions of their inputs, `now` included.

Each returns a `Decision` (allowed or denied, the reason, the article, the requirement); call
`.enforce()` to turn a denial into `PolicyDenied`. Nothing here reads a clock or a store.

Article numbers follow the research notes; the third-party and purpose rules are reported for
the agreement as a whole and their article (5 or 6(a)–(c)) is UNCONFIRMED, so they cite "Art. 5".
"""

from __future__ import annotations

from datetime import datetime

from gsomia.errors import PolicyDenied
from gsomia.treaty.access import DESTROYED, may_access
from gsomia.treaty.agreements import Agreement
from gsomia.treaty.consent import Assurance, Consent
from gsomia.treaty.decision import Decision
from gsomia.treaty.equivalence import translate
from gsomia.treaty.items import Holding, Item
from gsomia.treaty.lifecycle import State
from gsomia.treaty.people import RELEASE_AUTHORITY, Person, require_aware
from gsomia.treaty.release import OfficerRelease, Release

__all__ = [
    "may_access",
    "may_change_classification",
    "may_hand_over",
    "may_provide",
    "may_release_onward",
    "may_use_classic_crypto",
]

THIRD_PARTY = "Art. 5"
deny, allow = Decision.deny, Decision.allow


def _in_force(agreement: Agreement, now: datetime, requirement: str) -> Decision | None:
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


def _release_denial(
    item: Item, to_nation: str, release: Release | None, now: datetime
) -> Decision | None:
    if release is None:
        return deny(
            f"no release decision for {item.id} to {to_nation}: nothing is shared automatically",
            "Art. 1",
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
            f"the release decision does not cover {item.id} to {to_nation} now", "Art. 1", "R50"
        )
    if officer.nationality != item.originator or RELEASE_AUTHORITY not in officer.roles:
        return deny(
            f"{officer.id} is not an authorised release officer of {item.originator}",
            "Art. 1",
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


def may_provide(  # noqa: PLR0911 - one guard per treaty condition, in the treaty's order
    item: Item,
    to_nation: str,
    agreement: Agreement,
    release: Release | None,
    now: datetime,
    *,
    channel: str,
) -> Decision:
    """May the originator provide `item` to `to_nation` under `agreement` over `channel` now?

    Needs (R2, R6, R25, R40, R44, R50): the item's own agreement and current version, both
    nations parties, the agreement in force, the level covered, an approved channel, the nation
    in the item's releasability, and an explicit release decision or standing rule.
    """
    require_aware(now, "now")
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
    denial = _in_force(agreement, now, "R40")
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
        return deny(f"channel {channel!r} is not approved under {agreement.id}", "Art. 9", "R25")
    if to_nation not in item.releasable_to:
        return deny(f"{item.id} is not releasable to {to_nation}", THIRD_PARTY, "R21")
    denial = _release_denial(item, to_nation, release, now)
    if denial is not None:
        return denial
    return allow(
        f"{item.id} may go to {to_nation} under {agreement.id} v{version.number}", "Art. 4", "R50"
    )


def _consent_denial(
    holding: Holding, third_nation: str, consent: Consent | None, purpose: str, now: datetime
) -> Decision | None:
    item = holding.item
    if consent is None:
        return deny(
            f"no consent of {item.originator} to release {item.id} to {third_nation}",
            THIRD_PARTY,
            "R12",
        )
    problems = [
        (not consent.verified, "its signature has not verified"),
        (consent.originator != item.originator, f"it is not {item.originator}'s"),
        (consent.holder != holding.holder, f"it was not given to {holding.holder}"),
        (consent.recipient != third_nation, f"it names {consent.recipient}, not {third_nation}"),
        (
            item.id not in consent.item_ids and consent.item_class != item.community,
            f"it does not name {item.id} or its class",
        ),
        (
            consent.ceiling is not None and not consent.ceiling.dominates(item.level),
            f"{item.level} is above its ceiling {consent.ceiling}",
        ),
        (consent.purpose != purpose, f"it is for {consent.purpose!r}, not {purpose!r}"),
        (consent.expires_at <= now, "it has expired"),
        (consent.revoked_at is not None and consent.revoked_at <= now, "it was revoked"),
    ]
    for failed, why in problems:
        if failed:
            return deny(
                f"consent {consent.id} does not allow this release: {why}", THIRD_PARTY, "R12"
            )
    return None


def may_release_onward(  # noqa: PLR0911 - one guard per treaty condition
    holding: Holding,
    third_nation: str,
    consent: Consent | None,
    agreement_with_third: Agreement | None,
    now: datetime,
    *,
    purpose: str | None = None,
) -> Decision:
    """May the holder pass `holding` on to `third_nation` (R12, R44)?

    Needs a verified originator consent bound to this item (or its class), the holder, this
    nation and the purpose (the consent's own when None), neither expired nor revoked; and the
    holder's agreement with the third nation in force and covering the holding's level.
    """
    require_aware(now, "now")
    if holding.destroyed:
        return DESTROYED
    if third_nation == holding.holder:
        return deny(f"{third_nation} already holds {holding.item.id}", THIRD_PARTY, "R12")
    denial = _consent_denial(
        holding, third_nation, consent, purpose or (consent.purpose if consent else ""), now
    )
    if denial is not None:
        return denial
    if agreement_with_third is None or set(agreement_with_third.parties) != {
        holding.holder,
        third_nation,
    }:
        return deny(
            f"no agreement between {holding.holder} and {third_nation} to protect it",
            "Art. 1",
            "R12",
        )
    denial = _in_force(agreement_with_third, now, "R40")
    if denial is not None:
        return denial
    try:
        translated = translate(agreement_with_third, holding.level, third_nation, at=now.date())
    except PolicyDenied as error:
        return deny(error.message, error.article, "R2")
    return allow(
        f"{holding.item.id} may go to {third_nation} as {translated.primary} with "
        f"consent {consent.id if consent else ''}",
        THIRD_PARTY,
        "R12",
    )


def may_change_classification(requesting_nation: str, item: Item) -> Decision:
    """Only the originator changes an item's classification; receivers apply its notice (R14)."""
    if requesting_nation != item.originator:
        return deny(
            f"only the originator {item.originator} may change the classification of {item.id}",
            "Art. 6(g)",
            "R14",
        )
    return allow(f"{item.originator} is the originator of {item.id}", "Art. 6(g)", "R14")


def may_hand_over(
    item: Item,
    representative: Person,
    assurance: Assurance | None,
    agreement: Agreement,
    now: datetime,
) -> Decision:
    """May the originator's representative hand `item` to the other party's `representative`?

    Needs the receiving party's recorded assurance (Art. 7.5; R22) for this representative and
    purpose, promising substantially equivalent protection, with a clearance at or above the
    item's equivalent level.
    """
    require_aware(now, "now")
    receiver = agreement.other_party(item.originator)
    if assurance is None or assurance.given_at > now:
        return deny(f"no assurance from {receiver} for {representative.id}", "Art. 7.5", "R22")
    problems = [
        (assurance.receiving_party != receiver, f"it is not {receiver}'s"),
        (representative.nationality != receiver, f"{representative.id} is not of {receiver}"),
        (assurance.representative_id != representative.id, f"it is not for {representative.id}"),
        (assurance.purpose != item.purpose, f"it is for {assurance.purpose!r}"),
        (not assurance.equivalent_protection, "it does not promise equivalent protection"),
    ]
    for failed, why in problems:
        if failed:
            return deny(f"the assurance does not cover this hand-over: {why}", "Art. 7.5", "R22")
    try:
        equivalent = translate(agreement, item.level, receiver, version=item.agreement_version)
    except PolicyDenied as error:
        return deny(error.message, error.article, "R2")
    if not assurance.clearance.dominates(equivalent.primary):
        return deny(
            f"the assured clearance {assurance.clearance} is below {equivalent.primary}",
            "Art. 7.5",
            "R22",
        )
    return allow(
        f"{receiver} assured clearance {assurance.clearance} for {representative.id}",
        "Art. 7.5",
        "R22",
    )


def may_use_classic_crypto(agreement: Agreement) -> Decision:
    """May an envelope under `agreement` use the non-post-quantum `classic` profile?"""
    if not agreement.classic_crypto_allowed:
        return deny(
            f"{agreement.id} refuses the classic (non-post-quantum) envelope profile",
            "Art. 9",
            "R26",
        )
    return allow(f"{agreement.id} allows the classic envelope profile", "Art. 9", "R26")
