"""TAXII `match[...]` filters on a collection's pages and on one object, in process: only
what the filters admit is handed over and logged, and the read decision still comes first."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from tests.node.node_fixtures import LAUNCH, Cast

from gsomia.errors import NotFound
from gsomia.node import sharing, taxii
from gsomia.stix.matching import Match, match_of
from gsomia.stix.objects import EXTENSION_ID, stix_id
from gsomia.store.tables import access_log

AGREEMENT = "KOR-JPN-2016"
INDICATOR = {
    "type": "indicator",
    "spec_version": "2.1",
    "id": "indicator--7d2a4c1e-9b3f-4e5a-8c6d-1e2f3a4b5c6d",
    "created": "2026-11-29T08:00:00.000Z",
    "modified": "2026-11-29T08:00:00.000Z",
    "name": "beacon",
    "pattern": "[ipv4-addr:value = '198.51.100.7']",
    "pattern_type": "stix",
    "valid_from": "2026-11-29T08:00:00Z",
    "extensions": {EXTENSION_ID: {"classification": "군사II급비밀"}},
}


@pytest.fixture(scope="module")
def held(cast: Cast) -> dict[str, str]:
    """Two KOR reports and one indicator a KOR analyst posted over KOR's TAXII, released and
    received by JPN: the STIX id of each, by name."""
    kor, kim = cast.nodes["KOR"], cast.user("KOR", "kim")
    reports = [
        cast.publish("KOR", "kim", title=f"match {n}", content=f"m{n}".encode()) for n in range(2)
    ]
    found = taxii.collection(kor, kim, AGREEMENT, LAUNCH)
    [indicator] = taxii.post_objects(kor, kim, found, [INDICATOR]).item_ids
    for item_id in [*reports, indicator]:
        cast.release("KOR", "park", item_id)
    cast.deliver("KOR", "JPN")
    return {"r0": stix_id(reports[0]), "r1": stix_id(reports[1]), "ind": str(INDICATOR["id"])}


def _collection(cast: Cast, name: str) -> taxii.Collection:
    return taxii.collection(cast.nodes["JPN"], cast.user("JPN", name), AGREEMENT, LAUNCH)


def _matched(cast: Cast, name: str, params: dict[str, str], limit: int = 2) -> list[dict[str, Any]]:
    """Every object of every page for `params`, the filters sent with each page as a tool
    sends them."""
    node, user, found = cast.nodes["JPN"], cast.user("JPN", name), _collection(cast, name)
    match, next_ = match_of(params), None
    objects: list[dict[str, Any]] = []
    while True:
        page = taxii.objects_page(node, user, found, next_=next_, limit=limit, match=match)
        objects.extend(h.object for h in page.objects)
        if not page.more:
            return objects
        next_ = page.next


def _reads(cast: Cast, name: str) -> int:
    query = select(func.count()).where(
        access_log.c.actor == name, access_log.c.action == "read:taxii", access_log.c.allowed
    )
    with cast.nodes["JPN"].engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def test_match_type_gives_the_indicator_alone_or_every_report(
    cast: Cast, held: dict[str, str]
) -> None:
    assert [o["id"] for o in _matched(cast, "sato", {"match[type]": "indicator"})] == [held["ind"]]
    reports = _matched(cast, "sato", {"match[type]": "report"})
    assert {held["r0"], held["r1"]} <= {o["id"] for o in reports}
    assert {o["type"] for o in reports} == {"report"}


def test_match_id_hands_over_and_logs_only_the_objects_named(
    cast: Cast, held: dict[str, str]
) -> None:
    before = _reads(cast, "sato")
    got = _matched(cast, "sato", {"match[id]": f"{held['ind']},{held['r1']}"}, limit=1)
    assert sorted(o["id"] for o in got) == sorted([held["ind"], held["r1"]])
    assert _reads(cast, "sato") - before == 2


def test_match_version_and_spec_version(cast: Cast, held: dict[str, str]) -> None:
    everything = {o["id"] for o in _matched(cast, "sato", {})}
    assert {o["id"] for o in _matched(cast, "sato", {"match[version]": "last"})} == everything
    moment = {"match[version]": "2026-11-29T08:00:00Z"}
    assert [o["id"] for o in _matched(cast, "sato", moment)] == [held["ind"]]
    assert {o["id"] for o in _matched(cast, "sato", {"match[spec_version]": "2.1"})} == everything
    assert _matched(cast, "sato", {"match[spec_version]": "2.0"}) == []


def test_a_filter_shows_a_refused_reader_nothing(cast: Cast, held: dict[str, str]) -> None:
    assert _matched(cast, "suzuki", {"match[id]": held["ind"]}) == []
    assert _matched(cast, "suzuki", {"match[type]": "indicator"}) == []


def test_one_object_the_version_filter_does_not_admit_is_not_found_nor_logged(
    cast: Cast, held: dict[str, str]
) -> None:
    node, sato, found = cast.nodes["JPN"], cast.user("JPN", "sato"), _collection(cast, "sato")
    got = taxii.get_object(node, sato, found, held["ind"], match_of({"match[version]": "first"}))
    assert got.object["id"] == held["ind"]
    before = _reads(cast, "sato")
    with pytest.raises(NotFound):
        taxii.get_object(
            node, sato, found, held["ind"], match_of({"match[version]": "2020-01-01T00:00:00Z"})
        )
    with pytest.raises(NotFound):
        taxii.get_object(node, sato, found, held["r0"], Match(spec_versions=frozenset({"2.0"})))
    assert _reads(cast, "sato") == before
    assert isinstance(got, sharing.Handed)
