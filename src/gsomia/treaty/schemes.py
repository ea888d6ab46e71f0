"""National classification schemes: ordered levels, versioned by effective date (R4, R5, R48).

Each scheme version is one Open XML SPIF 2.1 file under `treaty/data/schemes/` (see ADR 0002):
`securityPolicyId/@name` is the nation, each `securityClassification` a level whose `@name` is
the native marking, `@hierarchy` its rank (ordering within the scheme only), `markingData`
phrases its English name (`xml:lang="en"`) and input-only aliases (`noMarkingDisplay`), and the
SPIF's `notBefore`/`notAfter` its validity. Equivalence between schemes is not here: it belongs
to each agreement (Art. 4; R3).
"""

from __future__ import annotations

import difflib
import functools
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from importlib import resources

from lxml import etree

from gsomia.errors import InputError, NotFound
from gsomia.treaty.categories import (
    Requirement,
    TagSet,
    category_problems,
    class_requirements,
    parse_tag_sets,
)
from gsomia.treaty.spif_markings import (
    ElementMarks,
    MarkingData,
    SpifMarkings,
    display_marking,
    parse_markings,
)

__all__ = [
    "Level",
    "Scheme",
    "SchemeRegistry",
    "UnknownMarking",
    "load_schemes",
    "marking_key",
    "parse_spif",
]

SPIF_NS = "http://www.xmlspif.org/spif"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_NS = {"spif": SPIF_NS}
_STRIP = str.maketrans("", "", " \t\n\r\u3000-_.·")


def marking_key(text: str) -> str:
    """The form markings are compared in: NFKC (`Ⅱ` → `II`), case-folded, spacing removed."""
    return unicodedata.normalize("NFKC", text).casefold().translate(_STRIP)


class UnknownMarking(InputError):
    """A marking that is not a level of the scheme it was read in."""

    def __init__(self, text: str, scheme: Scheme, closest: tuple[str, ...]) -> None:
        hint = (
            f"closest known markings: {', '.join(closest)}"
            if closest
            else f"known markings: {', '.join(level.native for level in scheme.levels)}"
        )
        super().__init__(f"{text!r} is not a marking of the {scheme.label} scheme", hint=hint)
        self.text = text
        self.scheme_label = scheme.label
        self.closest = closest


class AmbiguousMarking(InputError):
    """An English name that names one level but reads as another of the same rank: in KOR's
    scheme `SECRET` is the civil II급비밀, and an officer typing it most likely meant the
    military 군사II급비밀 (`MILITARY SECRET`). Refused, naming both (issue 16)."""

    def __init__(self, text: str, scheme: Scheme, choices: tuple[Level, ...]) -> None:
        named = ", ".join(f"{lv.native} ({lv.english})" for lv in choices)
        super().__init__(
            f"{text!r} could be any of {len(choices)} levels of the {scheme.label} scheme",
            hint=f"type the marking itself: {named}",
        )
        self.choices = choices


class SchemeFileError(InputError):
    """A scheme data file does not have the shape this loader reads."""


@dataclass(frozen=True, slots=True)
class Level:
    """One classification level of one nation's scheme.

    Levels compare by nation, native marking and rank; the scheme version a level was read in is
    kept for display but two versions' `極秘` are the same level.
    """

    nation: str
    native: str
    rank: int
    english: str = field(compare=False)
    aliases: tuple[str, ...] = field(default=(), compare=False)
    lacv: int = field(default=0, compare=False)

    def __str__(self) -> str:
        return self.native

    def dominates(self, other: Level) -> bool:
        """True if this level is at or above `other` in the same nation's scheme."""
        return self.nation == other.nation and self.rank >= other.rank


