"""The label vectors under tests/vectors/labels: valid ones decode, invalid ones are refused
with an error that names the problem (sources in tests/vectors/labels/README.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gsomia.errors import InputError
from gsomia.labels import (
    LabelFormatError,
    LabelRole,
    label_from_json,
    label_from_xml,
    label_to_json,
    label_to_xml,
    labelset_from_json,
    labelset_from_xml,
    labelset_to_json,
    read_label_xml,
)

VECTORS = Path(__file__).parents[1] / "vectors" / "labels"
EXPECTED: dict[str, str] = {
    name: text
    for name, text in json.loads((VECTORS / "invalid" / "expected.json").read_text()).items()
    if not name.startswith("_")
}


def test_every_invalid_vector_has_an_expectation() -> None:
    on_disk = {p.name for p in (VECTORS / "invalid").iterdir() if p.name != "expected.json"}
    assert on_disk == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_invalid_vector_is_refused_naming_the_problem(name: str) -> None:
    data = (VECTORS / "invalid" / name).read_bytes()
    parse = label_from_json if name.endswith(".json") else label_from_xml
    with pytest.raises(LabelFormatError) as caught:
        parse(data)
    assert EXPECTED[name] in str(caught.value)
    assert isinstance(caught.value, InputError)


def test_kor_label_xml_and_json_vectors_are_the_same_label() -> None:
    from_xml = label_from_xml((VECTORS / "kor-secret-rel-jpn.xml").read_bytes())
    from_json = label_from_json((VECTORS / "kor-secret-rel-jpn.json").read_bytes())
    assert from_xml == from_json
    assert from_xml.classification == "군사II급비밀"
    assert from_xml.releasable_to == {"JPN", "KOR"}
    assert from_xml.purposes == {"missile warning"}
    assert from_xml.caveats == frozenset()
    assert from_xml.originator.nation == "KOR"
    assert from_xml.originator.organisation == "국방부"
    # +09:00 in the XML, Z in the JSON: the model keeps the instant, in UTC.
    assert from_xml.created_at == datetime(2026, 11, 27, 0, 30, tzinfo=UTC)
    assert from_xml.created_at.tzinfo is UTC
    assert from_xml.label_id == "kor-2026-0001"


def test_kor_label_reencodes_to_the_same_label() -> None:
    label = label_from_xml((VECTORS / "kor-secret-rel-jpn.xml").read_bytes())
    assert label_from_xml(label_to_xml(label)) == label
    assert label_from_json(label_to_json(label)) == label


def test_labelset_vector_keeps_originator_and_alternative() -> None:
    labels = labelset_from_xml((VECTORS / "labelset-kor-jpn.xml").read_bytes())
    assert labels.original.classification == "군사II급비밀"
    jpn = labels.for_policy("urn:gsomia:policy:JPN:2014-12-10")
    assert jpn.classification == "極秘"
    assert jpn.category("Originating Government") is not None
    assert labelset_from_json(labelset_to_json(labels)) == labels
    assert labels.original == label_from_xml((VECTORS / "kor-secret-rel-jpn.xml").read_bytes())


def test_linagora_example_label_with_uris() -> None:
    label = label_from_xml((VECTORS / "example-policy-linagora.xml").read_bytes())
    assert label.policy == "EXAMPLE"
    assert label.policy_uri == "urn:oid:2.25.283505922519774543341581604402970826256"
    assert label.releasable_to == {"XAA", "XBB"}
    special = label.category("Special Handling")
    assert special is not None
    assert special.values == ("ALPHA",)
    assert special.uri == "urn:oid:2.25.283505922519774543341581604402970826256.1"
    assert label.review_at == datetime(2031, 9, 26, tzinfo=UTC)


def test_spiffing_nato_label_adapted() -> None:
    role, label = read_label_xml((VECTORS / "nato-spiffing-17-1-adapted.xml").read_bytes())
    assert role is LabelRole.ORIGINATOR
    assert (label.policy, label.policy_uri) == ("NATO", "urn:oid:1.3.26.1.3.1")
    assert label.releasable_to == {"NATO"}
    context = label.category("Context")
    assert context is not None
    assert context.values == ("NATO", "Releasable")


def test_ztdf_assertion_with_lone_category_object() -> None:
    label = label_from_json((VECTORS / "ztdf-assertion-adapted.json").read_bytes())
    category = label.category("Releasable to")  # not gsomia's "Releasable To": kept as given
    assert category is not None
    assert category.values == ("FIN", "FRA", "SWE")
    assert label.releasable_to == frozenset()
