"""The originator's written approval of a new purpose for items it provided (R13).

An item is used only for the purpose it was provided for. A holder may ask for another; once the
originator's security officer approves it in writing, and its signature verifies on the holder's
node, the purpose joins the holding's `approved_purposes`, which `may_access(..., purpose=...)`
honours.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from gsomia.errors import InputError
from gsomia.treaty import sources
from gsomia.treaty.decision import Decision
from gsomia.treaty.items import Holding
from gsomia.treaty.officials import officer_denial
from gsomia.treaty.people import Person, require_aware

__all__ = ["PurposeApproval", "apply_purpose_approval", "may_approve_purpose"]

PURPOSE = sources.THIRD_PARTY


@dataclass(frozen=True, slots=True)
class PurposeApproval:
    """`originator` approves `purpose` for `holder`'s use of these items (or this class)."""

    id: str
    originator: str
    holder: str
    purpose: str
    approved_by: str
    approved_at: datetime
    item_ids: frozenset[str] = frozenset()
    item_class: str = ""
    verified: bool = False

    def __post_init__(self) -> None:
        require_aware(self.approved_at, "purpose approval time")
        if not self.purpose:
            raise InputError(f"purpose approval {self.id} names no purpose")
        if not self.item_ids and not self.item_class:
            raise InputError(f"purpose approval {self.id} names neither items nor a class")


def may_approve_purpose(officer: Person, approval: PurposeApproval, now: datetime) -> Decision:
    """Only the originator's security officer approves a new purpose (R13)."""
    require_aware(now, "now")
    denial = officer_denial(
        officer, approval.originator, now, article=PURPOSE, requirement="R13", act="approve"
    )
    if denial is not None:
        return denial
    return Decision.allow(
        f"{officer.id} may approve {approval.purpose!r} for {approval.holder}", PURPOSE, "R13"
    )


def _covers(approval: PurposeApproval, holding: Holding) -> Decision:
    item = holding.item
    problems = [
        (not approval.verified, "its signature has not verified"),
        (approval.originator != item.originator, f"it is not {item.originator}'s"),
        (approval.holder != holding.holder, f"it was given to {approval.holder}"),
        (
            item.id not in approval.item_ids and approval.item_class != item.community,
            f"it does not name {item.id} or its class",
        ),
    ]
    for failed, why in problems:
        if failed:
            return Decision.deny(
                f"purpose approval {approval.id} does not apply: {why}", PURPOSE, "R13"
            )
    return Decision.allow(f"{approval.purpose!r} approved for {item.id}", PURPOSE, "R13")


def apply_purpose_approval(holding: Holding, approval: PurposeApproval) -> Holding:
    """`holding` with the approved purpose added; `PolicyDenied` if the approval does not apply."""
    _covers(approval, holding).enforce()
    return replace(holding, approved_purposes=holding.approved_purposes | {approval.purpose})