@dataclass(frozen=True, slots=True)
class Scheme:
    """A nation's ordered classification levels, valid from `effective` until `until`."""

    nation: str
    version: int
    effective: date | None
    until: date | None
    title: str
    levels: tuple[Level, ...]
    _index: Mapping[str, Level] = field(repr=False, compare=False)
    #: The security category tag sets the SPIF defines, with their checks (`categories`).
    tag_sets: tuple[TagSet, ...] = field(default=(), compare=False)
    #: The categories each classification requires (the SPIF's requiredCategory).
    class_rules: Mapping[str, tuple[Requirement, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )
    #: How the SPIF says a label under this scheme is shown (`spif_markings`, ADR 0103).
    markings: SpifMarkings | None = field(default=None, compare=False, repr=False)

    @property
    def label(self) -> str:
        since = f" since {self.effective.isoformat()}" if self.effective else ""
        return f"{self.nation} v{self.version}{since}"

    def valid_on(self, day: date) -> bool:
        return (self.effective is None or self.effective <= day) and (
            self.until is None or day <= self.until
        )

    def parse(self, text: str) -> Level:
        """The level `text` names: its native marking, English name or an abbreviation."""
        key = marking_key(text)
        level = self._index.get(key)
        if level is not None:
            self._check_unambiguous(text, level)
            return level
        names = {marking_key(name): name for lv in self.levels for name in _names(lv)}
        closest = tuple(
            dict.fromkeys(
                names[k] for k in difflib.get_close_matches(key, list(names), n=3, cutoff=0.5)
            )
        )
        raise UnknownMarking(text, self, closest)

    def display(
        self,
        classification: str,
        categories: Iterable[tuple[str, str, Iterable[str]]] = (),
        *,
        lang: str = "en",
        where: str = "pageTop",
    ) -> str:
        """The marking this scheme's SPIF prescribes for a label (`spif_markings`, ADR 0103)."""
        if self.markings is None:
            return classification
        return display_marking(self.markings, classification, categories, lang=lang, where=where)

    def category_problems(
        self, classification: str, categories: Iterable[tuple[str, str, Iterable[str]]]
    ) -> list[str]:
        """What breaks this scheme's SPIF in a label's categories, each naming its rule."""
        return category_problems(self.tag_sets, classification, categories, self.class_rules)

    def __contains__(self, level: object) -> bool:
        return level in self.levels

    def _check_unambiguous(self, text: str, level: Level) -> None:
        """AmbiguousMarking if `text`, an English name, is also the end of the English name
        of another level of the same rank; a native marking or an alias is never ambiguous."""
        words = " ".join(text.upper().split())
        if words != " ".join(level.english.upper().split()):
            return
        others = tuple(
            other
            for other in self.levels
            if other != level
            and other.rank == level.rank
            and " ".join(other.english.upper().split()).endswith(" " + words)
        )
        if others:
            raise AmbiguousMarking(text, self, (level, *others))


def _names(level: Level) -> tuple[str, ...]:
    return (level.native, level.english, *level.aliases)


def _index(levels: Iterable[Level], nation: str) -> dict[str, Level]:
    index: dict[str, Level] = {}
    for level in levels:
        for name in _names(level):
            key = marking_key(name)
            if index.get(key, level) != level:
                raise SchemeFileError(
                    f"marking {name!r} names two levels of the {nation} scheme",
                    hint="give each level distinct English names and abbreviations",
                )
            index[key] = level
    return index


def _hardened_parser() -> etree.XMLParser:
    # No entity expansion, no network, no huge trees: scheme files are data, never programs.
    return etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True
    )


def _day(value: str | None) -> date | None:
    return None if value is None else datetime.fromisoformat(value).date()


def _level(element: etree._Element, nation: str, *, prefixed: bool) -> Level:
    """One securityClassification: its name, English marking, aliases and rank."""
    native = element.get("name", "")
    english = native
    aliases: list[str] = []
    head = nation
    for marking in element.iterfind("spif:markingData", _NS):
        phrase = marking.get("phrase")
        codes = {code.text for code in marking.iterfind("spif:code", _NS)}
        if not phrase or phrase == native:
            continue
        if "replacePolicy" in codes:  # the policy's name gives way to this phrase
            head = phrase
        elif marking.get(XML_LANG) == "en" and "noMarkingDisplay" not in codes:
            english = phrase
        else:
            aliases.append(phrase)
    if prefixed:  # the display marking, and what a reader types: "COSMIC TOP SECRET"
        english = f"{head} {native}"
        aliases.append(english)
    try:
        rank, lacv = int(element.get("hierarchy", "")), int(element.get("lacv", ""))
    except ValueError:
        raise SchemeFileError(f"level {native!r} of {nation} lacks an integer rank") from None
    native = unicodedata.normalize("NFKC", native)
    return Level(nation, native, rank, english, tuple(aliases), lacv)


