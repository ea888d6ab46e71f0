"""TAXII 2.1's `match[...]` filters (OASIS TAXII 2.1, section 3.6) over STIX objects: pure.

`match[id]`, `match[type]`, `match[version]` and `match[spec_version]` each take a
comma-separated list; an object passes a filter if it is any one of the values, and passes
the request if it passes every filter given. A node keeps one version of each object (its
`modified`, else its `created`), so `first`, `last` and `all` each name that one version and a
timestamp names it only if it is that moment. Without `match[spec_version]` TAXII serves the
latest specification version of each object, and every object here is STIX 2.1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gsomia.errors import InputError

__all__ = ["FIELDS", "Match", "match_of", "version_of"]

#: The filters TAXII 2.1 defines, and where it allows each.
FIELDS = ("id", "type", "version", "spec_version")
_KEYWORDS = frozenset({"first", "last", "all"})
#: Values one filter may list: a tool asking for more pages instead (bounded work a request).
MAX_VALUES = 100


@dataclass(frozen=True)
class Match:
    """What a request's filters admit; an empty set admits anything."""

    ids: frozenset[str] = frozenset()
    types: frozenset[str] = frozenset()
    versions: frozenset[datetime] = frozenset()  # timestamps named; keywords admit any
    spec_versions: frozenset[str] = frozenset()

    @property
    def filters(self) -> bool:
        """Whether anything is filtered (an object must be looked at)."""
        return bool(self.ids or self.types or self.versions or self.spec_versions)

    def admits(self, obj: Mapping[str, Any]) -> bool:
        if self.ids and obj.get("id") not in self.ids:
            return False
        if self.types and obj.get("type") not in self.types:
            return False
        if self.spec_versions and obj.get("spec_version", "2.0") not in self.spec_versions:
            return False
        return not self.versions or _moment(version_of(obj)) in self.versions


def version_of(obj: Mapping[str, Any]) -> str:
    """The object's version as TAXII names it: `modified`, else `created` (section 3.1.2)."""
    return str(obj.get("modified") or obj.get("created") or "")


def _moment(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _values(field: str, text: str) -> list[str]:
    values = [v.strip() for v in text.split(",")]
    if not all(values):
        raise InputError(f"match[{field}] has an empty value", hint="separate values by commas")
    if len(values) > MAX_VALUES:
        raise InputError(f"match[{field}] lists more than {MAX_VALUES} values")
    return values


def _version(text: str) -> datetime | None:
    """A `match[version]` value: None for a keyword, else the moment it names."""
    if text in _KEYWORDS:
        return None
    moment = _moment(text)
    if moment is None or moment.tzinfo is None:
        raise InputError(
            f"match[version] {text!r} is neither first, last, all nor a STIX timestamp",
            hint="e.g. 2026-12-01T00:00:00.000Z",
        )
    return moment


def match_of(params: Mapping[str, str], allowed: tuple[str, ...] = FIELDS) -> Match:
    """The filters in a request's parameters (`match[FIELD]`: a comma-separated list);
    InputError for a filter TAXII does not allow on this endpoint or a malformed value."""
    given: dict[str, list[str]] = {}
    for key, text in params.items():
        if not key.startswith("match["):
            continue
        field = key.removeprefix("match[").removesuffix("]")
        if field not in allowed or key != f"match[{field}]":
            raise InputError(
                f"{key} is not a filter of this endpoint",
                hint=f"it takes {', '.join(f'match[{f}]' for f in allowed)}",
            )
        given[field] = _values(field, text)
    versions = [_version(v) for v in given.get("version", [])]
    return Match(
        ids=frozenset(given.get("id", [])),
        types=frozenset(given.get("type", [])),
        # A keyword among the values admits every version: this node keeps one per object.
        versions=frozenset() if None in versions else frozenset(v for v in versions if v),
        spec_versions=frozenset(given.get("spec_version", [])),
    )
