"""Security categories as a SPIF defines them: tag sets, their rules, and the access decision.

An Open XML SPIF lists, per security policy, its category tag sets (`securityCategoryTagSet`):
each tag is restrictive, permissive, or informative (`tagType7`), or enumerated with an
`enumType` saying which; each value (`tagCategory`) may name the classifications it must not
appear with (`excludedClass`, as NATO's SPIF excludes most `Releasable To` nations from
TOP SECRET), the categories it must not appear with (`excludedCategory`) and those it needs
(`requiredCategory`, one group per element: `onlyOne`, `oneOrMore` or `all` of its
`categoryGroup`s); a classification may need categories too, and a tag may allow one value only
(`singleSelection`). A label's categories are checked against all of it, and each problem names
the SPIF rule it breaks (ADR 0107, ADR 0104).

The access decision (`may_hold_categories`) is the SPIF's: a reader holds every value of each
restrictive category and at least one value of each permissive one; informative categories
decide nothing (gsomia-spec §4.1; ADR 0104).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gsomia.errors import InputError
from gsomia.treaty.decision import Decision

__all__ = [
    "CategoryRef",
    "Requirement",
    "TagSet",
    "category_problems",
    "class_requirements",
    "may_hold_categories",
    "parse_tag_sets",
]

_SPIF = "{http://www.xmlspif.org/spif}"
#: SPIF tag types (and enumerated types) → the 4774 Category Type.
_KINDS = {"restrictive": "RESTRICTIVE", "permissive": "PERMISSIVE", "tagType7": "INFORMATIVE"}
_OPERATIONS = {"onlyOne": "exactly one", "oneOrMore": "one or more", "all": "all"}

Categories = Iterable[tuple[str, str, Iterable[str]]]


@dataclass(frozen=True, slots=True)
class CategoryRef:
    """A SPIF `categoryGroup` or `excludedCategory`: a value of a tag set by its lacv, or all
    of the tag set's values of that type (`lacv` None)."""

    tag_set: str
    kind: str
    lacv: str | None


@dataclass(frozen=True, slots=True)
class Requirement:
    """A SPIF `requiredCategory`: `operation` (onlyOne, oneOrMore, all) of its groups."""

    operation: str
    groups: tuple[CategoryRef, ...]


@dataclass(frozen=True)
class TagSet:
    """One category tag: its set's name, 4774 type, each value's excluded classifications, and
    the rules of its values (lacv, required and excluded categories)."""

    name: str
    kind: str  # RESTRICTIVE | PERMISSIVE | INFORMATIVE
    values: Mapping[str, frozenset[str]]
    single: bool = False
    lacvs: Mapping[str, str] = field(default_factory=dict)
    required: Mapping[str, tuple[Requirement, ...]] = field(default_factory=dict)
    excluded: Mapping[str, tuple[CategoryRef, ...]] = field(default_factory=dict)


def _kind(tag: Any, where: str) -> str:
    declared = tag.get("tagType", "")
    if declared == "enumerated":
        declared = tag.get("enumType", "")
    if declared not in _KINDS:
        raise InputError(f"{where}: tag type {declared!r} is not one this reader knows")
    return _KINDS[declared]


def _lacv(text: str) -> str:
    """Label and certificate values compare as integers where they are ("036" is 36)."""
    text = text.strip()
    return str(int(text)) if text.isdigit() else text


def _ref(element: Any, where: str) -> CategoryRef:
    lacv = element.get("lacv")
    every = element.get("all", "false") in ("true", "1") or lacv is None
    return CategoryRef(
        element.get("tagSetRef", ""), _kind(element, where), None if every else _lacv(lacv)
    )


def _requirements(element: Any, where: str) -> tuple[Requirement, ...]:
    return tuple(
        Requirement(
            required.get("operation", "oneOrMore"),
            tuple(_ref(group, where) for group in required.iterfind(f"{_SPIF}categoryGroup")),
        )
        for required in element.iterfind(f"{_SPIF}requiredCategory")
    )


def parse_tag_sets(root: Any, policy: str) -> tuple[TagSet, ...]:
    """The tag sets of the SPIF document `root` (an lxml element) of `policy`."""
    found = []
    for tag_set in root.iterfind(f"{_SPIF}securityCategoryTagSets/{_SPIF}securityCategoryTagSet"):
        name = tag_set.get("name", "")
        where = f"{policy} tag set {name!r}"
        for tag in tag_set.iterfind(f"{_SPIF}securityCategoryTag"):
            values = list(tag.iterfind(f"{_SPIF}tagCategory"))
            found.append(
                TagSet(
                    name,
                    _kind(tag, where),
                    {
                        value.get("name", ""): frozenset(
                            (excluded.text or "").strip()
                            for excluded in value.iterfind(f"{_SPIF}excludedClass")
                        )
                        for value in values
                    },
                    single=tag.get("singleSelection", "false") in ("true", "1"),
                    lacvs={v.get("name", ""): _lacv(v.get("lacv", "")) for v in values},
                    required={v.get("name", ""): _requirements(v, where) for v in values},
                    excluded={
                        v.get("name", ""): tuple(
                            _ref(e, where) for e in v.iterfind(f"{_SPIF}excludedCategory")
                        )
                        for v in values
                    },
                )
            )
    return tuple(found)


def class_requirements(root: Any, policy: str) -> Mapping[str, tuple[Requirement, ...]]:
    """The categories each classification of the SPIF `root` requires (`requiredCategory`)."""
    return {
        element.get("name", ""): _requirements(element, f"{policy} {element.get('name')!r}")
        for element in root.iterfind(
            f"{_SPIF}securityClassifications/{_SPIF}securityClassification"
        )
    }


# Checking a label -----------------------------------------------------------------------------


