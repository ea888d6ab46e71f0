"""The definitions a collection serves (ADR 0144), pure: what an object refers to, each
strictly valid, and `plan`'s stream: paged at any limit it is the same stream, each
definition once, before the first visible object referring to it, and only those."""

from __future__ import annotations

import json
from typing import Any

import stix2
from hypothesis import given
from hypothesis import strategies as st
from stix2validator import ValidationOptions, validate_instance
from tests.stix.test_stix_objects import _item, _label

from gsomia.stix.definitions import Definition, Step, definitions_of, plan
from gsomia.stix.intake import Intake, Refused, take_in
from gsomia.stix.objects import object_of, serialised

STRICT = ValidationOptions(strict=True, version="2.1")


def _references(obj: dict[str, Any]) -> set[str]:
    named = set(obj.get("object_refs", ())) | set(obj.get("object_marking_refs", ()))
    if "created_by_ref" in obj:
        named.add(obj["created_by_ref"])
    return named | {k for k in obj.get("extensions", {}) if k.startswith("extension-definition")}


def test_an_objects_definitions_resolve_it_and_are_strictly_valid() -> None:
    item = _item()
    defined = definitions_of(item.originator, (item.originator_label, item.national_label))
    ids = [d.id for d in defined]
    assert len(ids) == len(set(ids)) == 5  # gsomia, the extension, KOR, two markings
    assert _references(object_of(item)) <= set(ids)
    for at, found in enumerate(defined):
        obj = dict(found.object)
        result = validate_instance(obj, STRICT)
        assert result.is_valid, [str(e) for e in result.errors]
        stix2.parse(json.dumps(obj))
        assert found.data == serialised(obj)
        assert _references(obj) <= set(ids[:at])  # each after what it refers to
    banners = {d.object["definition"]["statement"] for d in defined if "definition" in d.object}
    assert banners == {"군사II급비밀//REL TO JPN, KOR", "極秘//REL TO JPN, KOR"}


def test_no_national_label_is_no_marking_of_it() -> None:
    defined = definitions_of("KOR", (_label(), None))
    assert [d.object["type"] for d in defined] == [
        "identity",
        "extension-definition",
        "identity",
        "marking-definition",
    ]


#: A pool of definitions the rows' objects refer to.
POOL = [
    *definitions_of("KOR", (_label(),)),
    *definitions_of("JPN", (_label("JPN", "極秘"), _label("JPN", "秘"))),
]
POOL = list({d.id: d for d in POOL}.values())

ROWS = st.lists(
    st.tuples(st.booleans(), st.lists(st.sampled_from(POOL), unique_by=lambda d: d.id)),
    max_size=30,
)


def _stream(rows: list[tuple[bool, list[Definition]]], limit: int) -> list[list[Step]]:
    """The pages of `rows` a reader gets at `limit`, each step's row in `rows`' numbering."""
    pages: list[list[Step]] = []
    start, handed = 0, frozenset[bytes]()
    while start < len(rows):
        planned = plan(rows[start:], handed, limit)
        assert len(planned.steps) <= limit
        assert planned.steps or planned.stop  # progress on every page
        pages.append([Step(s.row + start, s.definition) for s in planned.steps])
        handed |= {s.definition.tag for s in planned.steps if s.definition is not None}
        start += planned.stop
    return pages


@given(rows=ROWS, limit=st.integers(min_value=1, max_value=12))
def test_paged_at_any_limit_the_stream_is_the_same_and_resolves(
    rows: list[tuple[bool, list[Definition]]], limit: int
) -> None:
    whole = [step for page in _stream(rows, 10_000) for step in page]
    paged = [step for page in _stream(rows, limit) for step in page]
    assert paged == whole
    # Each visible row's object once, in order; nothing of a row the reader may not see.
    objects = [s.row for s in whole if s.definition is None]
    assert objects == [at for at, (visible, _) in enumerate(rows) if visible]
    assert all(rows[s.row][0] for s in whole)
    # Each definition once, just before the first visible object that refers to it.
    handed = [s.definition.id for s in whole if s.definition is not None]
    assert len(handed) == len(set(handed))
    first: dict[str, int] = {}
    for at, (visible, refers) in enumerate(rows):
        for definition in refers if visible else ():
            first.setdefault(definition.id, at)
    assert {s.definition.id: s.row for s in whole if s.definition is not None} == first
    for at, step in enumerate(whole):
        if step.definition is None:
            before = {s.definition.id for s in whole[:at] if s.definition is not None}
            assert {d.id for d in rows[step.row][1]} <= before


@given(rows=ROWS, limit=st.integers(min_value=1, max_value=12))
def test_definitions_handed_before_are_not_handed_again(
    rows: list[tuple[bool, list[Definition]]], limit: int
) -> None:
    handed = frozenset(d.tag for d in POOL[::2])
    planned = plan(rows, handed, limit)
    assert not {s.definition.tag for s in planned.steps if s.definition is not None} & handed


def test_a_definition_posted_back_is_not_taken_in_but_a_tools_own_identity_is() -> None:
    # A tool posting back what it paged (ADR 0144) makes no draft of gsomia's definitions.
    for found in definitions_of("KOR", (_label(),)):
        refused = take_in(dict(found.object), "JPN", "秘")
        assert isinstance(refused, Refused), found.id
        assert refused.stix_id == found.id
    theirs = {
        "type": "identity",
        "spec_version": "2.1",
        "id": "identity--6c1f4a52-0d5e-4b7a-9f3c-2e8d7a6b5c4d",
        "created": "2026-11-30T08:00:00.000Z",
        "modified": "2026-11-30T08:00:00.000Z",
        "name": "KOR",
        "identity_class": "organization",
    }
    assert isinstance(take_in(theirs, "JPN", "秘"), Intake)
