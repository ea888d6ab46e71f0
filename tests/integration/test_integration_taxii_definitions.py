"""The definitions a collection's objects refer to, over TAXII against real node processes
(ADR 0144): a tool that pages a collection from the start with the OASIS client can resolve
every reference of every object it got among what it got; what it gets of them says nothing
of objects its person may not read; and each behaves as a collection object at every
endpoint (objects, manifest, versions, objects/{id}, match[...])."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import requests
import stix2
from stix2validator import ValidationOptions, validate_instance
from taxii2client.v21 import Collection, as_pages
from tests.integration.conftest import MakeNet
from tests.integration.test_integration_taxii import _collection, _provided, _status

from gsomia.devnet import DevNet
from gsomia.stix.objects import EXTENSION_ID, stix_id

pytestmark = pytest.mark.integration

STRICT = ValidationOptions(strict=True, version="2.1")
DEFINITIONS = ("identity", "marking-definition", "extension-definition")


def _references(obj: dict[str, Any]) -> set[str]:
    """Every id `obj` names: who made it, what it is about, its markings, its extensions."""
    named = set(obj.get("object_refs", ())) | set(obj.get("object_marking_refs", ()))
    if "created_by_ref" in obj:
        named.add(obj["created_by_ref"])
    named |= {k for k in obj.get("extensions", {}) if k.startswith("extension-definition--")}
    return named


def _paged(found: Collection, per_request: int) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    for page in as_pages(found.get_objects, per_request=per_request):
        assert len(page.get("objects", [])) <= per_request
        got.extend(page.get("objects", []))
    return got


def _banners(objects: list[dict[str, Any]]) -> set[str]:
    return {o["definition"]["statement"] for o in objects if o["type"] == "marking-definition"}


def _provided_at(net: DevNet, level: str, text: str) -> str:
    kim, park = net.client("KOR", "kim"), net.client("KOR", "park")
    item_id = kim.publish(
        title="launch track",
        level=level,
        releasable_to=["JPN"],
        purpose="missile-warning",
        precedence="ROUTINE",
        text=text,
    )
    assert park.release(item_id)[0]["decision"]["allowed"]
    return item_id


def test_a_tool_resolves_every_reference_and_a_refused_reader_learns_no_marking(
    make_net: MakeNet,
) -> None:
    net = make_net(("KOR", "JPN"))
    net.start_all()
    lower = _provided_at(net, "군사III급비밀", "a lower track")  # JPN 秘: suzuki reads it
    higher = _provided(net, "launch at 05:57 KST")  # JPN 極秘: suzuki may not read it
    sato, suzuki = _collection(net, "sato"), _collection(net, "suzuki")
    for _ in range(300):  # the lower one went first; bounded by polls, not the clock
        if {stix_id(lower), stix_id(higher)} <= {o["id"] for o in _paged(sato, 100)}:
            break
        time.sleep(0.2)
    else:
        pytest.fail("the lower item did not reach JPN")

    # From the start, a page of one at a time: definitions split across pages, none twice.
    for per_request in (1, 2, 250):
        got = _paged(sato, per_request)
        ids = [o["id"] for o in got]
        assert len(ids) == len(set(ids))
        assert {i for i in ids if i.startswith("report--")} == {stix_id(lower), stix_id(higher)}
        for at, obj in enumerate(got):
            # Each reference resolves, to an object handed before it.
            assert _references(obj) <= set(ids[:at]), obj["id"]
    definitions = [o for o in got if o["type"] in DEFINITIONS]
    assert {o["type"] for o in definitions} == set(DEFINITIONS)
    for obj in definitions:
        result = validate_instance(obj, STRICT)
        assert result.is_valid, [str(e) for e in result.errors]
        stix2.parse(json.dumps(obj))
    assert any("極秘" in banner for banner in _banners(got))

    # A reader refused the higher item gets no definition naming its markings.
    theirs = _paged(suzuki, 2)
    assert [o["id"] for o in theirs if o["type"] == "report"] == [stix_id(lower)]
    assert theirs
    assert not any("極秘" in b or "군사II급비밀" in b for b in _banners(theirs))
    for at, obj in enumerate(theirs):
        assert _references(obj) <= {o["id"] for o in theirs[:at]}
    hidden = next(o for o in got if o["type"] == "marking-definition" and "極秘" in o["name"])
    with pytest.raises(requests.HTTPError) as missing:
        suzuki.get_object(hidden["id"])
    assert _status(missing.value) == 404

    # Every endpoint takes a definition as a collection object.
    markings = sato.get_objects(type="marking-definition")["objects"]
    assert {o["id"] for o in markings} == {
        o["id"] for o in definitions if o["type"] == "marking-definition"
    }
    one = markings[0]
    assert sato.get_object(one["id"])["objects"] == [one]
    assert sato.get_objects(id=one["id"])["objects"] == [one]
    assert sato.object_versions(one["id"])["versions"] == [one["created"]]
    assert sato.get_object(one["id"], version=one["created"])["objects"] == [one]
    entries = sato.get_manifest()["objects"]
    [entry] = [e for e in entries if e["id"] == one["id"]]
    # Its date_added is that of the first object referring to it, as a page from the start has it.
    first = next(e for e in entries if e["id"] in {stix_id(lower), stix_id(higher)})
    referrer = next(o for o in got if one["id"] in _references(o))
    [referred] = [e for e in entries if e["id"] == referrer["id"]]
    assert entry["date_added"] == referred["date_added"]
    assert first["date_added"] <= entry["date_added"]
    extension = sato.get_object(EXTENSION_ID)["objects"]
    assert [o["id"] for o in extension] == [EXTENSION_ID]
