"""A partner tool's STIX object taken in as this nation's draft item, its id kept.

A national analyst's tool (OpenCTI, MISP) posts or is pulled for STIX objects; each becomes
a draft that an officer releases (R50), with the object itself as its content
(`STIX_MEDIA_TYPE`), so the item is served back as the same object, same id. Its
classification is this nation's marking, from gsomia's extension (`classification`) or, if
the object has none, the one the person taking it in names; none at all is refused.

An object that carries another nation's label in gsomia's extension is a partner's item:
taking it in as this nation's own would strip the originator's control of it (Art. 7.1(b)),
so it is refused. Pure: a reason for each refusal, nothing raised.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from gsomia.labels import canonical_json
from gsomia.stix.objects import (
    EXTENSION_ID,
    PROJECT_IDENTITY,
    identity_id,
    labels_of,
    ref_uuid,
    without_gsomias_extension,
    without_gsomias_markings,
)

__all__ = ["MAX_OBJECT_BYTES", "Intake", "Refused", "take_in"]

#: The largest single object taken in, as canonical JSON.
MAX_OBJECT_BYTES = 1 << 20
_ID = re.compile(r"^([a-z0-9][a-z0-9-]{1,248}[a-z0-9])--([0-9a-fA-F-]{36})$")
_MAX_TITLE = 500


@dataclass(frozen=True)
class Intake:
    """What a draft is made of: the object's UUID (the item keeps it), its title, the
    classification it is marked at, and the object itself as content."""

    stix_id: str
    item_uuid: str
    title: str
    level: str
    content: bytes


@dataclass(frozen=True)
class Refused:
    stix_id: str
    reason: str


def _originator(label: Mapping[str, Any]) -> str:
    value = str((label.get("OriginatorID") or {}).get("Value", ""))
    return value.rsplit(":", 1)[-1]


def _identified(obj: object, nations: Iterable[str]) -> tuple[str, str] | Refused:
    """The object's STIX id and the UUID it ends in, or why it has none."""
    if not isinstance(obj, dict):
        return Refused("", "an object is a JSON object")
    raw = obj.get("id")
    stix_id = raw if isinstance(raw, str) else ""
    match = _ID.match(stix_id)
    if match is None or obj.get("type") != match.group(1):
        return Refused(stix_id, "the object has no valid STIX id matching its type")
    if match.group(1) in ("bundle", "marking-definition", "extension-definition"):
        return Refused(stix_id, f"a {match.group(1)} is not an item")
    try:
        item_uuid = str(uuid.UUID(match.group(2)))
    except ValueError:
        return Refused(stix_id, "the object's id does not end in a UUID")
    if match.group(1) == "identity" and f"identity--{item_uuid}" in _identities(obj, nations):
        # gsomia's own, as a collection hands it before the objects referring to it (ADR
        # 0144): a tool posting back what it paged would otherwise make a nation a draft.
        # Judged by the id, in any case, for every nation known: judged by the name it
        # carries, an identity named otherwise took Korea's id and was served under it to
        # the partner as Korea (found by the attack, ADR 0148).
        return Refused(stix_id, "gsomia's identity of a nation is a definition, not an item")
    return stix_id, item_uuid


def _identities(obj: Mapping[str, Any], nations: Iterable[str]) -> frozenset[str]:
    """The ids gsomia gives its own identities that `obj` could be: its own, each known
    nation's, and the one of the nation it names."""
    named = (str(obj.get("name", "")), *nations)
    return frozenset((str(PROJECT_IDENTITY.id), *(identity_id(n) for n in named)))


def _claimed_author(obj: Mapping[str, Any], nation: str, nations: Iterable[str]) -> str | None:
    """Why `obj` may not be taken in if its `created_by_ref` is gsomia's own identity or
    gsomia's identity of a nation other than `nation` (its UUID in any case)."""
    # Read as a lenient consumer resolves it, as marking refs are (ADR 0153).
    author = ref_uuid(obj.get("created_by_ref"), "identity")
    if author is None:
        return None
    named = f"identity--{author}"
    others = frozenset(nations) - {nation}
    if named not in {str(PROJECT_IDENTITY.id), *(identity_id(n) for n in others)}:
        return None
    return (
        "the object says it was made by gsomia or another nation's government "
        "(created_by_ref): only its own nation's identity may be named"
    )


def _misshapen(obj: Mapping[str, Any]) -> str | None:
    """Why `obj`'s extensions cannot be read as STIX 2.1 (3.2) has them, a dictionary of
    dictionaries: read so below, anything else failed the whole post with an AttributeError
    (found by the attack, ADR 0153)."""
    extensions = obj.get("extensions")
    if extensions is None or (
        isinstance(extensions, dict) and all(isinstance(v, dict) for v in extensions.values())
    ):
        return None
    return "the object's extensions are not a dictionary of objects"


def _foreign(obj: Mapping[str, Any], nation: str) -> str | None:
    """Why `obj` is a partner's item, if gsomia's extension says it is."""
    try:
        original, _ = labels_of(obj)
    except (TypeError, ValueError):
        return "gsomia's extension carries a label that is not JSON"
    if original is not None and _originator(original) != nation:
        return (
            f"the object carries {_originator(original) or 'another nation'}'s label: a "
            "partner's item is not taken in as this nation's own (Art. 7.1(b))"
        )
    return None


def take_in(
    obj: object, nation: str, default_level: str | None, *, nations: Iterable[str] = ()
) -> Intake | Refused:
    """`obj` as a draft of `nation`'s, or why not. `nations`: every nation the node knows,
    whose identities gsomia defines (`stix.objects.identity_of`) and no object may take."""
    identified = _identified(obj, nations)
    if isinstance(identified, Refused):
        return identified
    assert isinstance(obj, dict)  # _identified refuses anything else
    stix_id, item_uuid = identified
    # gsomia's identities are the node's to give, as its markings are: served, a ref to
    # another government's resolved to it as author of this nation's item (ADR 0148).
    foreign = _misshapen(obj) or _foreign(obj, nation) or _claimed_author(obj, nation, nations)
    if foreign is not None:
        return Refused(stix_id, foreign)
    fields = (obj.get("extensions") or {}).get(EXTENSION_ID) or {}
    level = fields.get("classification") if isinstance(fields, dict) else None
    level = level or default_level
    if not isinstance(level, str) or not level.strip():
        return Refused(
            stix_id,
            "the object names no classification: mark it in gsomia's extension "
            "(classification) or name one when taking it in (--level)",
        )
    try:
        content = _content(obj)
    except ValueError:  # NaN or Infinity, which Python's reader took from the envelope
        return Refused(stix_id, "the object holds a number JSON has not (NaN or Infinity)")
    if len(content) > MAX_OBJECT_BYTES:
        return Refused(stix_id, f"the object is over {MAX_OBJECT_BYTES} bytes")
    title = str(obj.get("name") or f"{obj['type']} {stix_id}")[:_MAX_TITLE]
    return Intake(stix_id, item_uuid, title, level.strip(), content)


def _content(obj: Mapping[str, Any]) -> bytes:
    """The object as stored: without gsomia's extension and markings (added again, from the
    item's own labels, whenever the item is served)."""
    kept = without_gsomias_markings(obj)
    extensions = without_gsomias_extension(obj.get("extensions"))
    if extensions:
        kept["extensions"] = extensions
    else:
        kept.pop("extensions", None)
    return canonical_json(json.loads(json.dumps(kept)))
