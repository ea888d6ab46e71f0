"""Security categories as a SPIF defines them: tag sets, their kind, and their checks.

An Open XML SPIF lists, per security policy, its category tag sets (`securityCategoryTagSet`):
each tag is restrictive, permissive, or informative (`tagType7`), or enumerated with an
`enumType` saying which; each value (`tagCategory`) may name the classifications it must not
appear with (`excludedClass`, as NATO's SPIF excludes most `Releasable To` nations from
TOP SECRET). A label's categories are checked against them: a tag set the policy does not
define, a type other than the SPIF's, a value it does not list, or a value excluded at the
label's classification is refused with what is wrong (ADR 0107).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from gsomia.errors import InputError

__all__ = ["TagSet", "category_problems", "parse_tag_sets"]

_SPIF = "{http://www.xmlspif.org/spif}"
#: SPIF tag types (and enumerated types) → the 4774 Category Type.
_KINDS = {"restrictive": "RESTRICTIVE", "permissive": "PERMISSIVE", "tagType7": "INFORMATIVE"}


@dataclass(frozen=True)
class TagSet:
    """One category tag set: its name, 4774 type, and each value's excluded classifications."""

    name: str
    kind: str  # RESTRICTIVE | PERMISSIVE | INFORMATIVE
    values: Mapping[str, frozenset[str]]


def _kind(tag: Any, where: str) -> str:
    declared = tag.get("tagType", "")
    if declared == "enumerated":
        declared = tag.get("enumType", "")
    if declared not in _KINDS:
        raise InputError(f"{where}: tag type {declared!r} is not one this reader knows")
    return _KINDS[declared]


def parse_tag_sets(root: Any, policy: str) -> tuple[TagSet, ...]:
    """The tag sets of the SPIF document `root` (an lxml element) of `policy`."""
    found = []
    for tag_set in root.iterfind(f"{_SPIF}securityCategoryTagSets/{_SPIF}securityCategoryTagSet"):
        name = tag_set.get("name", "")
        for tag in tag_set.iterfind(f"{_SPIF}securityCategoryTag"):
            values = {
                value.get("name", ""): frozenset(
                    (excluded.text or "").strip()
                    for excluded in value.iterfind(f"{_SPIF}excludedClass")
                )
                for value in tag.iterfind(f"{_SPIF}tagCategory")
            }
            found.append(TagSet(name, _kind(tag, f"{policy} tag set {name!r}"), values))
    return tuple(found)


def category_problems(
    tag_sets: Iterable[TagSet],
    classification: str,
    categories: Iterable[tuple[str, str, Iterable[str]]],
) -> list[str]:
    """What is wrong with `categories` ((tag name, 4774 type, values)) at `classification`
    under a policy with `tag_sets`; an empty list when the label is valid as the SPIF says."""
    known = {tag_set.name: tag_set for tag_set in tag_sets}
    problems = []
    for name, kind, values in categories:
        tag_set = known.get(name)
        if tag_set is None:
            problems.append(f"the policy defines no category {name!r}")
            continue
        if kind != tag_set.kind:
            problems.append(f"{name!r} is {tag_set.kind}, not {kind}")
        for value in values:
            if value not in tag_set.values:
                problems.append(f"{name!r} has no value {value!r}")
            elif classification in tag_set.values[value]:
                problems.append(f"{name!r} {value} is excluded at {classification}")
    return problems
