"""The STANAG 4774 confidentiality label as a value (ADatP-4774 Ed. A, App. 1).

A label says under which security policy an item is marked (`policy`), at which
classification in that policy, with which categories, when the label was made and by whom.
It carries strings only: mapping a national marking onto another policy (군사II급비밀 → 極秘 →
SECRET) is the treaty's business; the caller passes the result in.

gsomia's own categories (ADR 0010):

| TagName          | Type        | values                                    |
|------------------|-------------|-------------------------------------------|
| `Releasable To`  | PERMISSIVE  | ISO 3166 alpha-3 nations, `NATO`, `ORGANISATIONS` |
| `Caveats`        | RESTRICTIVE | `ORCON`, `NOFORN`, `IMCON`, `PROPIN`, ... |
| `Purpose`        | RESTRICTIVE | the purposes (communities) of the release |

Any other tag name is carried as the policy defines it. Every value is validated when the
label is built, so a `ConfidentialityLabel` that exists is a well-formed one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum

from gsomia.errors import InputError

__all__ = [
    "CAVEATS",
    "NAMESPACE",
    "TAG_CAVEATS",
    "TAG_PURPOSE",
    "TAG_RELEASABLE_TO",
    "Category",
    "CategoryType",
    "ConfidentialityLabel",
    "InvalidLabel",
    "LabelFormatError",
    "Originator",
    "make_label",
    "national_policy",
]

NAMESPACE = "urn:nato:stanag:4774:confidentialitymetadatalabel:1:0"

TAG_RELEASABLE_TO = "Releasable To"
TAG_CAVEATS = "Caveats"
TAG_PURPOSE = "Purpose"
# The originator's handling terms (informative categories, R15, R18, R29): restrictions the
# Caveats category has no value for (NO REPRODUCTION, PATENT...), a copy limit, a purpose end.
TAG_HANDLING = "Handling"
TAG_COPY_LIMIT = "Copy Limit"
TAG_PURPOSE_ENDS = "Purpose Ends"

#: The caveats gsomia understands, in CAPCO register order (CVEnumISMDissem). Unknown caveats
#: are refused: a control nobody here can enforce must not pass silently.
CAVEATS: tuple[str, ...] = ("FOUO", "ORCON", "IMCON", "NOFORN", "PROPIN", "RELIDO")

MAX_TEXT = 256
MAX_CATEGORIES = 32
MAX_VALUES = 300  # every nation on earth fits in one Releasable To

_NATION = re.compile(r"[A-Z]{3}|NATO")
_OID_URI = re.compile(r"urn:oid:[0-2](\.(0|[1-9][0-9]*))+")
_NCNAME = re.compile(r"[A-Za-z_][A-Za-z0-9._-]*")


class InvalidLabel(InputError):
    """A label's content breaks a rule of ADatP-4774 or of gsomia's label policy."""


class LabelFormatError(InvalidLabel):
    """An encoded label (XML, JSON, banner) is malformed, oversized or unsupported."""


class CategoryType(StrEnum):
    """ADatP-4774 `Category/@Type`: how access control combines the values."""

    PERMISSIVE = "PERMISSIVE"  # the subject must hold at least one value
    RESTRICTIVE = "RESTRICTIVE"  # the subject must hold every value
    INFORMATIVE = "INFORMATIVE"  # not used for access decisions


_RESERVED: dict[str, CategoryType] = {
    TAG_RELEASABLE_TO: CategoryType.PERMISSIVE,
    TAG_CAVEATS: CategoryType.RESTRICTIVE,
    TAG_PURPOSE: CategoryType.RESTRICTIVE,
}


#: Unicode's control (Cc: U+0000-001F, U+007F-009F) and surrogate (Cs) code points, and the two
#: noncharacters XML refuses: one search, where asking `unicodedata.category` of each character
#: was 3 % of publishing an item (issue 14).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def check_text(what: str, value: object, *, max_len: int = MAX_TEXT) -> str:
    """Return `value` if it is a non-empty xs:token-form string fit for XML and JSON.

    Token form (no leading, trailing or doubled spaces; no control characters) makes the
    XML and JSON codecs round-trip exactly and keeps look-alike whitespace out of markings.
    """
    if not isinstance(value, str):
        raise InvalidLabel(f"{what} must be text, not {type(value).__name__}")
    if not value:
        raise InvalidLabel(f"{what} is empty")
    if len(value) > max_len:
        raise InvalidLabel(f"{what} is {len(value)} characters long; the limit is {max_len}")
    if bad := _CONTROL.search(value):
        raise InvalidLabel(f"{what} contains the control character U+{ord(bad.group()):04X}")
    if value != value.strip(" ") or "  " in value:
        raise InvalidLabel(
            f"{what} {value!r} has leading, trailing or repeated spaces",
            hint="write it with single spaces between words",
        )
    return value


#: Releasability values beyond nations: NATO itself and the missions and organisations NATO's
#: SPIF lists in its Releasable To tag set (ADatP-4774 App. 2), and the EU. Whether a label's
#: policy admits one is its SPIF's to say (`gsomia.treaty.categories`, ADR 0104); a name not
#: here is refused as before, so a misspelt nation ("KOREA") never passes for an organisation.
ORGANISATIONS: frozenset[str] = frozenset(
    {
        "NATO", "EU", "EAPC", "ISAF", "IP", "ICI", "KFOR", "MD", "PATG", "PFP",
        "RESOLUTE SUPPORT", "PARP", "NGC", "NUC", "NRC",
    }
)  # fmt: skip


def check_releasable(what: str, value: object) -> str:
    """Return `value` if it is a nation (`check_nation`) or one of `ORGANISATIONS`."""
    if isinstance(value, str) and value in ORGANISATIONS:
        return value
    try:
        return check_nation(what, value)
    except InvalidLabel:
        raise InvalidLabel(
            f"{what} {value!r} is not a nation",
            hint="use an ISO 3166 alpha-3 code in capitals (KOR, JPN, USA), NATO, or an "
            f"organisation a SPIF lists: {', '.join(sorted(ORGANISATIONS))}",
        ) from None


def check_nation(what: str, value: object) -> str:
    """Return `value` if it is an ISO 3166 alpha-3 code in capitals or `NATO`."""
    if not isinstance(value, str) or not _NATION.fullmatch(value):
        raise InvalidLabel(
            f"{what} {value!r} is not a nation",
            hint="use an ISO 3166 alpha-3 code in capitals (KOR, JPN, USA) or NATO",
        )
    return value


def check_time(what: str, value: object) -> datetime:
    """Return `value` converted to UTC; a timezone-naive datetime is refused."""
    if not isinstance(value, datetime):
        raise InvalidLabel(f"{what} must be a datetime, not {type(value).__name__}")
    if value.utcoffset() is None:
        raise InvalidLabel(
            f"{what} {value.isoformat()} has no timezone", hint="pass an aware datetime in UTC"
        )
    return value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Category:
    """One ADatP-4774 `Category`: a tag set name, its type, and its `GenericValue`s.

    Values are a set: they are kept sorted and without duplicates, so equal categories are
    equal values and encode to equal bytes.
    """

    tag_name: str
    type: CategoryType
    values: tuple[str, ...]
    uri: str | None = None

    def __post_init__(self) -> None:
        check_text("category tag name", self.tag_name)
        try:
            kind = CategoryType(self.type)
        except ValueError:
            raise InvalidLabel(
                f"category {self.tag_name!r} has type {self.type!r}",
                hint="use PERMISSIVE, RESTRICTIVE or INFORMATIVE",
            ) from None
        object.__setattr__(self, "type", kind)
        given: object = self.values
        if isinstance(given, str):
            raise InvalidLabel(f"category {self.tag_name!r} values must be a list, not a string")
        values = tuple(sorted(set(self.values)))
        if not values:
            raise InvalidLabel(f"category {self.tag_name!r} has no values")
        if len(values) > MAX_VALUES:
            raise InvalidLabel(
                f"category {self.tag_name!r} has {len(values)} values; the limit is {MAX_VALUES}"
            )
        for value in values:
            check_text(f"value of category {self.tag_name!r}", value)
        object.__setattr__(self, "values", values)
        if self.uri is not None and not _OID_URI.fullmatch(self.uri):
            raise InvalidLabel(
                f"category {self.tag_name!r} URI {self.uri!r} is not urn:oid:…",
                hint="ADatP-4774 Table 8 requires the urn:oid: form",
            )
        self._check_reserved()

    def _check_reserved(self) -> None:
        expected = _RESERVED.get(self.tag_name)
        if expected is None:
            return
        if self.type is not expected:
            raise InvalidLabel(f"category {self.tag_name!r} must be {expected}, not {self.type}")
        if self.tag_name == TAG_RELEASABLE_TO:
            for value in self.values:
                check_releasable("Releasable To value", value)
        elif self.tag_name == TAG_CAVEATS:
            for value in self.values:
                if value not in CAVEATS:
                    raise InvalidLabel(
                        f"caveat {value!r} is not known", hint=f"known: {', '.join(CAVEATS)}"
                    )


@dataclass(frozen=True, slots=True)
class Originator:
    """Who made the label: a nation (alpha-3 or NATO) and optionally an organisation."""

    nation: str
    organisation: str | None = None

    def __post_init__(self) -> None:
        check_nation("originator nation", self.nation)
        if self.organisation is not None:
            check_text("originator organisation", self.organisation)


@dataclass(frozen=True, slots=True)
class ConfidentialityLabel:
    """An ADatP-4774 confidentiality label (`ConfidentialityLabelType`).

    `policy` is the `PolicyIdentifier` text (see `national_policy`); `policy_uri` its optional
    `urn:oid:` URI. `created_at` and `review_at` are timezone-aware and kept in UTC.
    Categories are kept sorted by (type, tag name); one category per tag name.
    """

    policy: str
    classification: str
    originator: Originator
    created_at: datetime
    categories: tuple[Category, ...] = ()
    policy_uri: str | None = None
    privacy_mark: str | None = None
    review_at: datetime | None = None
    label_id: str | None = None
    _by_tag: dict[str, Category] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        check_text("policy identifier", self.policy)
        check_text("classification", self.classification)
        if not isinstance(self.originator, Originator):
            raise InvalidLabel("originator must be an Originator")
        if self.policy_uri is not None and not _OID_URI.fullmatch(self.policy_uri):
            raise InvalidLabel(
                f"policy URI {self.policy_uri!r} is not urn:oid:…",
                hint="ADatP-4774 Table 5 requires the urn:oid: form, e.g. urn:oid:1.3.26.1.3.1",
            )
        if self.privacy_mark is not None:
            check_text("privacy mark", self.privacy_mark)
        if self.label_id is not None and not _NCNAME.fullmatch(self.label_id):
            raise InvalidLabel(f"label id {self.label_id!r} is not an XML NCName")
        object.__setattr__(self, "created_at", check_time("creation time", self.created_at))
        if self.review_at is not None:
            object.__setattr__(self, "review_at", check_time("review time", self.review_at))
        self._set_categories()
        if self.caveats & {"NOFORN"} and self.releasable_to:
            raise InvalidLabel(
                "label has both NOFORN and Releasable To " + ", ".join(sorted(self.releasable_to)),
                hint="NOFORN and REL TO exclude each other; drop one",
            )

    def _set_categories(self) -> None:
        categories = tuple(self.categories)
        if len(categories) > MAX_CATEGORIES:
            raise InvalidLabel(
                f"label has {len(categories)} categories; the limit is {MAX_CATEGORIES}"
            )
        by_tag: dict[str, Category] = {}
        for category in categories:
            if not isinstance(category, Category):
                raise InvalidLabel("categories must be Category values")
            if category.tag_name in by_tag:
                raise InvalidLabel(
                    f"category {category.tag_name!r} appears twice",
                    hint="put all its values in one category",
                )
            by_tag[category.tag_name] = category
        ordered = tuple(sorted(categories, key=lambda c: (c.type.value, c.tag_name)))
        object.__setattr__(self, "categories", ordered)
        object.__setattr__(self, "_by_tag", by_tag)

    def category(self, tag_name: str) -> Category | None:
        """The category with this tag name, if the label has one."""
        return self._by_tag.get(tag_name)

    def _values(self, tag_name: str) -> frozenset[str]:
        category = self._by_tag.get(tag_name)
        return frozenset(category.values) if category else frozenset()

    @property
    def releasable_to(self) -> frozenset[str]:
        """Nations (and NATO) in the `Releasable To` category; empty if there is none."""
        return self._values(TAG_RELEASABLE_TO)

    @property
    def caveats(self) -> frozenset[str]:
        """Caveats (ORCON, NOFORN, …) in the `Caveats` category."""
        return self._values(TAG_CAVEATS)

    @property
    def purposes(self) -> frozenset[str]:
        """Purposes (communities with a need-to-know) in the `Purpose` category."""
        return self._values(TAG_PURPOSE)

    @property
    def policy_categories(self) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
        """The categories the label's policy defines beyond gsomia's own (ADR 0010), as
        (tag name, type, values): the SPIF's, which the access decision asks a reader to hold
        (restrictive and permissive) or shows (informative, ADR 0104)."""
        own = {*_RESERVED, TAG_HANDLING, TAG_COPY_LIMIT, TAG_PURPOSE_ENDS}
        return tuple(
            (c.tag_name, c.type.value, c.values) for c in self.categories if c.tag_name not in own
        )


def national_policy(nation: str, effective: date) -> str:
    """The `PolicyIdentifier` of a national scheme version: `urn:gsomia:policy:KOR:2016-11-23`.

    The date is the effective date of the scheme version (R5), so a label keeps the scheme it
    was marked under. `NATO` keeps its own identifier, `NATO` (ADatP-4774 App. 2).
    """
    check_nation("policy nation", nation)
    return f"urn:gsomia:policy:{nation}:{effective.isoformat()}"


def make_label(
    *,
    policy: str,
    classification: str,
    originator: str | Originator,
    created_at: datetime,
    releasable_to: Iterable[str] = (),
    caveats: Iterable[str] = (),
    purposes: Iterable[str] = (),
    informative: Mapping[str, Iterable[str]] | None = None,
    extra: Iterable[tuple[str, str, Iterable[str]]] = (),
    review_at: datetime | None = None,
    label_id: str | None = None,
    policy_uri: str | None = None,
) -> ConfidentialityLabel:
    """Build a label from gsomia's usual facts; empty category arguments are left out.
    `extra` are categories the policy's SPIF defines, as (tag set, type, values)."""
    categories: list[Category] = []
    for tag, values in (
        (TAG_RELEASABLE_TO, releasable_to),
        (TAG_CAVEATS, caveats),
        (TAG_PURPOSE, purposes),
    ):
        listed = tuple(values)
        if listed:
            categories.append(Category(tag, _RESERVED[tag], listed))
    for tag, values in (informative or {}).items():
        categories.append(Category(tag, CategoryType.INFORMATIVE, tuple(values)))
    for tag, kind, values in extra:  # the policy's own categories, as its SPIF defines them
        categories.append(Category(tag, CategoryType(kind), tuple(values)))
    return ConfidentialityLabel(
        policy=policy,
        classification=classification,
        originator=originator if isinstance(originator, Originator) else Originator(originator),
        created_at=created_at,
        categories=tuple(categories),
        policy_uri=policy_uri,
        review_at=review_at,
        label_id=label_id,
    )
