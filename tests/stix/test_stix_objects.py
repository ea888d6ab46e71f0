"""Items as STIX 2.1: strictly valid (stix2-validator), parsed by stix2, both labels kept; and
a partner tool's objects taken in as drafts, their ids kept, a partner's item refused."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest
import stix2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stix2validator import ValidationOptions, validate_instance

from gsomia.labels import (
    label_from_obj,
    label_to_obj,
    make_alternative,
    make_label,
    national_policy,
)
from gsomia.stix.intake import Intake, Refused, take_in
from gsomia.stix.objects import (
    EXTENSION_ID,
    STIX_MEDIA_TYPE,
    StixItem,
    bundle_of,
    labels_of,
    object_of,
    stix_id,
)

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
STRICT = ValidationOptions(strict=True, version="2.1")
ITEM_ID = "KOR-5b7e8f6a-2c1d-4e3f-9a8b-7c6d5e4f3a2b"


def _label(nation: str = "KOR", marking: str = "군사II급비밀") -> dict[str, Any]:
    label = make_label(
        policy=national_policy(nation, NOW.date()),
        classification=marking,
        originator=nation,
        created_at=NOW,
        releasable_to=("JPN", "KOR"),
        caveats=(),
        purposes=("missile-warning",),
        label_id=ITEM_ID,
    )
    return label_to_obj(label)


def _item(**fields: Any) -> StixItem:
    base: dict[str, Any] = {
        "item_id": ITEM_ID,
        "title": "DPRK launch track",
        "originator": "KOR",
        "created": NOW,
        "media_type": "text/plain; charset=utf-8",
        "content": "track 1 — 발사".encode(),
        "purpose": "missile-warning",
        "precedence": "FLASH",
        "originator_label": _label(),
        "national_label": _label("JPN", "極秘"),
    }
    return StixItem(**{**base, **fields})


def _strictly_valid(obj: dict[str, Any]) -> None:
    result = validate_instance(obj, STRICT)
    assert result.is_valid, [str(e) for e in result.errors]


def test_an_item_bundle_is_strictly_valid_and_parses() -> None:
    bundle = bundle_of([_item()])
    kinds = sorted(o["type"] for o in bundle["objects"])
    assert kinds == [
        "extension-definition",
        "identity",
        "identity",
        "marking-definition",
        "marking-definition",
        "report",
    ]
    for obj in bundle["objects"]:
        _strictly_valid(obj)
    parsed = stix2.parse(json.dumps(bundle), allow_custom=False)
    report = next(o for o in parsed.objects if o.type == "report")
    assert report.id == stix_id(ITEM_ID) == "report--5b7e8f6a-2c1d-4e3f-9a8b-7c6d5e4f3a2b"
    assert report.name == "DPRK launch track"
    assert report.description == "track 1 — 발사"
    # Every marking and identity the report names is in the bundle.
    ids = {o["id"] for o in bundle["objects"]}
    assert set(report.object_marking_refs) <= ids
    assert report.created_by_ref in ids


def test_both_labels_travel_unchanged_and_each_marking_shows_its_banner() -> None:
    obj = object_of(_item())
    original, national = labels_of(obj)
    assert original == _label()
    assert national == _label("JPN", "極秘")
    banners = {
        o["definition"]["statement"]
        for o in bundle_of([_item()])["objects"]
        if o["type"] == "marking-definition"
    }
    assert banners == {"군사II급비밀//REL TO JPN, KOR", "極秘//REL TO JPN, KOR"}


def test_binary_content_travels_in_the_extension() -> None:
    content = bytes(range(256))
    obj = object_of(_item(media_type="image/png", content=content))
    _strictly_valid(obj)
    assert "description" not in obj
    assert base64.b64decode(obj["extensions"][EXTENSION_ID]["content_base64"]) == content


def test_an_alternative_label_from_the_labels_module_is_carried_as_made() -> None:
    # The national label a receiving node makes (Art. 4.2), not a hand-written one.
    alternative = label_to_obj(
        make_alternative(
            label_from_obj(_label()),
            policy=national_policy("JPN", NOW.date()),
            classification="極秘",
            originator="JPN",
            created_at=NOW,
        )
    )
    obj = object_of(_item(national_label=alternative))
    assert labels_of(obj)[1] == alternative


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=st.text(min_size=1, max_size=80).filter(str.strip),
    text=st.text(max_size=200),
    precedence=st.sampled_from(["FLASH", "IMMEDIATE", "PRIORITY", "ROUTINE"]),
)
def test_any_text_item_is_valid_stix_and_keeps_its_content(
    title: str, text: str, precedence: str
) -> None:
    obj = object_of(_item(title=title, content=text.encode(), precedence=precedence))
    _strictly_valid(obj)
    parsed = stix2.parse(json.dumps(obj))
    assert parsed.name == title
    assert parsed.get("description", "") == text
    assert obj["extensions"][EXTENSION_ID]["precedence"] == precedence


# Taking objects in --------------------------------------------------------------------------

INDICATOR = {
    "type": "indicator",
    "spec_version": "2.1",
    "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
    "created": "2026-11-30T08:00:00.000Z",
    "modified": "2026-11-30T08:00:00.000Z",
    "name": "launch site telemetry beacon",
    "description": "seen before each launch from the site",
    "pattern": "[ipv4-addr:value = '198.51.100.7']",
    "pattern_type": "stix",
    "valid_from": "2026-11-30T08:00:00Z",
}

MARKED = {**INDICATOR, "extensions": {EXTENSION_ID: {"classification": "군사II급비밀"}}}


@pytest.mark.parametrize(
    ("obj", "level", "refused"),
    [
        (INDICATOR, "군사III급비밀", None),
        (INDICATOR, None, "names no classification"),
        (
            {**INDICATOR, "extensions": {EXTENSION_ID: {"classification": "군사II급비밀"}}},
            None,
            None,
        ),
        ({**INDICATOR, "id": "indicator--not-a-uuid"}, "군사III급비밀", "no valid STIX id"),
        ({**INDICATOR, "type": "report"}, "군사III급비밀", "no valid STIX id"),
        ("not an object", "군사III급비밀", "is a JSON object"),
        (
            {
                **INDICATOR,
                "type": "marking-definition",
                "id": "marking-definition--" + "1" * 8 + "-1111-4111-8111-" + "1" * 12,
            },
            "군사III급비밀",
            "not an item",
        ),
    ],
)
def test_taking_in_keeps_the_id_or_says_why_not(
    obj: object, level: str | None, refused: str | None
) -> None:
    taken = take_in(obj, "KOR", level)
    if refused is None:
        assert isinstance(taken, Intake), taken
        assert taken.stix_id == INDICATOR["id"]
        assert taken.item_uuid == "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
        assert taken.title == "launch site telemetry beacon"
        assert EXTENSION_ID not in json.loads(taken.content).get("extensions", {})
    else:
        assert isinstance(taken, Refused)
        assert refused in taken.reason


def test_a_partners_item_is_not_taken_in_as_our_own() -> None:
    # A JPN holding served by JPN's TAXII carries KOR's label: JPN may not re-originate it.
    served = object_of(_item())
    taken = take_in(served, "JPN", "極秘")
    assert isinstance(taken, Refused)
    assert "KOR's label" in taken.reason
    assert isinstance(take_in(served, "KOR", None), Refused)  # no classification to take


def test_a_taken_in_object_is_served_back_as_itself_with_both_labels() -> None:
    taken = take_in(INDICATOR, "KOR", "군사III급비밀")
    assert isinstance(taken, Intake)
    item = _item(
        item_id=f"KOR-{taken.item_uuid}", media_type=STIX_MEDIA_TYPE, content=taken.content
    )
    served = object_of(item)
    _strictly_valid(served)
    assert served["id"] == INDICATOR["id"]
    assert served["pattern"] == INDICATOR["pattern"]
    assert labels_of(served) == (_label(), _label("JPN", "極秘"))
