"""The JSON form: strict decoding and RFC 8785 canonical bytes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from gsomia.labels import (
    LabelFormatError,
    LabelSet,
    canonical_json,
    label_from_json,
    label_from_obj,
    label_to_json,
    label_to_obj,
    labelset_from_json,
    labelset_from_obj,
    labelset_to_json,
    make_label,
)

LABEL = make_label(
    policy="urn:gsomia:policy:KOR:2016-11-23",
    classification="군사II급비밀",
    originator="KOR",
    created_at=datetime(2026, 11, 27, 0, 30, tzinfo=UTC),
    releasable_to=["KOR", "JPN"],
    caveats=["ORCON"],
    purposes=["missile warning"],
)


def test_canonical_bytes_are_sorted_compact_utf8() -> None:
    data = label_to_json(LABEL)
    assert data.startswith(b'{"ConfidentialityInformation":{"Category":[{"GenericValues":')
    assert b" :" not in data
    assert b", " not in data
    assert "군사II급비밀".encode() in data  # UTF-8, not \\u escapes
    obj = json.loads(data)
    assert canonical_json(obj) == data


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # RFC 8785 §3.2.2.2 string escaping, and key order by code point for ASCII keys.
        ({"b": "1", "a": "2"}, b'{"a":"2","b":"1"}'),
        ({"k": 'q"b\\'}, b'{"k":"q\\"b\\\\"}'),
        ({"k": "\n\t\b\f\r\x01\x1f"}, b'{"k":"\\n\\t\\b\\f\\r\\u0001\\u001f"}'),
        ({"k": "€/<>\u2028"}, '{"k":"€/<>\u2028"}'.encode()),
        ({"k": ["極秘", "秘"]}, '{"k":["極秘","秘"]}'.encode()),
    ],
)
def test_canonical_json_matches_rfc8785_for_strings(value: Any, expected: bytes) -> None:
    assert canonical_json(value) == expected


def test_canonical_json_is_independent_of_input_order() -> None:
    obj = label_to_obj(LABEL)
    shuffled = dict(reversed(list(obj.items())))
    assert canonical_json(shuffled) == label_to_json(LABEL)


def test_whitespace_and_key_order_do_not_change_the_label() -> None:
    pretty = json.dumps(label_to_obj(LABEL), indent=4, ensure_ascii=True)
    assert label_from_json(pretty) == LABEL


def _with(path: list[str], value: Any) -> dict[str, Any]:
    obj = label_to_obj(LABEL)
    target = obj
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return obj


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        ([], "label must be a JSON object, not an array"),
        ({}, "label has no 'ConfidentialityInformation'"),
        (_with(["OriginatorID"], "urn:gsomia:originator:KOR"), "OriginatorID must be a JSON obj"),
        (_with(["ConfidentialityInformation", "Category"], "x"), "Category must be an array"),
        (
            _with(["ConfidentialityInformation", "Category"], [{"Type": "PERMISSIVE"}]),
            "Category[0] has no 'GenericValues'",
        ),
        (
            _with(
                ["ConfidentialityInformation", "Category"],
                [{"Type": "permissive", "TagName": "x", "GenericValues": ["a"]}],
            ),
            "Type is 'permissive'",
        ),
        (
            _with(
                ["ConfidentialityInformation", "Category"],
                [{"Type": "PERMISSIVE", "TagName": "x", "GenericValues": [1]}],
            ),
            "GenericValues must be an array of strings",
        ),
        (_with(["CreationTime"], "2026-11-27"), "is not a date-time with a timezone"),
        (_with(["CreationTime"], "2026-13-40T00:00:00Z"), "is not a valid date-time"),
        (_with(["Id"], True), "label.Id must be a string, not a boolean"),
        (_with(["ConfidentialityInformation", "Classification"], None), "not null"),
        (
            _with(["OriginatorID", "Value"], "urn:gsomia:originator:KOR:%FF"),
            "percent-encoding is not UTF-8",
        ),
        (_with(["OriginatorID", "Value"], "urn:gsomia:originator:kor"), "does not name a nation"),
    ],
)
def test_decoding_is_strict(obj: Any, message: str) -> None:
    with pytest.raises(LabelFormatError) as caught:
        label_from_obj(obj)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{" * 2, "malformed"),
        (b"[" * 60000, "nested too deeply"),
        (b'{"a": Infinity}', "Infinity"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b" " * 70000, "the limit is 65536"),
    ],
)
def test_hostile_json(data: bytes, message: str) -> None:
    with pytest.raises(LabelFormatError, match=message):
        label_from_json(data)


def test_labelset_json() -> None:
    jpn = make_label(
        policy="urn:gsomia:policy:JPN:2014-12-10",
        classification="極秘",
        originator="JPN",
        created_at=datetime(2026, 11, 27, 0, 31, tzinfo=UTC),
        releasable_to=["JPN", "KOR"],
    )
    labels = LabelSet(LABEL, (jpn,))
    data = labelset_to_json(labels)
    assert labelset_from_json(data) == labels
    assert labelset_from_obj({"originatorConfidentialityLabel": label_to_obj(LABEL)}) == LabelSet(
        LABEL
    )
    with pytest.raises(LabelFormatError, match="two labels under policy"):
        labelset_from_obj(
            {
                "originatorConfidentialityLabel": label_to_obj(LABEL),
                "alternativeConfidentialityLabel": [label_to_obj(LABEL)],
            }
        )
    with pytest.raises(LabelFormatError, match="limit is 16"):
        labelset_from_obj(
            {
                "originatorConfidentialityLabel": label_to_obj(LABEL),
                "alternativeConfidentialityLabel": [label_to_obj(jpn)] * 17,
            }
        )
