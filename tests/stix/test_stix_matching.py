"""TAXII 2.1 `match[...]` filters over STIX objects: each filter a set of wanted values, an
object passing a request only if it passes every filter given (a table and a property)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gsomia.errors import InputError
from gsomia.stix.matching import Match, match_of, version_of

REPORT = {
    "type": "report",
    "spec_version": "2.1",
    "id": "report--0f6b1e2c-3d4a-4b5c-8d6e-7f8091a2b3c4",
    "created": "2026-11-30T08:00:00.000Z",
    "modified": "2026-12-01T09:30:00.000Z",
}
INDICATOR = {
    "type": "indicator",
    "spec_version": "2.1",
    "id": "indicator--5c1e9a34-7b2d-4e6f-8a9b-0c1d2e3f4a5b",
    "created": "2026-11-30T08:00:00.000Z",
}


@pytest.mark.parametrize(
    ("params", "admitted"),
    [
        ({}, {"report", "indicator"}),
        ({"match[type]": "report"}, {"report"}),
        ({"match[type]": "indicator,report"}, {"report", "indicator"}),
        ({"match[type]": "note"}, set()),
        ({"match[id]": INDICATOR["id"]}, {"indicator"}),
        ({"match[id]": f"{REPORT['id']},{INDICATOR['id']}"}, {"report", "indicator"}),
        ({"match[id]": "report" + INDICATOR["id"][9:]}, set()),  # the UUID under another type
        ({"match[version]": "last"}, {"report", "indicator"}),
        ({"match[version]": "first,all"}, {"report", "indicator"}),
        # The version is `modified`, else `created`; a timestamp matches the same moment.
        ({"match[version]": "2026-12-01T09:30:00Z"}, {"report"}),
        ({"match[version]": "2026-11-30T08:00:00.000Z"}, {"indicator"}),
        ({"match[version]": "2026-11-30T08:00:00.000Z,last"}, {"report", "indicator"}),
        ({"match[spec_version]": "2.1"}, {"report", "indicator"}),
        ({"match[spec_version]": "2.0"}, set()),
        ({"match[type]": "report", "match[id]": INDICATOR["id"]}, set()),
        ({"limit": "5", "next": "x", "added_after": "y"}, {"report", "indicator"}),
    ],
)
def test_each_filter_admits_what_it_names(params: dict[str, str], admitted: set[str]) -> None:
    match = match_of(params)
    assert {o["type"] for o in (REPORT, INDICATOR) if match.admits(o)} == admitted


@pytest.mark.parametrize(
    ("params", "allowed", "says"),
    [
        ({"match[foo]": "x"}, None, "match[foo] is not a filter"),
        ({"match[type": "x"}, None, "is not a filter"),
        ({"match[type]": "report,,note"}, None, "empty value"),
        ({"match[version]": "yesterday"}, None, "neither first, last, all"),
        ({"match[version]": "2026-12-01T09:30:00"}, None, "neither first"),  # no time zone
        ({"match[id]": REPORT["id"]}, ("version", "spec_version"), "not a filter of this"),
        ({"match[version]": "last"}, ("spec_version",), "not a filter of this"),
        ({"match[type]": ",".join(["a"] * 101)}, None, "more than 100"),
    ],
)
def test_a_filter_the_endpoint_does_not_take_or_a_bad_value_is_refused(
    params: dict[str, str], allowed: tuple[str, ...] | None, says: str
) -> None:
    with pytest.raises(InputError, match=says.replace("[", r"\[").replace("]", r"\]")):
        match_of(params, allowed) if allowed else match_of(params)


def test_the_version_is_modified_else_created() -> None:
    assert version_of(REPORT) == REPORT["modified"]
    assert version_of(INDICATOR) == INDICATOR["created"]


_types = st.sampled_from(["report", "indicator", "note"])
_ids = st.sampled_from([REPORT["id"], INDICATOR["id"], "note--1"])
_moments = st.sampled_from(["2026-11-30T08:00:00.000Z", "2026-12-01T09:30:00.000Z"])


@st.composite
def _objects(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "type": draw(_types),
        "id": draw(_ids),
        "spec_version": draw(st.sampled_from(["2.0", "2.1"])),
        "created": draw(_moments),
    }


@given(
    obj=_objects(),
    types=st.sets(_types, max_size=2),
    ids=st.sets(_ids, max_size=2),
    moments=st.sets(_moments, max_size=2),
    specs=st.sets(st.sampled_from(["2.0", "2.1"]), max_size=1),
)
def test_a_request_admits_exactly_what_passes_every_filter_given(
    obj: dict[str, Any], types: set[str], ids: set[str], moments: set[str], specs: set[str]
) -> None:
    params = {
        f"match[{name}]": ",".join(sorted(values))
        for name, values in (("type", types), ("id", ids), ("version", moments))
        if values
    } | ({"match[spec_version]": ",".join(specs)} if specs else {})
    expected = (
        (not types or obj["type"] in types)
        and (not ids or obj["id"] in ids)
        and (not moments or obj["created"] in moments)
        and (not specs or obj["spec_version"] in specs)
    )
    assert match_of(params).admits(obj) == expected
    assert Match().admits(obj)
