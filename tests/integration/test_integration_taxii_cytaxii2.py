"""A second TAXII 2.1 client, written apart from the OASIS one (Cyware's `cytaxii2`, HTTP
Basic only), against a real node process: discovery, collections, paging through more than a
thousand objects, `added_after`, a refused reader seeing nothing, a post becoming a draft, a
wrong password answered as a TAXII error message (ADR 0138)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
import stix2
from bench.holdings_load import copy_holdings, template_of
from cytaxii2 import cytaxii2
from tests.integration.conftest import MakeNet
from tests.integration.test_integration_taxii import AGREEMENT, PURPOSE, _provided

from gsomia.node.users import set_password
from gsomia.stix.objects import EXTENSION_ID, labels_of, stix_id

pytestmark = pytest.mark.integration

COPIES = 1050
PASSWORD = "correct horse battery"


def _client(url: str, name: str, password: str = PASSWORD) -> Any:
    client = cytaxii2.cytaxii2(f"{url}/taxii2/", name, password, version=2.1)
    # It reads only discovery's optional `default`; a node names none of its several roots
    # (one per agreement), so the tool is told which, as its attribute allows.
    client.api_root = f"{url}/taxii2/{AGREEMENT}/"
    return client


def _ok(answer: dict[str, Any]) -> dict[str, Any]:
    assert answer["status"], answer
    found: dict[str, Any] = answer["response"]
    return found


def _every(client: Any, collection: str, **params: Any) -> list[dict[str, Any]]:
    """Every object of `collection`, following `next` while the node says `more`."""
    found: list[dict[str, Any]] = []
    page = _ok(client.poll_request(collection, limit=400, **params))
    found.extend(page.get("objects", []))
    while page["more"]:
        page = _ok(client.poll_request(collection, limit=400, next=page["next"], **params))
        found.extend(page.get("objects", []))
    return found


def test_cytaxii2_discovers_pages_and_posts_under_the_access_decision(make_net: MakeNet) -> None:
    net = make_net(("KOR", "JPN"))
    net.start_all()
    item_id = _provided(net, "launch at 05:57 KST — second client")
    for name in ("sato", "suzuki"):
        set_password(net.node("JPN"), name, PASSWORD)
    url = net.nodes["JPN"].url
    sato = _client(url, "sato")

    discovery = _ok(sato.discovery_request())
    assert f"{url}/taxii2/{AGREEMENT}/" in discovery["api_roots"]
    assert "default" not in discovery
    assert _ok(sato.root_discovery())["versions"] == ["application/taxii+json;version=2.1"]
    [collection] = [
        c for c in _ok(sato.collection_request())["collections"] if c["title"] == PURPOSE
    ]
    assert _ok(sato.collection_data_request(collection["id"]))["id"] == collection["id"]

    # The item as a report with its content and both labels, as the OASIS client reads it.
    # With the definitions it refers to before it, each resolvable (ADR 0144).
    every = _every(sato, collection["id"])
    [obj] = [o for o in every if o["type"] == "report"]
    assert obj["id"] == stix_id(item_id)
    given = {o["id"] for o in every}
    assert {obj["created_by_ref"], *obj["object_marking_refs"], *obj["extensions"]} <= given
    assert stix2.parse(json.dumps(obj)).description == "launch at 05:57 KST — second client"
    original, national = labels_of(obj)
    assert original is not None
    assert national is not None
    assert national["ConfidentialityInformation"]["Classification"] == "極秘"

    # Paging through more than a thousand: every one once.
    copies = copy_holdings(net.node("JPN"), template_of(net.node("JPN"), item_id), COPIES)
    seen = [o["id"] for o in _every(sato, collection["id"])]
    assert len(seen) == len(set(seen))
    assert len([i for i in seen if i.startswith("report--")]) == COPIES + 1
    assert {stix_id(i) for i in copies} <= set(seen)

    last = template_of(net.node("JPN"), item_id).received_at + timedelta(milliseconds=COPIES - 1)
    after = _every(sato, collection["id"], added_after=last.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    assert len([o for o in after if o["type"] == "report"]) == 1
    by_id = _ok(sato.poll_request(collection["id"], object_id=stix_id(item_id)))["objects"]
    assert [o["id"] for o in by_id] == [stix_id(item_id)]

    # A reader the decision refuses (秘 is below 極秘) gets nothing of it.
    assert _every(_client(url, "suzuki"), collection["id"]) == []

    # A posted bundle becomes a draft of JPN's, its id kept.
    indicator = stix2.Indicator(
        name="launch site beacon",
        pattern="[ipv4-addr:value = '198.51.100.11']",
        pattern_type="stix",
        extensions={EXTENSION_ID: {"extension_type": "property-extension", "classification": "秘"}},
    )
    posted = sato.inbox_request(collection["id"], stix2.Bundle(indicator).serialize())
    assert posted["status_code"] == 202, posted
    assert (posted["response"]["status"], posted["response"]["success_count"]) == ("complete", 1)
    drafts = [i["id"] for i in net.client("JPN", "sato").items() if i["state"] == "draft"]
    assert drafts == [f"JPN-{str(indicator.id).partition('--')[2]}"]

    # A wrong password: 401, and a body the client reads as a TAXII error message.
    refused = _client(url, "sato", "wrong").collection_request()
    assert refused["status_code"] == 401
    assert refused["response"]["http_status"] == "401"
