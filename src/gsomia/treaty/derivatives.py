"""Derivatives: extracts, summaries and compilations made from held items (R8, R14, R31).

A derivative is marked at least at the highest level of its sources in the holder's scheme
(each source already carries its equivalent level there), lists every originator and carries
every caveat. It can be made only by someone who may access every source, and never from a
destroyed one. When a source is re-marked (R14), the derivative's marking is recomputed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from gsomia.errors import InputError
from gsomia.treaty.access import may_access
from gsomia.treaty.decision import Decision
from gsomia.treaty.destruction import purpose_suspension
from gsomia.treaty.items import Holding
from gsomia.treaty.people import Person, require_aware
from gsomia.treaty.schemes import Level

__all__ = [
    "Derivative",
    "DerivativeKind",
    "DerivativeMarking",
    "derivative_marking",
    "make_derivative",
    "may_derive",
    "may_derive_now",
    "remark_derivative",
]

ARTICLE = "Art. 4.3"
deny, allow = Decision.deny, Decision.allow


class DerivativeKind(StrEnum):
    EXTRACT = "extract"
    SUMMARY = "summary"
    COMPILATION = "compilation"


@dataclass(frozen=True, slots=True)
class DerivativeMarking:
    """The least marking a derivative of these sources may carry."""

    level: Level
    originators: frozenset[str]
    caveats: frozenset[str]


def derivative_marking(sources: Sequence[Holding]) -> DerivativeMarking:
    """The highest level among `sources` (all one holder's), every originator and caveat (R8).

    Raises `InputError` for no sources or sources of different holders.
    """
    if not sources:
        raise InputError("a derivative needs at least one source")
    holders = {source.holder for source in sources}
    if len(holders) != 1:
        raise InputError(f"a derivative's sources must be one holder's, not {sorted(holders)}")
    highest = max(sources, key=lambda source: source.rank).level
    return DerivativeMarking(
        highest,
        frozenset(source.item.originator for source in sources),
        frozenset().union(*(source.item.caveats for source in sources)),
    )


def may_derive(person: Person, sources: Sequence[Holding], now: datetime) -> Decision:
    """May `person` make a derivative of `sources` now? Only from sources none of which is
    destroyed and every one of which `person` may access (R8, R19, R31)."""
    if not sources:
        return deny("a derivative needs at least one source", ARTICLE, "R8")
    for source in sources:
        if source.destroyed:
            return deny(f"source {source.id} was destroyed", "Art. 13", "R31")
        access = may_access(person, source, now)
        if not access.allowed:
            return deny(
                f"{person.id} may not use source {source.id}: {access.reason}", ARTICLE, "R8"
            )
    return allow(f"{person.id} may derive from {len(sources)} source(s)", ARTICLE, "R8")


@dataclass(frozen=True, slots=True)
class Derivative:
    """An extract, summary or compilation of held items, with its marking and sources."""

    id: str
    kind: DerivativeKind
    holder: str
    marking: DerivativeMarking
    source_ids: tuple[str, ...]
    item_ids: tuple[str, ...]
    made_by: str
    made_at: datetime

    def __post_init__(self) -> None:
        require_aware(self.made_at, "derivative time")


def may_derive_now(person: Person, sources: Sequence[Holding], now: datetime) -> Decision:
    """`may_derive`, and refused while any source is still held after its item's purpose
    ended (R18): nothing is made from what must be returned or destroyed. Of several such
    sources, the refusal names the last."""
    suspended = [d for d in (purpose_suspension(s, now) for s in sources) if d is not None]
    return suspended[-1] if suspended else may_derive(person, sources, now)


def make_derivative(
    person: Person,
    sources: Sequence[Holding],
    kind: DerivativeKind,
    now: datetime,
    *,
    derivative_id: str,
    level: Level | None = None,
) -> Derivative:
    """The derivative, marked at `level` if given (never below its sources') else at theirs.

    `PolicyDenied` when `may_derive` denies or `level` is below the sources' highest (R8).
    """
    may_derive(person, sources, now).enforce()
    marking = derivative_marking(sources)
    if level is not None:
        if not level.dominates(marking.level):
            deny(
                f"{level} is below {marking.level}, the highest level of the sources",
                ARTICLE,
                "R8",
            ).enforce()
        marking = replace(marking, level=level)
    if kind is not DerivativeKind.COMPILATION and len(sources) != 1:
        raise InputError(f"an {kind.value} is made from one source; a compilation from several")
    return Derivative(
        derivative_id,
        kind,
        sources[0].holder,
        marking,
        tuple(source.id for source in sources),
        tuple(source.item.id for source in sources),
        person.id,
        now,
    )


def remark_derivative(derivative: Derivative, sources: Sequence[Holding]) -> Derivative:
    """`derivative` re-marked from its sources as they now stand (after an R14 notice).

    The marking follows the sources both ways: a downgrade of every source lowers it, an
    upgrade of one raises it. A level its maker chose above the sources' is not kept.
    """
    if tuple(source.id for source in sources) != derivative.source_ids:
        raise InputError(f"{derivative.id} was made from {list(derivative.source_ids)}")
    return replace(derivative, marking=derivative_marking(sources))
