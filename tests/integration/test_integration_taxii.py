"""TAXII 2.1 against real node processes, read with the OASIS client (`taxii2-client`) and
parsed with `stix2`: what a partner tool sees is what the access decision lets its person
read, paged, logged, and a posted bundle becomes drafts."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import pytest
import requests
import stix2
from bench.holdings_load import copy_holdings, template_of
from sqlalchemy import func, select
from taxii2client.exceptions import TAXIIServiceException
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages
from tests.integration.conftest import MakeNet

from gsomia.devnet import DevNet
from gsomia.node.users import set_password
from gsomia.stix.objects import EXTENSION_ID, labels_of, stix_id
from gsomia.store.tables import access_log

pytestmark = pytest.mark.integration

AGREEMENT = "KOR-JPN-2016"
PURPOSE = "missile-warning"
COPIES = 1100


class Bearer(requests.auth.AuthBase):
    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: Any) -> Any:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


def _provided(net: DevNet, text: str) -> str:
    """One KOR item released to JPN and received there: its item id."""
    kim, park = net.client("KOR", "kim"), net.client("KOR", "park")
    item_id = kim.publish(
        title="DPRK launch track",
        level="군사II급비밀",
        releasable_to=["JPN"],
        purpose=PURPOSE,
        precedence="FLASH",
        text=text,
    )
    assert park.release(item_id)[0]["decision"]["allowed"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if any(h["item_id"] == item_id for h in net.client("JPN", "sato").holdings()):
            return item_id
        time.sleep(0.2)
    pytest.fail("the item did not reach JPN")


def _collection(net: DevNet, name: str) -> Collection:
    proc = net.nodes["JPN"]
    server = Server(f"{proc.url}/taxii2/", auth=Bearer(proc.tokens[name]))
    [root] = [r for r in server.api_roots if r.url.rstrip("/").endswith(AGREEMENT)]
    [found] = [c for c in root.collections if c.title == PURPOSE]
    return found


def _status(error: requests.HTTPError) -> int:
    assert error.response is not None
    return int(error.response.status_code)


def _logged_reads(net: DevNet, actor: str) -> int:
    node = net.node("JPN")
    query = select(func.count()).where(
        access_log.c.actor == actor, access_log.c.action == "read:taxii"
    )
    with node.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def test_a_partner_tool_pages_reads_and_posts_under_the_access_decision(
    make_net: MakeNet,
) -> None:
    net = make_net(("KOR", "JPN"))
    net.start_all()
    item_id = _provided(net, "launch at 05:57 KST, 발사 — Sea of Japan")

    # Round trip: item → STIX → TAXII → taxii2-client → stix2 → same content, both labels.
    sato = _collection(net, "sato")
    envelope = sato.get_objects()
    [obj] = [o for o in envelope["objects"] if o["id"] == stix_id(item_id)]
    report = stix2.parse(json.dumps(obj))
    assert report.description == "launch at 05:57 KST, 발사 — Sea of Japan"
    original, national = labels_of(obj)
    assert original is not None
    assert national is not None
    assert original["ConfidentialityInformation"]["Classification"] == "군사II급비밀"
    assert national["ConfidentialityInformation"]["Classification"] == "極秘"
    assert obj["extensions"][EXTENSION_ID]["precedence"] == "FLASH"
    got = sato.get_object(stix_id(item_id))["objects"]
    assert got == [obj]
    assert sato.object_versions(stix_id(item_id))["versions"] == [obj["modified"]]

    # match[...] filters as TAXII 2.1 defines them, sent by the OASIS client.
    wanted = stix_id(item_id)
    assert [o["id"] for o in sato.get_objects(id=wanted)["objects"]] == [wanted]
    chosen = sato.get_objects(type="report", version="last", spec_version="2.1")["objects"]
    assert [o["id"] for o in chosen] == [wanted]
    assert sato.get_objects(type="indicator").get("objects", []) == []
    assert [e["id"] for e in sato.get_manifest(id=wanted)["objects"]] == [wanted]
    assert sato.get_object(wanted, version=obj["modified"])["objects"] == [obj]
    assert sato.object_versions(wanted, spec_version="2.1")["versions"] == [obj["modified"]]
    with pytest.raises(requests.HTTPError) as not_here:  # versions/ takes spec_version only
        sato.object_versions(wanted, type="report")
    assert _status(not_here.value) == 400

    # Paging through more than a thousand, in order, nothing twice, every one logged.
    before = _logged_reads(net, "sato")
    copies = copy_holdings(net.node("JPN"), template_of(net.node("JPN"), item_id), COPIES)
    seen: list[str] = []
    for page in as_pages(sato.get_objects, per_request=250):
        for got_one in page.get("objects", []):
            # Each reference resolves to an object handed before it (ADR 0144).
            refs = {*got_one.get("object_marking_refs", ()), *got_one.get("object_refs", ())}
            refs |= {got_one.get("created_by_ref", got_one["id"]), *got_one.get("extensions", {})}
            assert refs <= {*seen, got_one["id"]}
            seen.append(got_one["id"])
    assert len(seen) == len(set(seen))
    assert len([i for i in seen if i.startswith("report--")]) == COPIES + 1
    assert {stix_id(i) for i in copies} <= set(seen)
    assert _logged_reads(net, "sato") - before == COPIES + 1
    manifest = sato.get_manifest(limit=5)
    assert manifest["more"] is True
    assert len(manifest["objects"]) == 5

    # added_after: only what came after.
    last = template_of(net.node("JPN"), item_id).received_at + timedelta(milliseconds=COPIES - 1)
    after = sato.get_objects(added_after=last.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    assert len([o for o in after["objects"] if o["type"] == "report"]) == 1

    # A refused reader (秘 is below 極秘) sees nothing, and nothing of how much there is.
    suzuki = _collection(net, "suzuki")
    refused = suzuki.get_objects(limit=100)
    assert refused.get("objects", []) == []
    assert refused["more"] is False
    with pytest.raises(requests.HTTPError) as missing:
        suzuki.get_object(stix_id(item_id))
    assert _status(missing.value) == 404

    # A posted bundle becomes drafts of JPN's, keeping its ids.
    indicator = stix2.Indicator(
        name="launch site beacon",
        description="seen before each launch",
        pattern="[ipv4-addr:value = '198.51.100.7']",
        pattern_type="stix",
        extensions={EXTENSION_ID: {"extension_type": "property-extension", "classification": "秘"}},
    )
    bundle = stix2.Bundle(indicator, obj)  # the partner's report is refused
    status = sato.add_objects(bundle.serialize())
    assert (status.status, status.success_count, status.failure_count) == ("complete", 1, 1)
    drafts = [i for i in net.client("JPN", "sato").items() if i["state"] == "draft"]
    assert [d["id"] for d in drafts] == [f"JPN-{str(indicator.id).partition('--')[2]}"]
    assert drafts[0]["releasable_to"] == ["KOR"]


def test_basic_credentials_and_errors_as_taxii_says(make_net: MakeNet) -> None:
    net = make_net(("KOR", "JPN"))
    net.start("JPN")
    set_password(net.node("JPN"), "sato", "correct horse battery")
    proc = net.nodes["JPN"]
    root = ApiRoot(f"{proc.url}/taxii2/{AGREEMENT}/", user="sato", password="correct horse battery")
    assert [c.title for c in root.collections] == [PURPOSE]
    wrong = ApiRoot(f"{proc.url}/taxii2/{AGREEMENT}/", user="sato", password="wrong")
    with pytest.raises(requests.HTTPError) as refused:
        wrong.refresh()
    answer = refused.value.response
    assert answer is not None
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/taxii+json")
    assert answer.json()["http_status"] == "401"
    nobody = requests.get(f"{proc.url}/taxii2/", timeout=10)
    assert nobody.status_code == 401
    with pytest.raises((requests.HTTPError, TAXIIServiceException)):
        ApiRoot(f"{proc.url}/taxii2/NO-SUCH-1999/", auth=Bearer(proc.tokens["sato"])).refresh()


def test_a_posts_status_outlives_a_restart_and_is_its_posters(make_net: MakeNet) -> None:
    net = make_net(("KOR", "JPN"))
    net.start("JPN")
    indicator = stix2.Indicator(
        name="launch site beacon",
        pattern="[ipv4-addr:value = '198.51.100.9']",
        pattern_type="stix",
        extensions={EXTENSION_ID: {"extension_type": "property-extension", "classification": "秘"}},
    )
    posted = _collection(net, "sato").add_objects(stix2.Bundle(indicator).serialize())
    net.stop("JPN")
    net.start("JPN")
    proc = net.nodes["JPN"]
    url = f"{proc.url}/taxii2/{AGREEMENT}/"
    again = ApiRoot(url, auth=Bearer(proc.tokens["sato"])).get_status(posted.id)
    assert (again.status, again.success_count, again.failure_count) == ("complete", 1, 0)
    assert [s["id"] for s in again.successes] == [indicator.id]
    with pytest.raises(requests.HTTPError) as hidden:  # another analyst's post is not theirs
        ApiRoot(url, auth=Bearer(proc.tokens["suzuki"])).get_status(posted.id)
    assert _status(hidden.value) == 404
