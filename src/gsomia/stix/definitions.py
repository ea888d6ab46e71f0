"""The definitions a served STIX object refers to, and where a collection puts them (ADR 0144).

A holding's object refers to gsomia's `identity` (through its definitions' `created_by_ref`),
gsomia's `extension-definition`, its originating nation's `identity` and one
`marking-definition` per national marking. A TAXII collection holds, for each reader, exactly
the definitions the objects that reader may see refer to: each comes just before the first
object of the reader's stream that refers to it, with that object's `date_added`, and never
again in the same paging session. So a definition says nothing the reader could not read off
an object they were handed (a banner names a classification and a REL TO list, which no
enumeration of the scheme could list in advance: REL TO takes any nation's code).

Pure: `plan` fills one page of such a stream from rows already decided; the shell
(`gsomia.node.taxii`) reads the rows, hands over the objects and carries what was handed
(`tag`s) in the page's `next`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from gsomia.stix.objects import (
    EXTENSION,
    PROJECT_IDENTITY,
    identity_of,
    marking_named,
    serialised,
    statement_of,
)

__all__ = [
    "DEFINITION_TYPES",
    "TAG_BYTES",
    "Definition",
    "Plan",
    "Step",
    "definition_of_id",
    "definitions_of",
    "plan",
    "tag",
]

#: The STIX types gsomia's definitions are of.
DEFINITION_TYPES = frozenset({"identity", "marking-definition", "extension-definition"})
#: Bytes of a definition's UUID that name it in a cursor: 2**48 values, so two of the few
#: dozen definitions a collection has do not meet; if they did, the second would not be
#: handed in that session (an unresolvable reference, never anything revealed).
TAG_BYTES = 6


@dataclass(frozen=True)
class Definition:
    id: str
    data: bytes  # its JSON as a page splices it (`objects.serialised`)
    object: Mapping[str, Any]
    # Made once: a page looks at each visible row's definitions' tags (`plan`), and parsing
    # a UUID for each was 8 % of a page's CPU.
    tag: bytes


def tag(stix_id: str) -> bytes:
    """What names a definition in a cursor: the first `TAG_BYTES` of its UUID."""
    return uuid.UUID(stix_id.partition("--")[2]).bytes[:TAG_BYTES]


@lru_cache(maxsize=1024)
def _definition(obj_json: str) -> Definition:
    obj = json.loads(obj_json)
    return Definition(str(obj["id"]), serialised(obj), obj, tag(str(obj["id"])))


def _of(stix_object: Any) -> Definition:
    return _definition(stix_object.serialize())


def definitions_of(
    originator: str, labels: Iterable[Mapping[str, Any] | None]
) -> tuple[Definition, ...]:
    """What an object of `originator`'s carrying `labels` (the originator's, then the
    national one) refers to, each once, each after what it refers to: gsomia's identity
    (every other definition's `created_by_ref`), the extension, the nation, the markings."""
    return _definitions(
        originator, tuple(statement_of(label) for label in labels if label is not None)
    )


@lru_cache(maxsize=4096)
def _definitions(
    originator: str, statements: tuple[tuple[str, str], ...]
) -> tuple[Definition, ...]:
    # Cached: a page asks this of every row it hands over, and building and serialising
    # `stix2` objects is what a page must not do a row (ADR 0115).
    found = [_of(PROJECT_IDENTITY), _of(EXTENSION), _of(identity_of(originator))]
    found += [_of(marking_named(banner, policy)) for banner, policy in statements]
    return tuple({d.id: d for d in found}.values())


def definition_of_id(
    stix_id: str, originator: str, labels: Iterable[Mapping[str, Any] | None]
) -> Definition | None:
    """The definition `stix_id` among those an object (`definitions_of`) refers to."""
    for found in definitions_of(originator, labels):
        if found.id == stix_id:
            return found
    return None


@dataclass(frozen=True)
class Step:
    """One entry of a page: the definition due before row `row`'s object, or (None) that
    object."""

    row: int
    definition: Definition | None = None


@dataclass(frozen=True)
class Plan:
    steps: list[Step]
    stop: int  # rows this page went past: the next page starts at row `stop`


def plan(
    rows: Sequence[tuple[bool, Sequence[Definition]]],
    handed: frozenset[bytes],
    room: int,
) -> Plan:
    """Up to `room` entries of the stream over `rows` (each: whether the reader may see it,
    and what its object refers to), given the definitions `handed` before in this session:
    before each visible row's object, each of its definitions not handed yet. A row whose
    object does not fit is not gone past, even if some of its definitions were planned: the
    next page starts at it again, with those in `handed`."""
    steps: list[Step] = []
    done = set(handed)
    for at, (visible, definitions) in enumerate(rows):
        if not visible:
            continue
        for definition in definitions:
            if definition.tag in done:
                continue
            if len(steps) == room:
                return Plan(steps, at)
            done.add(definition.tag)
            steps.append(Step(at, definition))
        if len(steps) == room:
            return Plan(steps, at)
        steps.append(Step(at))
        if len(steps) == room:
            return Plan(steps, at + 1)
    return Plan(steps, len(rows))
