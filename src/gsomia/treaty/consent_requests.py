"""Asking the originator for consent to an onward release, and its answer (R12, R21).

A holder's competent authority asks the originator's for consent to release one item, or a
named class of items, to a third nation for a purpose until a date. The originator's security
officer grants or refuses; a grant becomes the `Consent` that `may_release_onward` reads; it may
be revoked, and it expires. The case is a small state machine:

```
requested ──grant──▶ granted ──revoke──▶ revoked
    │                   └── (expires_at passes) ──▶ expired
    ├──refuse──▶ refused
    └── (until passes unanswered) ──▶ expired
```

An illegal step raises `Conflict` naming the state. A consent never reaches beyond what the
holder's own agreement with the third nation covers: the originator checks that before it grants.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from gsomia.errors import Conflict, InputError, PolicyDenied
from gsomia.treaty import sources
from gsomia.treaty.agreements import Agreement
from gsomia.treaty.consent import Consent, ConsentRequest
from gsomia.treaty.decision import Decision
from gsomia.treaty.equivalence import translate
from gsomia.treaty.items import Holding, Item
from gsomia.treaty.officials import officer_denial
from gsomia.treaty.people import Person, require_aware
from gsomia.treaty.schemes import Level

__all__ = [
    "ConsentCase",
    "ConsentRequest",
    "ConsentStatus",
    "grant_consent",
    "may_grant_consent",
    "may_request_consent",
    "open_consent_case",
    "refuse_consent",
    "revoke_consent",
]

THIRD_PARTY = sources.THIRD_PARTY
_Pair = tuple[Agreement, Agreement]
deny, allow = Decision.deny, Decision.allow


class ConsentStatus(StrEnum):
    REQUESTED = "requested"
    GRANTED = "granted"
    REFUSED = "refused"
    REVOKED = "revoked"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class ConsentCase:
    """A consent request and what became of it. `status_at(now)` accounts for expiry."""

    request: ConsentRequest
    status: ConsentStatus = ConsentStatus.REQUESTED
    consent: Consent | None = None
    decided_by: str = ""
    decided_at: datetime | None = None
    reason: str = ""

    def status_at(self, now: datetime) -> ConsentStatus:
        require_aware(now, "now")
        if self.status is ConsentStatus.REQUESTED and self.request.until <= now:
            return ConsentStatus.EXPIRED
        if (
            self.status is ConsentStatus.GRANTED
            and self.consent is not None
            and self.consent.expires_at <= now
        ):
            return ConsentStatus.EXPIRED
        return self.status


def open_consent_case(request: ConsentRequest) -> ConsentCase:
    return ConsentCase(request)


def _expect(case: ConsentCase, status: ConsentStatus, now: datetime, step: str) -> None:
    current = case.status_at(now)
    if current is not status:
        raise Conflict(
            f"consent request {case.request.id} is {current.value}; it cannot be {step}",
            hint=f"only a {status.value} request can be {step}",
        )


def may_request_consent(
    requester: Person, holding: Holding, request: ConsentRequest, now: datetime
) -> Decision:
    """May `requester` send `request` about `holding` to its originator (R12)?

    The holder's security officer asks; the holding is the holder's, not destroyed, covered by
    the request, and the request ends in the future.
    """
    require_aware(now, "now")
    item = holding.item
    denial = officer_denial(
        requester, holding.holder, now, article=THIRD_PARTY, requirement="R12", act="ask consent"
    )
    if denial is not None:
        return denial
    problems = [
        (holding.destroyed, f"{item.id} was destroyed"),
        (request.holder != holding.holder, f"it names {request.holder} as holder"),
        (request.originator != item.originator, f"{item.originator} is the originator"),
        (not request.names(item), f"it does not name {item.id} or its class"),
        (request.until <= now, "it asks for a consent that would already have ended"),
    ]
    for failed, why in problems:
        if failed:
            return deny(f"consent request {request.id} is not valid: {why}", THIRD_PARTY, "R12")
    return allow(f"{holding.holder} may ask {item.originator} for consent", THIRD_PARTY, "R12")


def _ceiling_denial(
    level: Level, version: int | None, request: ConsentRequest, agreements: _Pair, at: date
) -> Decision | None:
    origin, third = agreements
    try:
        held = translate(origin, level, request.holder, version=version, at=at).primary
        translate(third, held, request.recipient, at=at)
    except PolicyDenied as error:
        return deny(
            f"consent for {level} beyond what {request.holder} may pass to {request.recipient}: "
            f"{error.message}",
            error.article,
            "R12",
        )
    return None


def _items_denial(  # noqa: PLR0911 - one guard per condition
    request: ConsentRequest, items: Sequence[Item], origin: Agreement, third: Agreement, at: date
) -> Decision | None:
    for item in items:
        if item.originator != request.originator or not request.names(item):
            return deny(f"the request does not name {item.id}", THIRD_PARTY, "R12")
        if item.agreement_id != origin.id:
            return deny(f"{item.id} was provided under {item.agreement_id}", "Art. 2(a)", "R6")
        denial = _ceiling_denial(item.level, item.agreement_version, request, (origin, third), at)
        if denial is not None:
            return denial
    if request.item_class:
        if request.ceiling is None:
            return deny(
                f"a consent for the class {request.item_class!r} needs a ceiling level",
                THIRD_PARTY,
                "R12",
            )
        denial = _ceiling_denial(request.ceiling, None, request, (origin, third), at)
        if denial is not None:
            return denial
    elif not items or {item.id for item in items} != request.item_ids:
        return deny("every item the request names must be shown to the officer", THIRD_PARTY, "R12")
    return None


def may_grant_consent(  # noqa: PLR0911 - one guard per treaty condition
    officer: Person,
    request: ConsentRequest,
    items: Sequence[Item],
    now: datetime,
    *,
    origin_agreement: Agreement,
    holder_third: Agreement | None,
) -> Decision:
    """May `officer` grant `request` for `items` (those it names, as the originator knows them)?

    Only the originator's security officer grants; the request has not lapsed; every item is the
    originator's, provided to the holder under `origin_agreement` and named by the request; the
    holder's agreement with the third nation (`holder_third`) is in force and covers each item's
    level, as translated into the holder's scheme (for a class, the request's ceiling, which
    must be given).
    """
    require_aware(now, "now")
    denial = officer_denial(
        officer, request.originator, now, article=THIRD_PARTY, requirement="R12", act="consent"
    )
    if denial is not None:
        return denial
    if request.until <= now:
        return deny(f"consent request {request.id} has lapsed", THIRD_PARTY, "R12")
    if set(origin_agreement.parties) != {request.originator, request.holder}:
        return deny(
            f"{origin_agreement.id} is not between {request.originator} and {request.holder}",
            THIRD_PARTY,
            "R12",
        )
    if holder_third is None or set(holder_third.parties) != {request.holder, request.recipient}:
        return deny(
            f"{request.holder} has no agreement with {request.recipient} to protect the items",
            sources.NO_AGREEMENT,
            "R12",
        )
    if not holder_third.status_at(now.date()).state.in_force:
        return deny(f"{holder_third.id} is not in force", "Art. 21.1", "R12")
    denial = _items_denial(request, items, origin_agreement, holder_third, now.date())
    if denial is not None:
        return denial
    return allow(
        f"{officer.id} may consent to {request.recipient} for {request.purpose!r}",
        THIRD_PARTY,
        "R12",
    )


def grant_consent(
    case: ConsentCase,
    officer: Person,
    items: Sequence[Item],
    now: datetime,
    *,
    origin_agreement: Agreement,
    holder_third: Agreement | None,
    consent_id: str,
    expires_at: datetime | None = None,
) -> ConsentCase:
    """The case granted, carrying the `Consent` bound to items, third nation, purpose, expiry.

    `expires_at` defaults to the request's `until` and may only shorten it. The consent is
    `verified=False` until the holder's node verifies the originator's signature on it. Raises
    `PolicyDenied` if `may_grant_consent` denies and `Conflict` if the case is not open.
    """
    _expect(case, ConsentStatus.REQUESTED, now, "granted")
    request = case.request
    may_grant_consent(
        officer, request, items, now, origin_agreement=origin_agreement, holder_third=holder_third
    ).enforce()
    expiry = request.until if expires_at is None else min(expires_at, request.until)
    if expiry <= now:
        raise InputError(f"consent {consent_id} would expire before it is given")
    consent = Consent(
        id=consent_id,
        originator=request.originator,
        holder=request.holder,
        recipient=request.recipient,
        purpose=request.purpose,
        expires_at=expiry,
        item_ids=request.item_ids,
        item_class=request.item_class,
        ceiling=request.ceiling,
    )
    return replace(
        case, status=ConsentStatus.GRANTED, consent=consent, decided_by=officer.id, decided_at=now
    )


def refuse_consent(
    case: ConsentCase, officer: Person, now: datetime, *, reason: str
) -> ConsentCase:
    """The case refused by the originator's officer, with the reason told to the holder."""
    _expect(case, ConsentStatus.REQUESTED, now, "refused")
    denial = officer_denial(
        officer, case.request.originator, now, article=THIRD_PARTY, requirement="R12", act="refuse"
    )
    if denial is not None:
        denial.enforce()
    return replace(
        case, status=ConsentStatus.REFUSED, decided_by=officer.id, decided_at=now, reason=reason
    )


def revoke_consent(
    case: ConsentCase, officer: Person, now: datetime, *, reason: str
) -> ConsentCase:
    """The granted consent revoked from `now` on: later onward releases under it are refused."""
    _expect(case, ConsentStatus.GRANTED, now, "revoked")
    denial = officer_denial(
        officer, case.request.originator, now, article=THIRD_PARTY, requirement="R12", act="revoke"
    )
    if denial is not None:
        denial.enforce()
    assert case.consent is not None  # a granted case carries its consent
    return replace(
        case,
        status=ConsentStatus.REVOKED,
        consent=replace(case.consent, revoked_at=now),
        reason=reason,
    )