def parse_spif(data: bytes) -> Scheme:
    """Read one scheme version from an Open XML SPIF 2.1 document."""
    try:
        root = etree.fromstring(data, _hardened_parser())
    except etree.XMLSyntaxError as error:
        raise SchemeFileError(f"scheme file is not well-formed XML: {error}") from None
    if root.getroottree().docinfo.internalDTD is not None:
        # libxml2 expands internal entities in attribute values even with resolve_entities=False.
        raise SchemeFileError("scheme file carries a DOCTYPE; SPIF files must not declare one")
    # SPIF 2.0 and 2.1 share the namespace and everything read here (2.1 added tagType7).
    if root.tag != f"{{{SPIF_NS}}}SPIF" or root.get("schemaVersion") not in {"2.0", "2.1"}:
        raise SchemeFileError("scheme file is not an Open XML SPIF 2.0 or 2.1 document")
    policy = root.find("spif:securityPolicyId", _NS)
    nation = policy.get("name") if policy is not None else None
    if not nation:
        raise SchemeFileError("SPIF has no securityPolicyId/@name naming the nation")
    extension = root.find("spif:extensions/{urn:gsomia:spif:1}scheme", _NS)
    # Whether the policy's name heads each marking ("NATO SECRET"): SPIF 2.1 leaves it to the
    # displaying application; gsomia's extension says it for the schemes that do (ADR 0107).
    prefixed = extension is not None and extension.get("policyMarking") == "prefix"
    levels = [
        _level(element, nation, prefixed=prefixed)
        for element in root.iterfind(
            "spif:securityClassifications/spif:securityClassification", _NS
        )
    ]
    if not levels:
        raise SchemeFileError(f"the {nation} SPIF defines no securityClassification")
    levels.sort(key=lambda lv: (-lv.rank, lv.lacv))
    markings = parse_markings(root)
    if extension is not None and not prefixed:
        # gsomia's national SPIFs: the policy (the nation's code) is not part of the marking a
        # reader sees, as the securityPolicyId's own noNameDisplay would say (ADR 0103).
        hidden = MarkingData(None, "", frozenset({"noNameDisplay"}))
        markings = replace(markings, policy=ElementMarks(markings.policy.name, (hidden,)))
    return Scheme(
        nation=nation,
        version=int(root.get("version", "1")),
        effective=_day(root.get("notBefore")),
        until=_day(root.get("notAfter")),
        title=extension.get("title", nation) if extension is not None else nation,
        levels=tuple(levels),
        _index=_index(levels, nation),
        tag_sets=parse_tag_sets(root, nation),
        class_rules=class_requirements(root, nation),
        markings=markings,
    )


@dataclass(frozen=True)
class SchemeRegistry:
    """Every known scheme version, by nation."""

    by_nation: Mapping[str, tuple[Scheme, ...]]

    def nations(self) -> tuple[str, ...]:
        return tuple(sorted(self.by_nation))

    def versions(self, nation: str) -> tuple[Scheme, ...]:
        """The versions of `nation`'s scheme, oldest first."""
        try:
            return self.by_nation[nation]
        except KeyError:
            raise NotFound(
                f"no classification scheme for {nation!r}",
                hint=f"known nations: {', '.join(self.nations())}",
            ) from None

    def scheme(self, nation: str, at: date | None = None) -> Scheme:
        """`nation`'s scheme in force on `at` (the newest version when `at` is None)."""
        versions = self.versions(nation)
        if at is None:
            return versions[-1]
        for scheme in versions:
            if scheme.valid_on(at):
                return scheme
        raise NotFound(
            f"no {nation} classification scheme was in force on {at.isoformat()}",
            hint=f"{nation} versions: {', '.join(s.label for s in versions)}",
        )

    def parse(self, nation: str, text: str, at: date | None = None) -> Level:
        """Parse `text` as a marking of `nation`'s scheme in force on `at`."""
        return self.scheme(nation, at).parse(text)


def registry_from(schemes: Iterable[Scheme]) -> SchemeRegistry:
    grouped: dict[str, list[Scheme]] = {}
    for scheme in schemes:
        grouped.setdefault(scheme.nation, []).append(scheme)
    return SchemeRegistry(
        {
            nation: tuple(sorted(found, key=lambda s: (s.effective or date.min, s.version)))
            for nation, found in grouped.items()
        }
    )


@functools.cache
def load_schemes() -> SchemeRegistry:
    """The schemes shipped with gsomia (read once per process)."""
    folder = resources.files("gsomia.treaty").joinpath("data", "schemes")
    return registry_from(
        parse_spif(entry.read_bytes())
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".xml")
    )
