"""Classification changes: only the originator's, applied by every holder (Art. 6(g); R14).

The originator's competent authority issues a written notice (downgrade, upgrade or
declassification) naming the item; it reaches every holder, third-nation holders reached by
consent or through a hub included. Each holder re-marks its holding through the same chain of
agreement tables the item travelled (the item's own version first) and acknowledges; the
originator sees which acknowledgements are outstanding. A holder never changes a classification
on its own: `may_issue_notice` refuses anyone but the originator's officer.

An upgrade beyond what an agreement on the path covers cannot be applied: the holder is told
why and the originator must settle it (the item can no longer be held under that agreement).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from gsomia.errors import InputError, PolicyDenied
from gsomia.treaty.agreements import Agreement
from gsomia.treaty.decision import Decision
from gsomia.treaty.decisions import may_change_classification
from gsomia.treaty.equivalence import translate
from gsomia.treaty.items import Holding, Item
from gsomia.treaty.officials import officer_denial
from gsomia.treaty.people import Person, require_aware
from gsomia.treaty.schemes import Level

__all__ = [
    "DECLASSIFIED",
    "Acknowledgement",
    "ChangeKind",
    "ClassificationNotice",
    "DeclassifiedHolding",
    "Remarking",
    "acknowledge",
    "apply_notice",
    "may_apply_notice",
    "may_follow_path",
    "may_issue_notice",
    "may_read_declassified",
    "may_take_acknowledgement",
    "outstanding_acknowledgements",
]

ARTICLE = "Art. 6(g)"
#: The marking a declassified item, holding or copy carries: no scheme has a level for it.
DECLASSIFIED = "DECLASSIFIED"
deny, allow = Decision.deny, Decision.allow


class ChangeKind(StrEnum):
    DOWNGRADE = "downgrade"
    UPGRADE = "upgrade"
    DECLASSIFY = "declassify"


@dataclass(frozen=True, slots=True)
class ClassificationNotice:
    """The originator's written notice: `item_id` goes from `previous` to `new_level` (None:
    declassified) from `effective`. `verified` is the shell's check of the signature."""

    id: str
    item_id: str
    originator: str
    previous: Level
    new_level: Level | None
    effective: datetime
    issued_at: datetime
    issued_by: str
    verified: bool = False

    def __post_init__(self) -> None:
        require_aware(self.effective, "notice effective time")
        require_aware(self.issued_at, "notice issue time")
        for level in (self.previous, self.new_level):
            if level is not None and level.nation != self.originator:
                raise InputError(f"notice {self.id}: {level} is not an {self.originator} level")
        if self.new_level == self.previous:
            raise InputError(f"notice {self.id} changes nothing: {self.previous} stays")

    @property
    def kind(self) -> ChangeKind:
        if self.new_level is None:
            return ChangeKind.DECLASSIFY
        up = self.new_level.rank > self.previous.rank
        return ChangeKind.UPGRADE if up else ChangeKind.DOWNGRADE


def may_issue_notice(
    officer: Person, item: Item, notice: ClassificationNotice, now: datetime
) -> Decision:
    """May `officer` issue `notice` for `item`? Only the originator's security officer (R14)."""
    require_aware(now, "now")
    decision = may_change_classification(officer.nationality, item)
    if not decision.allowed:
        return decision
    denial = officer_denial(
        officer, item.originator, now, article=ARTICLE, requirement="R14", act="reclassify"
    )
    if denial is not None:
        return denial
    if notice.item_id != item.id or notice.originator != item.originator:
        return deny(f"notice {notice.id} does not name {item.id}", ARTICLE, "R14")
    if notice.previous != item.level:
        return deny(
            f"notice {notice.id} starts from {notice.previous}; {item.id} is {item.level}",
            ARTICLE,
            "R14",
        )
    return allow(f"{item.originator} may {notice.kind.value} {item.id}", ARTICLE, "R14")


@dataclass(frozen=True, slots=True)
class Remarking:
    """What applying a notice did to one holding: `holding` is None once declassified."""

    notice_id: str
    holding_id: str
    previous: Level
    level: Level | None
    holding: Holding | None


def _target(
    holding: Holding, level: Level, agreement: Agreement, via: Sequence[Agreement], now: datetime
) -> Level:
    hops = (agreement, *via)
    current = level
    for index, hop in enumerate(hops):
        to_nation = hop.other_party(current.nation)
        if index == len(hops) - 1 and to_nation != holding.holder:
            raise PolicyDenied(
                f"the agreements given lead to {to_nation}, not the holder {holding.holder}",
                article=ARTICLE,
            )
        version = holding.item.agreement_version if index == 0 else None
        current = translate(hop, current, to_nation, version=version, at=now.date()).primary
    return current


