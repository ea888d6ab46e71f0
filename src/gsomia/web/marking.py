"""How a classification looks on screen: the colour tier of a level, and a banner's parts.

The colour follows the level's English equivalent, so 군사II급비밀, 極秘 and SECRET share one
colour however each scheme ranks them; a level this node cannot place gets the `unknown`
style (grey, labelled), never a lower tier's colour. The colours themselves live in
`static/gsomia.css` (`.tier-*`), each pair checked for WCAG AA contrast by the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from gsomia.errors import Error
from gsomia.treaty.schemes import SchemeRegistry

#: Tier names, highest first; CSS classes are `tier-<name>`.
TIERS = ("top-secret", "secret", "confidential", "restricted", "unknown")


def tier_of(english: str | None) -> str:
    """The colour tier of a level from its English name (`MILITARY SECRET` → `secret`)."""
    if not english:
        return "unknown"
    words = english.upper()
    if "TOP SECRET" in words:
        return "top-secret"
    if "SECRET" in words:
        return "secret"
    if "CONFIDENTIAL" in words:
        return "confidential"
    if "RESTRICTED" in words or "OUTSIDE DISCLOSURE" in words or "OFFICIAL" in words:
        return "restricted"
    return "unknown"


@dataclass(frozen=True)
class Marking:
    """One nation's marking of a thing, with its English name and colour tier."""

    nation: str
    native: str
    english: str
    tier: str


def marking(schemes: SchemeRegistry, nation: str, native: str, at: date | None = None) -> Marking:
    """The marking `native` of `nation`, placed in its scheme; `unknown` tier if unplaceable."""
    try:
        level = schemes.parse(nation, native, at)
    except Error:
        return Marking(nation, native, "", "unknown")
    return Marking(nation, level.native, level.english, tier_of(level.english))
