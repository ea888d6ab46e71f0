"""What a TAXII post's status keeps, and who reads it (ADR 0118).

Found by the attack: each post's status was kept whole for the last 1,000 posts, with every
refused object's id as the poster wrote it: a reader (no right to publish at all) posting
1,000 objects with ids of 7,000 characters left 7 MB a post, and 1,000 posts 7 GB. A refused
object's id is now kept cut to what a STIX id can be, and the statuses kept (in the database
since ADR 0118) are bounded in bytes. An envelope nested past the parser's depth was a server
error (RecursionError); it is bad input. A status is read by its poster and by a security
officer; to anyone else it does not exist."""

from __future__ import annotations

import json

from sqlalchemy import select
from tests.api.api_fixtures import Site
from tests.node.node_fixtures import LAUNCH

from gsomia.api import taxii as taxii_api
from gsomia.node import taxii
from gsomia.stix.objects import EXTENSION_ID
from gsomia.store import taxii_statuses
from gsomia.store.tables import taxii_statuses as statuses_table
from gsomia.store.users import issue_token

AGREEMENT = "KOR-JPN-2016"


def _objects_url(site: Site) -> str:
    node = site.cast["JPN"]
    found = taxii.collection(node, site.cast.user("JPN", "suzuki"), AGREEMENT, LAUNCH)
    return f"/taxii2/{AGREEMENT}/collections/{found.id}/objects/"


def _kept_bytes(site: Site) -> list[int]:
    with site.cast["JPN"].engine.connect() as conn:
        bodies = conn.execute(select(statuses_table.c.body)).scalars()
        return [len(json.dumps(body, ensure_ascii=False)) for body in bodies]


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
    assert sum(kept) <= taxii_statuses.KEPT_BYTES


def test_an_envelope_nested_past_the_parsers_depth_is_bad_input(site: Site) -> None:
    api = site.clients["JPN"]
    deep = '{"objects": ' + "[" * 100_000 + "]" * 100_000 + "}"
    headers = {**site.auth("suzuki"), "Content-Type": "application/taxii+json;version=2.1"}
    answer = api.post(_objects_url(site), content=deep, headers=headers)
    assert answer.status_code == 400


INDICATOR = {
    "type": "indicator",
    "spec_version": "2.1",
    "id": "indicator--3a7c9e1b-5d2f-4a8b-9c0d-1e2f3a4b5c6e",
    "created": "2026-11-30T08:00:00.000Z",
    "modified": "2026-11-30T08:00:00.000Z",
    "name": "beacon",
    "pattern": "[ipv4-addr:value = '198.51.100.7']",
    "pattern_type": "stix",
    "valid_from": "2026-11-30T08:00:00Z",
}


def test_a_status_is_read_by_its_poster_and_an_officer_and_no_one_else(site: Site) -> None:
    api, node = site.clients["JPN"], site.cast["JPN"]
    with node.engine.begin() as conn:
        for name in ("tanaka", "nakamura"):  # JPN's officer; an analyst of another community
            site.tokens[name] = issue_token(conn, name, node.clock(), node.vault)
    found = taxii.collection(node, site.cast.user("JPN", "sato"), AGREEMENT, LAUNCH)
    url = f"/taxii2/{AGREEMENT}/collections/{found.id}/objects/"
    marked = {**INDICATOR, "extensions": {EXTENSION_ID: {"classification": "秘"}}}
    headers = {**site.auth("sato"), "Content-Type": "application/taxii+json;version=2.1"}
    posted = api.post(url, content=json.dumps({"objects": [marked]}), headers=headers)
    assert posted.status_code == 202, posted.text
    status = posted.json()
    assert (status["status"], status["success_count"]) == ("complete", 1)
    where = f"/taxii2/{AGREEMENT}/status/{status['id']}/"
    for reader in ("sato", "tanaka"):  # the poster; a security officer
        answer = api.get(where, headers=site.auth(reader))
        assert answer.status_code == 200, (reader, answer.text)
        assert answer.json() == status
    assert "officer" in site.cast.user("JPN", "tanaka").roles
    for other in ("suzuki", "nakamura"):  # analysts who did not post it
        assert api.get(where, headers=site.auth(other)).status_code == 404
    elsewhere = f"/taxii2/JPN-USA-2007/status/{status['id']}/"
    assert api.get(elsewhere, headers=site.auth("sato")).status_code == 404