def may_apply_notice(
    holding: Holding,
    notice: ClassificationNotice,
    agreement: Agreement,
    now: datetime,
    *,
    via: Sequence[Agreement] = (),
) -> Decision:
    """May the holder re-mark `holding` as `notice` says, now?

    `agreement` is the item's own; `via` the holder's agreements the item moved on under to
    reach a third nation, in order (`CustodyChain.basis_to`). The notice must be verified, the
    originator's, name the item, start from its current level and be in effect; the new level
    must be covered on every step of the path.
    """
    require_aware(now, "now")
    item = holding.item
    problems = [
        (not notice.verified, "its signature has not verified"),
        (notice.originator != item.originator, f"it is not from the originator {item.originator}"),
        (notice.item_id != item.id, f"it does not name {item.id}"),
        (notice.previous != item.level, f"it starts from {notice.previous}, not {item.level}"),
        (notice.effective > now, "it is not yet in effect"),
        (agreement.id != item.agreement_id, f"{item.id} was provided under {item.agreement_id}"),
    ]
    for failed, why in problems:
        if failed:
            return deny(f"notice {notice.id} cannot be applied: {why}", ARTICLE, "R14")
    if notice.new_level is None:
        return allow(f"{item.id} is declassified by its originator", ARTICLE, "R14")
    try:
        target = _target(holding, notice.new_level, agreement, via, now)
    except PolicyDenied as error:
        return deny(
            f"{notice.kind.value} to {notice.new_level} cannot be applied: {error.message}; "
            f"the originator must be told",
            error.article,
            "R14",
        )
    return allow(f"{holding.id} re-marked {holding.level} → {target}", ARTICLE, "R14")


def may_follow_path(
    holding: Holding, holder: str, via: Sequence[str], received_under: str | None
) -> Decision:
    """Does the path a notice names (`via`: the agreements the item moved on under) lead to
    `holder` the way it received the item (R14)? A holder that recorded receiving it onward,
    under an agreement other than the item's own, takes only a path ending with that one."""
    if (
        received_under is not None
        and received_under != holding.item.agreement_id
        and (not via or via[-1] != received_under)
    ):
        return Decision.deny(
            f"the notice's path {list(via)} does not end with {received_under}, "
            f"the agreement {holding.item.id} reached {holder} under",
            ARTICLE,
            "R14",
        )
    return Decision.allow(
        f"the notice's path {list(via)} leads to {holder} as {holding.item.id} came",
        ARTICLE,
        "R14",
    )


def apply_notice(
    holding: Holding,
    notice: ClassificationNotice,
    agreement: Agreement,
    now: datetime,
    *,
    via: Sequence[Agreement] = (),
) -> Remarking:
    """The holding re-marked as `notice` says; `PolicyDenied` when `may_apply_notice` denies."""
    may_apply_notice(holding, notice, agreement, now, via=via).enforce()
    if notice.new_level is None:
        return Remarking(notice.id, holding.id, holding.level, None, None)
    target = _target(holding, notice.new_level, agreement, via, now)
    item = replace(holding.item, level=notice.new_level)
    return Remarking(
        notice.id, holding.id, holding.level, target, replace(holding, item=item, level=target)
    )


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """A holder's acknowledgement that it applied a notice to its holding."""

    notice_id: str
    holder: str
    holding_id: str
    level: str
    at: datetime

    def __post_init__(self) -> None:
        require_aware(self.at, "acknowledgement time")


def may_take_acknowledgement(
    sender: str, notice_id: str, item_id: str, holders: Collection[str]
) -> Decision:
    """May the originator take `sender`'s acknowledgement of notice `notice_id`? Only from a
    holder it sent the notice to: another nation holds no copy of `item_id` known here (R14)."""
    if sender not in holders:
        return Decision.deny(
            f"{sender} was not sent notice {notice_id}: it holds no {item_id} known here",
            ARTICLE,
            "R14",
        )
    return Decision.allow(f"{sender} was sent notice {notice_id}", ARTICLE, "R14")


def acknowledge(remarking: Remarking, holder: str, at: datetime) -> Acknowledgement:
    """The acknowledgement to send back to the originator; `level` is "" once declassified."""
    level = remarking.level.native if remarking.level is not None else ""
    return Acknowledgement(remarking.notice_id, holder, remarking.holding_id, level, at)


def outstanding_acknowledgements(
    notices: Iterable[ClassificationNotice],
    acknowledgements: Iterable[Acknowledgement],
    holders: Mapping[str, Iterable[str]],
) -> tuple[tuple[str, str], ...]:
    """(notice id, nation) for every holder of a noticed item that has not acknowledged.

    `holders` maps an item id to the nations holding it (`CustodyChain.holders()`); the
    originator is never waited for.
    """
    done = {(ack.notice_id, ack.holder) for ack in acknowledgements}
    waiting = {
        (notice.id, nation)
        for notice in notices
        for nation in holders.get(notice.item_id, ())
        if nation != notice.originator and (notice.id, nation) not in done
    }
    return tuple(sorted(waiting))


@dataclass(frozen=True, slots=True)
class DeclassifiedHolding:
    """A holding of an item its originator declassified: no scheme has a level for it any
    more, so it is no `Holding`. `disposed` once it was destroyed or returned."""

    id: str
    item_id: str
    disposed: bool


def may_read_declassified(person: Person, item_id: str, *, disposed: bool) -> Decision:
    """May `person` read a holding its originator declassified (R14)?

    It is no longer classified information: no clearance or need-to-know is asked. It is
    still held at a facility, so only people on that facility's register read it (R16), and a
    destroyed or returned holding stays gone (R31).
    """
    if disposed:
        return deny(
            f"{item_id} was destroyed or returned; nothing remains to read", "Art. 13", "R31"
        )
    if not person.registered:
        return deny(f"{person.id} is not on this facility's register", "Art. 6(e)", "R16")
    return allow(f"{item_id} was declassified by its originator", ARTICLE, "R14")
