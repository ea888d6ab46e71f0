"""The treaty's decisions: pure functions of their inputs, `now` included.

Each returns a `Decision` (allowed or denied, the reason, the article, the requirement); call
`.enforce()` to turn a denial into `PolicyDenied`. Nothing here reads a clock or a store.

Article numbers follow the research notes; the third-party and purpose rules are reported for
the agreement as a whole and their article (5 or 6(a)–(c)) is UNCONFIRMED, and they say so
(`gsomia.treaty.sources`).
"""

from __future__ import annotations

from datetime import datetime

from gsomia.errors import PolicyDenied
from gsomia.treaty import sources
from gsomia.treaty.access import DESTROYED, may_access
from gsomia.treaty.agreements import Agreement
from gsomia.treaty.consent import Assurance, Consent
from gsomia.treaty.decision import Decision
from gsomia.treaty.equivalence import translate
from gsomia.treaty.items import Holding, Item
from gsomia.treaty.people import Person, require_aware
from gsomia.treaty.provision import in_force_denial, may_provide, may_use_classic_crypto

__all__ = [
    "may_access",
    "may_change_classification",
    "may_decide_request",
    "may_hand_over",
    "may_provide",
    "may_release_onward",
    "may_use_classic_crypto",
]

THIRD_PARTY = sources.THIRD_PARTY
deny, allow = Decision.deny, Decision.allow


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
            sources.NO_AGREEMENT,
            "R12",
        )
    denial = in_force_denial(agreement_with_third, now, "R40")
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


def may_decide_request(nation: str, originator: str, request: str, requirement: str) -> Decision:
    """May `nation` decide a holder's `request` (for consent to release onward, R12, or for a
    new purpose, R13)? Only the item's originator decides; a holder never decides its own."""
    if nation != originator:
        return deny(f"only the originator {originator} decides {request}", THIRD_PARTY, requirement)
    return allow(f"{nation}, the originator, decides {request}", THIRD_PARTY, requirement)


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
