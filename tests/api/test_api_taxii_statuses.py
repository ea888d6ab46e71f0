"""Found by the attack: what a TAXII post leaves in the node's memory, and what its body does.

Each post's status was kept whole for the last 1,000 posts, with every refused object's id
as the poster wrote it: a reader (no right to publish at all) posting 1,000 objects with ids
of 7,000 characters left 7 MB a post, and 1,000 posts 7 GB. A refused object's id is now kept
cut to what a STIX id can be, and the statuses kept are bounded in bytes. An envelope nested
past the parser's depth was a server error (RecursionError); it is bad input."""

from __future__ import annotations

import json

from tests.api.api_fixtures import Site
from tests.node.node_fixtures import LAUNCH

from gsomia.api import taxii as taxii_api
from gsomia.node import taxii

AGREEMENT = "KOR-JPN-2016"


def _objects_url(site: Site) -> str:
    node = site.cast["JPN"]
    found = taxii.collection(node, site.cast.user("JPN", "suzuki"), AGREEMENT, LAUNCH)
    return f"/taxii2/{AGREEMENT}/collections/{found.id}/objects/"


def _kept_bytes(site: Site) -> list[int]:
    kept = site.clients["JPN"].app.state.taxii_statuses  # type: ignore[attr-defined]
    return [len(json.dumps(status)) for _, status, _ in kept.values()]


def test_a_posts_status_keeps_no_more_than_a_stix_id_of_each_refused_object(site: Site) -> None:
    api, headers = (
        site.clients["JPN"],
        {
            **site.auth("suzuki"),
            "Content-Type": "application/taxii+json;version=2.1",
        },
    )
    garbage = {"objects": [{"type": "indicator", "id": "x" * 7000} for _ in range(1000)]}
    body = json.dumps(garbage)
    assert len(body) < taxii_api.MAX_ENVELOPE
    for _ in range(3):
        answer = api.post(_objects_url(site), content=body, headers=headers)
        assert answer.status_code == 202, answer.text
        assert answer.json()["failure_count"] == 1000
    kept = _kept_bytes(site)
    assert len(kept) >= 3
    assert max(kept) < 1 << 20  # 1,000 refusals, each a STIX id's length at most
    assert sum(kept) <= taxii_api.STATUSES_BYTES


def test_an_envelope_nested_past_the_parsers_depth_is_bad_input(site: Site) -> None:
    api = site.clients["JPN"]
    deep = '{"objects": ' + "[" * 100_000 + "]" * 100_000 + "}"
    answer = api.post(_objects_url(site), content=deep, headers=site.auth("suzuki"))
    assert answer.status_code == 400
