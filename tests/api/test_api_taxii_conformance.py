"""What TAXII 2.1 says of media types, `limit` and error bodies, at the node's HTTP edge
(ADR 0138, the audit of issue 17).

Found by the audit: a tool asking for XML or TAXII 2.0 was answered TAXII 2.1 JSON (the
specification says 406), a post in any media type was read as an envelope (415), `limit=0`
and `limit=-1` were taken as 100 and 1, and a refusal made before a route ran (the gate's 401
and 413, an unknown path's 404, DELETE's 405) came back as gsomia's or Starlette's JSON, not
as the TAXII error message a tool reads."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from tests.api.api_fixtures import Site
from tests.node.node_fixtures import LAUNCH

from gsomia.node import taxii
from gsomia.node.runtime import Node
from gsomia.stix.objects import EXTENSION_ID
from gsomia.store.tables import taxii_statuses

AGREEMENT = "KOR-JPN-2016"
TAXII = "application/taxii+json;version=2.1"


def _objects_url(site: Site) -> str:
    found = taxii.collection(site.cast["JPN"], site.cast.user("JPN", "suzuki"), AGREEMENT, LAUNCH)
    return f"/taxii2/{AGREEMENT}/collections/{found.id}/objects/"


def _is_taxii_error(answer: object, status: int) -> None:
    """`answer` is a TAXII 2.1 error message (section 3.6.1) for `status`."""
    assert answer.status_code == status, answer.text  # type: ignore[attr-defined]
    assert answer.headers["content-type"] == TAXII  # type: ignore[attr-defined]
    body = answer.json()  # type: ignore[attr-defined]
    assert body["http_status"] == str(status)
    assert isinstance(body["title"], str)
    assert body["title"]
    assert isinstance(body["description"], str)
    assert body["description"]


@pytest.mark.parametrize(
    "accept",
    [
        TAXII,
        "application/taxii+json",  # no version: the latest, 2.1
        "application/taxii+json; version=2.1; q=0.9",
        "*/*",
        "application/*",
        "text/html, */*;q=0.1",
    ],
)
def test_an_accept_that_takes_taxii_2_1_is_answered(site: Site, accept: str) -> None:
    answer = site.clients["JPN"].get(
        _objects_url(site), headers={**site.auth("suzuki"), "Accept": accept}
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == TAXII


@pytest.mark.parametrize(
    "accept",
    [
        "application/xml",
        "application/json",
        "application/taxii+json;version=2.0",
        "application/vnd.oasis.taxii+json; version=2.0",
        "application/taxii+json;version=2.1;q=0",
    ],
)
def test_an_accept_that_does_not_take_taxii_2_1_is_406(site: Site, accept: str) -> None:
    for url in ("/taxii2/", f"/taxii2/{AGREEMENT}/", _objects_url(site)):
        answer = site.clients["JPN"].get(url, headers={**site.auth("suzuki"), "Accept": accept})
        _is_taxii_error(answer, 406)


@pytest.mark.parametrize(
    "content_type", ["application/json", "text/plain", "application/taxii+json;version=2.0", None]
)
def test_a_post_not_in_taxii_2_1_is_415_and_takes_nothing_in(
    site: Site, content_type: str | None
) -> None:
    api, node = site.clients["JPN"], site.cast["JPN"]
    obj = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--0f3c2b1a-9e8d-4c7b-a6f5-e4d3c2b1a098",
        "created": "2026-11-30T08:00:00.000Z",
        "modified": "2026-11-30T08:00:00.000Z",
        "pattern": "[ipv4-addr:value = '198.51.100.8']",
        "pattern_type": "stix",
        "valid_from": "2026-11-30T08:00:00Z",
        "extensions": {EXTENSION_ID: {"classification": "秘"}},
    }
    headers = {**site.auth("sato"), "Accept": TAXII}
    if content_type is not None:
        headers["Content-Type"] = content_type
    before = len(taxii_statuses_of(node))
    answer = api.post(_objects_url(site), content=json.dumps({"objects": [obj]}), headers=headers)
    _is_taxii_error(answer, 415)
    assert len(taxii_statuses_of(node)) == before  # nothing taken in, no status kept


def taxii_statuses_of(node: Node) -> list[str]:
    with node.engine.connect() as conn:
        return list(conn.execute(select(taxii_statuses.c.id)).scalars())


@pytest.mark.parametrize("limit", ["0", "-1", "1.5", "ten"])
def test_a_limit_that_is_not_a_positive_whole_number_is_400(site: Site, limit: str) -> None:
    for endpoint in ("objects/", "manifest/"):
        url = _objects_url(site).removesuffix("objects/") + endpoint
        answer = site.clients["JPN"].get(url, params={"limit": limit}, headers=site.auth("suzuki"))
        _is_taxii_error(answer, 400)
        assert "limit" in answer.json()["description"]


def test_refusals_made_before_a_route_runs_are_taxii_error_messages(site: Site) -> None:
    api, url = site.clients["JPN"], _objects_url(site)
    posting = {"Content-Type": TAXII, "Accept": TAXII}
    # The gate: credentials asked before a body is read, and the body's cap.
    wrong = api.post(
        url, content=b'{"objects":[]}', headers={**posting, "Authorization": "Bearer no"}
    )
    _is_taxii_error(wrong, 401)
    assert wrong.headers["www-authenticate"].startswith("Basic")
    big = api.post(url, content=b"x" * (9 << 20), headers={**posting, **site.auth("sato")})
    _is_taxii_error(big, 413)
    # Routing: a path no TAXII resource has, a method no TAXII resource takes.
    _is_taxii_error(api.get(f"/taxii2/{AGREEMENT}/no/such/", headers=site.auth("sato")), 404)
    gone = api.delete(url, headers=site.auth("sato"))
    _is_taxii_error(gone, 405)
    assert "GET" in gone.headers["allow"]  # Starlette names the first route's methods only
    # The rest of the node answers as it did.
    assert api.get("/api/v1/no/such", headers=site.auth("sato")).json().get("detail") == "Not Found"


def test_date_added_headers_name_the_first_and_last_object_handed_over(site: Site) -> None:
    """X-TAXII-Date-Added-First/Last (TAXII 2.1 sections 5.4-5.7) are the `date_added` of
    the first and last object of the answer, as its manifest says them (no test asked before
    the audit)."""
    cast, api = site.cast, site.clients["JPN"]
    for n in range(3):
        item_id = cast.publish("KOR", "kim", title=f"track {n}", content=f"t{n}".encode())
        cast.release("KOR", "park", item_id)
        cast.deliver("KOR", "JPN")  # one at a time: a batch is received at one moment
    url, headers = _objects_url(site), {**site.auth("sato"), "Accept": TAXII}
    manifest_url = url.removesuffix("objects/") + "manifest/"
    # The reports alone: the definitions before each have its date_added (ADR 0144).
    reports = {"limit": "2", "match[type]": "report"}
    entries = api.get(manifest_url, params=reports, headers=headers).json()["objects"]
    assert len(entries) == 2
    assert entries[0]["date_added"] < entries[1]["date_added"]
    for answer in (
        api.get(url, params=reports, headers=headers),
        api.get(manifest_url, params=reports, headers=headers),
    ):
        assert answer.headers["X-TAXII-Date-Added-First"] == entries[0]["date_added"]
        assert answer.headers["X-TAXII-Date-Added-Last"] == entries[1]["date_added"]
    one = entries[1]["id"]
    for answer in (
        api.get(f"{url}{one}/", headers=headers),
        api.get(f"{url}{one}/versions/", headers=headers),
    ):
        assert answer.status_code == 200, answer.text
        assert answer.headers["X-TAXII-Date-Added-First"] == entries[1]["date_added"]
        assert answer.headers["X-TAXII-Date-Added-Last"] == entries[1]["date_added"]
    later = api.get(url, params={"added_after": entries[0]["date_added"]}, headers=headers)
    assert later.headers["X-TAXII-Date-Added-First"] == entries[1]["date_added"]
    refused = api.get(url, headers={**site.auth("suzuki"), "Accept": TAXII})
    assert refused.json() == {"more": False}
    assert "X-TAXII-Date-Added-First" not in refused.headers


def test_a_posts_status_names_each_object_taken_in_at_its_own_version(site: Site) -> None:
    """A status's `successes` are status details whose `version` is the object's (TAXII 2.1
    section 4.3.1: its `modified`, else `created`), not the moment of the post (found by the
    audit: every success named the post's own time)."""
    version = "2026-11-29T06:30:00.000Z"
    obj = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--5d0b4c6e-2f1a-4e8b-9c3d-7a6f5e4d3c2b",
        "created": "2026-11-28T06:30:00.000Z",
        "modified": version,
        "pattern": "[ipv4-addr:value = '198.51.100.12']",
        "pattern_type": "stix",
        "valid_from": "2026-11-28T06:30:00Z",
        "extensions": {EXTENSION_ID: {"classification": "秘"}},
    }
    headers = {**site.auth("sato"), "Content-Type": TAXII, "Accept": TAXII}
    for _ in range(2):  # taken in, then already taken in: a success at the same version
        answer = site.clients["JPN"].post(
            _objects_url(site), content=json.dumps({"objects": [obj]}), headers=headers
        )
        assert answer.status_code == 202, answer.text
        assert answer.json()["successes"] == [{"id": obj["id"], "version": version}]