def _matches(
    ref: CategoryRef, tag_sets: Iterable[TagSet], chosen: Mapping[str, set[str]]
) -> set[tuple[str, str]]:
    """The chosen values (as (tag set, value)) that `ref` names."""
    hits: set[tuple[str, str]] = set()
    for tag_set in tag_sets:
        if tag_set.name != ref.tag_set or tag_set.kind != ref.kind:
            continue
        for value in chosen.get(tag_set.name, set()):
            if ref.lacv is None or tag_set.lacvs.get(value) == ref.lacv:
                hits.add((tag_set.name, value))
    return hits


def _named(ref: CategoryRef, tag_sets: Iterable[TagSet]) -> str:
    if ref.lacv is None:
        return f"any {ref.tag_set!r}"
    for tag_set in tag_sets:
        if tag_set.name == ref.tag_set and tag_set.kind == ref.kind:
            for value, lacv in tag_set.lacvs.items():
                if lacv == ref.lacv:
                    return f"{ref.tag_set!r} {value}"
    return f"{ref.tag_set!r} lacv {ref.lacv}"


def _unmet(
    requirement: Requirement, tag_sets: tuple[TagSet, ...], chosen: Mapping[str, set[str]]
) -> str | None:
    """Why `requirement` does not hold for `chosen`, or None when it does."""
    met = [bool(_matches(ref, tag_sets, chosen)) for ref in requirement.groups]
    count = sum(met)
    holds = {
        "onlyOne": count == 1,
        "all": all(met),
    }.get(requirement.operation, count >= 1)
    if holds:
        return None
    names = ", ".join(_named(ref, tag_sets) for ref in requirement.groups)
    return f"{_OPERATIONS.get(requirement.operation, requirement.operation)} of {names}"


def _value_problems(
    sets: tuple[TagSet, ...], classification: str, categories: Categories
) -> tuple[list[str], dict[str, set[str]]]:
    """Problems of each listed category on its own, and the values that pass them."""
    known = {(tag_set.name, tag_set.kind): tag_set for tag_set in sets}
    by_name = {tag_set.name: tag_set for tag_set in sets}
    problems: list[str] = []
    chosen: dict[str, set[str]] = {}
    for name, kind, values in categories:
        listed = list(values)
        tag_set = known.get((name, kind))
        if tag_set is None:
            problems.append(
                f"{name!r} is {by_name[name].kind}, not {kind}"
                if name in by_name
                else f"the policy defines no category {name!r}"
            )
            continue
        if tag_set.single and len(set(listed)) > 1:
            problems.append(f"{name!r} allows one value only (singleSelection)")
        for value in listed:
            if value not in tag_set.values:
                problems.append(f"{name!r} has no value {value!r}")
            elif classification in tag_set.values[value]:
                problems.append(f"{name!r} {value} is excluded at {classification} (excludedClass)")
            else:
                chosen.setdefault(name, set()).add(value)
    return problems, chosen


def _rule_problems(sets: tuple[TagSet, ...], chosen: Mapping[str, set[str]]) -> list[str]:
    """What the chosen values' own excludedCategory and requiredCategory rules refuse."""
    problems = []
    for tag_set in sets:
        for value in sorted(chosen.get(tag_set.name, set()) & set(tag_set.values)):
            for ref in tag_set.excluded.get(value, ()):
                problems += [
                    f"{tag_set.name!r} {value} excludes {other!r} {other_value} (excludedCategory)"
                    for other, other_value in sorted(_matches(ref, sets, chosen))
                ]
            for requirement in tag_set.required.get(value, ()):
                unmet = _unmet(requirement, sets, chosen)
                if unmet:
                    problems.append(f"{tag_set.name!r} {value} requires {unmet} (requiredCategory)")
    return problems


def category_problems(
    tag_sets: Iterable[TagSet],
    classification: str,
    categories: Categories,
    required_by_class: Mapping[str, tuple[Requirement, ...]] | None = None,
) -> list[str]:
    """What is wrong with `categories` ((tag name, 4774 type, values)) at `classification`
    under a policy with `tag_sets` (and `required_by_class`), each naming the SPIF rule it
    breaks; an empty list when the label is valid as the SPIF says."""
    sets = tuple(tag_sets)
    problems, chosen = _value_problems(sets, classification, categories)
    problems += _rule_problems(sets, chosen)
    for requirement in (required_by_class or {}).get(classification, ()):
        unmet = _unmet(requirement, sets, chosen)
        if unmet:
            problems.append(f"{classification} requires {unmet} (requiredCategory)")
    return problems


# The access decision ---------------------------------------------------------------------------

_HOLDS = Decision.allow(
    "holds every restrictive category and a permissive value of each permissive category",
    "Art. 7.1",
    "R19",
)


def may_hold_categories(categories: Categories, held: Iterable[tuple[str, str]]) -> Decision:
    """May a reader holding `held` ((tag set, value)) see a label with `categories`?

    Every value of a restrictive category must be held; of each permissive category, at least
    one; informative categories decide nothing. The refusal names what is missing.
    """
    mine = frozenset(held)
    for name, kind, values in categories:
        listed = sorted(set(values))
        if kind == "RESTRICTIVE":
            missing = [value for value in listed if (name, value) not in mine]
            if missing:
                return Decision.deny(
                    f"need-to-know: the label's restrictive category {name!r} needs "
                    f"{', '.join(missing)}, which the reader does not hold",
                    "Art. 7.1",
                    "R19",
                )
        elif kind == "PERMISSIVE" and not any((name, value) in mine for value in listed):
            return Decision.deny(
                f"need-to-know: the reader holds none of the label's permissive category "
                f"{name!r} ({', '.join(listed)})",
                "Art. 7.1",
                "R19",
            )
    return _HOLDS
