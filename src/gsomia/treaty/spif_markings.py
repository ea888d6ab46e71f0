"""Display markings as an Open XML SPIF prescribes them (SPIF 2.0 and 2.1; ADR 0103).

A SPIF says how a label is shown to people: each classification, category value and the policy
itself may carry `markingData` (a phrase, its language `xml:lang`, and codes saying where it is
shown and how), and each category tag, classification or the whole SPIF `markingQualifier`s (a
prefix, suffix or separator, again per language and location). From them and a label's
classification and categories, `display_marking` builds the line a reader sees, e.g.
"NATO RESTRICTED Releasable to Japan, Switzerland, Ukraine" or "COSMIC TOP SECRET".

The SPIF schema leaves some of the rendering to the displaying application; the choices here
follow the reference implementation partners' tools share (Surevine's spiffing, whose tests are
ADatP-4774's Table 17 cases) and are written out in ADR 0103:

* A location (`pageTop`, `documentStart`, …) is asked for; `pageTopBottom` counts as `pageTop`
  and `pageBottom`; markingData or a markingQualifier naming no location applies everywhere.
* A language tag is asked for (`fr-CA`): entries in `fr-CA`, else in `fr`, else those without
  `xml:lang` are used; a qualifier missing in the language is taken from those without one.
* An element shows the phrase of its first entry that applies, or its own name when none does;
  `noNameDisplay` shows the phrase only (nothing without one); `noMarkingDisplay` entries are for
  input, never shown; `replacePolicy` phrases stand in for the policy's name.
* The policy's name heads the marking unless replaced (by the SPIF, the classification or a
  category value, in that order) or the securityPolicyId's own markingData says `noNameDisplay`
  (the national schemes: a Korean marking is 군사II급비밀, not "KOR 군사II급비밀").
* Category values follow the SPIF's own order (document order), grouped by tag: the tag's prefix,
  its values joined by its separator (`/` when it gives none), its suffix. The parts are joined
  by the SPIF's separator (a space when it gives none), wrapped in its prefix and suffix.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from gsomia.errors import InputError

__all__ = [
    "LOCATIONS",
    "ElementMarks",
    "MarkingData",
    "Qualifier",
    "SpifMarkings",
    "TagMarks",
    "display_marking",
    "parse_markings",
]

_SPIF = "{http://www.xmlspif.org/spif}"
_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

#: The SPIF's marking locations (markingCode values that say where a phrase goes).
LOCATIONS = frozenset(
    {
        "pageTop",
        "pageBottom",
        "documentStart",
        "documentEnd",
        "firstLineOfText",
        "lastLineOfText",
        "subject",
        "xHeader",
        "portionMarking",
        "inputTitle",
        "waterMark",
    }
)
_NOT_SHOWN = frozenset({"noMarkingDisplay", "replacePolicy"})
_WIDENS = {"pageTopBottom": ("pageTop", "pageBottom")}
_Entry = TypeVar("_Entry", "MarkingData", "Qualifier")
_KINDS = {"restrictive": "RESTRICTIVE", "permissive": "PERMISSIVE", "tagType7": "INFORMATIVE"}


class UnknownLocation(InputError):
    """A marking location the SPIF schema does not define."""


@dataclass(frozen=True, slots=True)
class MarkingData:
    """One `markingData`: its phrase (absent: the element's name), language and codes."""

    phrase: str | None
    lang: str
    codes: frozenset[str]

    @property
    def locations(self) -> frozenset[str]:
        widened = (where for code in self.codes for where in _WIDENS.get(code, (code,)))
        return frozenset(widened) & LOCATIONS

    def applies_at(self, where: str) -> bool:
        return not self.locations or where in self.locations


@dataclass(frozen=True, slots=True)
class Qualifier:
    """One `qualifier` of a `markingQualifier`: prefix, suffix or separator text."""

    text: str
    code: str  # prefix | suffix | separator
    lang: str
    locations: frozenset[str]  # empty: everywhere

    def applies_at(self, where: str) -> bool:
        return not self.locations or where in self.locations


@dataclass(frozen=True, slots=True)
class ElementMarks:
    """What a SPIF says about showing one named element (policy, classification, value)."""

    name: str
    data: tuple[MarkingData, ...] = ()
    qualifiers: tuple[Qualifier, ...] = ()


@dataclass(frozen=True, slots=True)
class TagMarks:
    """One securityCategoryTag: its tag set, 4774 type, qualifiers and values in SPIF order."""

    tag_set: str
    kind: str
    qualifiers: tuple[Qualifier, ...]
    values: tuple[ElementMarks, ...]


@dataclass(frozen=True, slots=True)
class SpifMarkings:
    """Everything of one SPIF that the display marking needs."""

    policy: ElementMarks  # securityPolicyId: its name and its own markingData
    spif: ElementMarks  # the SPIF-wide markingData and markingQualifiers
    classifications: Mapping[str, ElementMarks]
    tags: tuple[TagMarks, ...]


# Reading ------------------------------------------------------------------------------------


def _data(element: Any) -> tuple[MarkingData, ...]:
    return tuple(
        MarkingData(
            entry.get("phrase"),
            entry.get(_LANG, ""),
            frozenset((code.text or "").strip() for code in entry.iterfind(f"{_SPIF}code")),
        )
        for entry in element.iterfind(f"{_SPIF}markingData")
    )


def _qualifiers(element: Any) -> tuple[Qualifier, ...]:
    found = []
    for group in element.iterfind(f"{_SPIF}markingQualifier"):
        code = group.get("markingCode")
        where = frozenset(_WIDENS.get(code, (code,))) & LOCATIONS if code else frozenset()
        for qualifier in group.iterfind(f"{_SPIF}qualifier"):
            found.append(
                Qualifier(
                    qualifier.get("markingQualifier", ""),
                    qualifier.get("qualifierCode", ""),
                    qualifier.get(_LANG, ""),
                    where,
                )
            )
    return tuple(found)


def _marks(element: Any) -> ElementMarks:
    return ElementMarks(element.get("name", ""), _data(element), _qualifiers(element))


def _kind(tag: Any) -> str:
    declared = str(tag.get("tagType", ""))
    if declared == "enumerated":
        declared = str(tag.get("enumType", ""))
    return _KINDS.get(declared, declared)


def parse_markings(root: Any) -> SpifMarkings:
    """The display rules of the SPIF document `root` (an lxml element)."""
    policy = root.find(f"{_SPIF}securityPolicyId")
    classes = root.iterfind(f"{_SPIF}securityClassifications/{_SPIF}securityClassification")
    tags = []
    for tag_set in root.iterfind(f"{_SPIF}securityCategoryTagSets/{_SPIF}securityCategoryTagSet"):
        for tag in tag_set.iterfind(f"{_SPIF}securityCategoryTag"):
            values = tuple(_marks(value) for value in tag.iterfind(f"{_SPIF}tagCategory"))
            tags.append(TagMarks(tag_set.get("name", ""), _kind(tag), _qualifiers(tag), values))
    return SpifMarkings(
        policy=_marks(policy) if policy is not None else ElementMarks(""),
        spif=ElementMarks("", _data(root), _qualifiers(root)),
        classifications={marks.name: marks for marks in map(_marks, classes)},
        tags=tuple(tags),
    )


# Choosing by language and location -------------------------------------------------------------


def _languages(lang: str) -> tuple[str, ...]:
    """`fr-CA` → (`fr-ca`, `fr`, ``): the tag, its primary language, then no language."""
    tag = lang.replace("_", "-").casefold()
    primary = tag.split("-", 1)[0]
    return tuple(dict.fromkeys((tag, primary, "")))


def _in_language(entries: Iterable[_Entry], lang: str) -> list[_Entry]:
    """The entries of the best language `lang` allows, in document order."""
    listed = list(entries)
    for candidate in _languages(lang):
        chosen = [entry for entry in listed if entry.lang.casefold() == candidate]
        if chosen:
            return chosen
    return []


def _entry(marks: ElementMarks, lang: str, where: str) -> MarkingData | None:
    """The first markingData that decides how `marks` shows at `where` in `lang`."""
    shown = [
        entry
        for entry in marks.data
        if entry.applies_at(where)
        # Input aliases and policy replacements say nothing about the element's own display,
        # unless they also suppress its name.
        and ("noNameDisplay" in entry.codes or not _NOT_SHOWN & entry.codes)
    ]
    chosen = _in_language(shown, lang)
    return chosen[0] if chosen else None


def _phrase(marks: ElementMarks, lang: str, where: str) -> str:
    """What `marks` shows at `where`: its phrase, its name, or nothing (noNameDisplay)."""
    entry = _entry(marks, lang, where)
    if entry is None:
        return marks.name
    if entry.phrase and not _NOT_SHOWN & entry.codes:
        return entry.phrase
    return "" if "noNameDisplay" in entry.codes else marks.name


def _replacement(marks: ElementMarks, lang: str, where: str) -> str | None:
    """The phrase that `marks` puts in place of the policy's name, if it has one at `where`."""
    entries = [e for e in marks.data if "replacePolicy" in e.codes and e.applies_at(where)]
    chosen = _in_language(entries, lang)
    if not chosen:
        return None
    return chosen[0].phrase or marks.name


def _qualifier(marks: ElementMarks | TagMarks, code: str, lang: str, where: str) -> str | None:
    found = _in_language(
        (q for q in marks.qualifiers if q.code == code and q.applies_at(where)), lang
    )
    if found:
        return found[0].text
    # A qualifier the language does not give is taken from those without a language.
    fallback = [
        q for q in marks.qualifiers if q.code == code and q.applies_at(where) and not q.lang
    ]
    return fallback[0].text if fallback else None


def _wrapped(text: str, marks: ElementMarks | TagMarks, lang: str, where: str) -> str:
    prefix = _qualifier(marks, "prefix", lang, where) or ""
    suffix = _qualifier(marks, "suffix", lang, where) or ""
    return f"{prefix}{text}{suffix}"


# Building the marking ------------------------------------------------------------------------


def _selected(
    spif: SpifMarkings, categories: Iterable[tuple[str, str, Iterable[str]]]
) -> list[tuple[TagMarks, ElementMarks]]:
    """The label's category values as the SPIF orders them; InputError for one it lacks."""
    wanted: dict[tuple[str, str], set[str]] = {}
    for tag_set, kind, values in categories:
        wanted.setdefault((tag_set, kind), set()).update(values)
    chosen = []
    for tag in spif.tags:
        picked = wanted.pop((tag.tag_set, tag.kind), set())
        for value in tag.values:
            if value.name in picked:
                chosen.append((tag, value))
                picked.discard(value.name)
        if picked:
            raise InputError(
                f"the {spif.policy.name} SPIF's {tag.tag_set!r} has no value "
                + ", ".join(sorted(picked)),
                hint="check the label against the SPIF (gsomia scheme show)",
            )
    if wanted:
        (tag_set, kind), _ = next(iter(wanted.items()))
        raise InputError(
            f"the {spif.policy.name} SPIF defines no {kind} category {tag_set!r}",
            hint="check the label against the SPIF (gsomia scheme show)",
        )
    return chosen


def _policy_phrase(
    spif: SpifMarkings,
    cls: ElementMarks,
    selected: list[tuple[TagMarks, ElementMarks]],
    lang: str,
    where: str,
) -> str:
    for marks in (spif.spif, cls, *(value for _, value in selected)):
        replaced = _replacement(marks, lang, where)
        if replaced is not None:
            return replaced
    return _phrase(spif.policy, lang, where)


def _suppresses_class(value: ElementMarks, lang: str, where: str) -> bool:
    entries = [e for e in value.data if e.applies_at(where) and "suppressClassName" in e.codes]
    return bool(_in_language(entries, lang))


def _category_parts(
    selected: list[tuple[TagMarks, ElementMarks]], lang: str, where: str
) -> list[str]:
    parts: list[str] = []
    tags: dict[int, tuple[TagMarks, list[str]]] = {}
    for tag, value in selected:
        phrase = _phrase(value, lang, where)
        if phrase:
            tags.setdefault(id(tag), (tag, []))[1].append(phrase)
    for tag, phrases in tags.values():
        separator = _qualifier(tag, "separator", lang, where)
        joined = (separator if separator is not None else "/").join(phrases)
        parts.append(_wrapped(joined, tag, lang, where))
    return parts


def display_marking(
    spif: SpifMarkings,
    classification: str,
    categories: Iterable[tuple[str, str, Iterable[str]]] = (),
    *,
    lang: str = "en",
    where: str = "pageTop",
) -> str:
    """The marking of a label (`classification`; `categories` as (tag set, 4774 type, values))
    that `spif` prescribes at location `where` in language `lang`."""
    if where not in LOCATIONS:
        raise UnknownLocation(
            f"{where!r} is not a SPIF marking location", hint=f"use one of {sorted(LOCATIONS)}"
        )
    cls = spif.classifications.get(classification)
    if cls is None:
        raise InputError(
            f"the {spif.policy.name} SPIF defines no classification {classification!r}",
            hint=f"its classifications: {', '.join(spif.classifications)}",
        )
    selected = _selected(spif, categories)
    parts = [_policy_phrase(spif, cls, selected, lang, where)]
    if not any(_suppresses_class(value, lang, where) for _, value in selected):
        parts.append(_wrapped(_phrase(cls, lang, where), cls, lang, where))
    parts += _category_parts(selected, lang, where)
    separator = _qualifier(spif.spif, "separator", lang, where)
    line = (separator if separator is not None else " ").join(part for part in parts if part)
    return _wrapped(line, spif.spif, lang, where)
