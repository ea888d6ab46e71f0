"""A received item's labels: the originator's, unchanged, and alternatives in other policies.

ADatP-4774.1 §4.2: the originator confidentiality label is never overwritten; an equivalent
label under another policy is added as an `alternativeConfidentialityLabel`, and a consumer
uses the originator label if its own policy matches, else the matching alternative (R7, R9).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gsomia.errors import Conflict, NotFound
from gsomia.labels.model import (
    Category,
    CategoryType,
    ConfidentialityLabel,
    InvalidLabel,
    Originator,
)

__all__ = ["MAX_ALTERNATIVES", "TAG_ORIGINATING_GOVERNMENT", "LabelSet", "make_alternative"]

#: Informative category an alternative label uses to name the originating government (R7).
TAG_ORIGINATING_GOVERNMENT = "Originating Government"

MAX_ALTERNATIVES = 16


@dataclass(frozen=True, slots=True)
class LabelSet:
    """The originator label plus at most one alternative label per other policy."""

    original: ConfidentialityLabel
    alternatives: tuple[ConfidentialityLabel, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.original, ConfidentialityLabel):
            raise InvalidLabel("the original label must be a ConfidentialityLabel")
        alternatives = tuple(self.alternatives)
        if len(alternatives) > MAX_ALTERNATIVES:
            raise InvalidLabel(
                f"{len(alternatives)} alternative labels; the limit is {MAX_ALTERNATIVES}"
            )
        seen = {self.original.policy}
        for alternative in alternatives:
            if not isinstance(alternative, ConfidentialityLabel):
                raise InvalidLabel("alternative labels must be ConfidentialityLabel values")
            if alternative.policy in seen:
                raise InvalidLabel(
                    f"two labels under policy {alternative.policy!r}",
                    hint="keep one label per policy; the original is never replaced",
                )
            seen.add(alternative.policy)
        # Sorted by policy so that equal sets are equal values and encode to equal bytes.
        object.__setattr__(self, "alternatives", tuple(sorted(alternatives, key=_policy)))

    @property
    def policies(self) -> tuple[str, ...]:
        """Every policy this set has a label under, the original's first."""
        return (self.original.policy, *(a.policy for a in self.alternatives))

    def for_policy(self, policy: str) -> ConfidentialityLabel:
        """The label a consumer under `policy` uses: the original if it matches, else the
        alternative under `policy`; `NotFound` if there is none (fail closed)."""
        if self.original.policy == policy:
            return self.original
        for alternative in self.alternatives:
            if alternative.policy == policy:
                return alternative
        raise NotFound(
            f"no label under policy {policy!r}; this item is labelled under "
            + ", ".join(self.policies),
            hint="add an alternative label translated under the agreement's equivalence table",
        )

    def with_alternative(self, label: ConfidentialityLabel) -> LabelSet:
        """A new set with `label` added as an alternative; the original stays untouched.

        Adding a second label under a policy already present is a `Conflict`.
        """
        if label.policy in self.policies:
            raise Conflict(
                f"item already has a label under policy {label.policy!r}",
                hint="the originator label is never modified; re-marking makes a new alternative",
            )
        return LabelSet(self.original, (*self.alternatives, label))


def make_alternative(
    original: ConfidentialityLabel,
    *,
    policy: str,
    classification: str,
    originator: str | Originator,
    created_at: datetime,
    review_at: datetime | None = None,
) -> ConfidentialityLabel:
    """The receiver's alternative label for `original` (R7): the receiver's policy and its
    equivalent `classification` (resolved by the caller under the agreement), the original's
    categories unchanged, and an informative `Originating Government` naming the originator's
    nation. `originator` is who makes this label, normally the receiving nation."""
    kept = tuple(c for c in original.categories if c.tag_name != TAG_ORIGINATING_GOVERNMENT)
    government = Category(
        TAG_ORIGINATING_GOVERNMENT, CategoryType.INFORMATIVE, (original.originator.nation,)
    )
    return ConfidentialityLabel(
        policy=policy,
        classification=classification,
        originator=originator if isinstance(originator, Originator) else Originator(originator),
        created_at=created_at,
        categories=(*kept, government),
        review_at=review_at if review_at is not None else original.review_at,
    )


def _policy(label: ConfidentialityLabel) -> str:
    return label.policy
