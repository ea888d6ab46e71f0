"""A security representatives' visit travels between the nodes as signed messages (R38):
the plan made on one node is recorded on the partner's, and each party's prior consultation
reaches the other with the signed message as its reference. A node that speaks for the other
party, a plan in the past, or a consultation on an unknown visit is refused and logged."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from tests.node.node_fixtures import Cast

from gsomia.exchange.kinds import Kind
from gsomia.node import security_visits
from gsomia.node.control import messages
from gsomia.store.tables import access_log
from gsomia.treaty.security_visits import ARTICLE


def _plan(cast: Cast, **fields: Any) -> dict[str, Any]:
    jpn = cast["JPN"]
    now = jpn.clock()
    values: dict[str, Any] = {
        "visiting_party": "KOR",
        "host_party": "JPN",
        "representatives": ["Col. Choi"],
        "place": "MOD Ichigaya, Tokyo",
        "scope": "storage of provided CMI",
        "starts": now + timedelta(days=1),
        "ends": now + timedelta(days=2),
        **fields,
    }
    return security_visits.plan_visit(jpn, cast.user("JPN", "tanaka"), **values)


def _visit_on(cast: Cast, nation: str, visit_id: str) -> dict[str, Any]:
    officer = {"JPN": "tanaka", "KOR": "park"}[nation]
    [found] = [
        v
        for v in security_visits.list_visits(cast[nation], cast.user(nation, officer))
        if v["id"] == visit_id
    ]
    return found


def _send(cast: Cast, sender: str, peer: str, kind: Kind, document: dict[str, Any]) -> None:
    node = cast[sender]
    with node.engine.begin() as conn:
        messages.send(conn, node, kind=kind, peer=peer, document=document, now=node.clock())
    cast.deliver(sender, peer)


def test_r38_the_plan_and_each_partys_consultation_travel_signed_between_the_nodes(
    cast: Cast,
) -> None:
    visit = _plan(cast)
    cast.deliver("JPN", "KOR")
    there = _visit_on(cast, "KOR", visit["id"])
    assert (there["visiting_party"], there["host_party"], there["place"]) == (
        "KOR",
        "JPN",
        "MOD Ichigaya, Tokyo",
    )
    assert there["state"] == "planned"
    assert [e["allowed"] for e in cast.log("KOR", visit["id"])] == [True]

    # KOR agrees on its node; JPN's node records it from KOR's signed message.
    kor, park = cast["KOR"], cast.user("KOR", "park")
    security_visits.record_consultation(kor, park, visit["id"], party="KOR")
    cast.deliver("KOR", "JPN")
    kor_said = _visit_on(cast, "JPN", visit["id"])["consultations"]["KOR"]
    assert kor_said["by"] == "park"
    assert kor_said["reference"].startswith("signed message ")
    security_visits.record_consultation(
        cast["JPN"], cast.user("JPN", "tanaka"), visit["id"], party="JPN"
    )
    cast.deliver("JPN", "KOR")
    for nation in ("KOR", "JPN"):
        agreed = _visit_on(cast, nation, visit["id"])
        assert set(agreed["consultations"]) == {"KOR", "JPN"}
        assert agreed["state"] == "agreed"


def test_r38_a_node_speaks_only_for_its_own_party_and_only_of_a_visit_it_can_plan(
    cast: Cast,
) -> None:
    visit = _plan(cast, place="JSDF Camp Asaka")
    cast.deliver("JPN", "KOR")
    # KOR's node claims JPN agreed: refused, nothing recorded, the refusal logged.
    forged = {"visit_id": visit["id"], "party": "JPN", "at": "2026-12-03T00:00:00+00:00"}
    _send(cast, "KOR", "JPN", Kind.SECURITY_VISIT_AGREED, {**forged, "by": "park"})
    assert _visit_on(cast, "JPN", visit["id"])["consultations"] == {}
    assert "cannot speak for JPN" in _refusals(cast)[-1]["reason"]
    # A consultation on a visit the partner never planned, and a plan already begun.
    unknown = {**forged, "visit_id": "no-such-visit", "party": "KOR", "by": "park"}
    _send(cast, "KOR", "JPN", Kind.SECURITY_VISIT_AGREED, unknown)
    assert "no security visit no-such-visit" in _refusals(cast)[-1]["reason"]
    now = cast["KOR"].clock()
    past = {
        "id": "kor-plan-in-the-past", "agreement_id": visit["agreement"],
        "visiting_party": "KOR", "host_party": "JPN", "representatives": ["Col. Choi"],
        "place": "MOD Ichigaya", "scope": "storage", "planned_by": "park",
        "starts": (now - timedelta(days=1)).isoformat(), "ends": now.isoformat(),
    }  # fmt: skip
    _send(cast, "KOR", "JPN", Kind.SECURITY_VISIT_PLAN, past)
    [entry] = cast.log("JPN", "kor-plan-in-the-past")
    assert (entry["allowed"], entry["article"]) == (False, f"{ARTICLE} R38")
    assert "would start in the past" in entry["reason"]


def _receipts(cast: Cast, nation: str, kind: str) -> list[dict[str, Any]]:
    with cast[nation].engine.connect() as conn:
        rows = conn.execute(
            select(access_log)
            .where(access_log.c.action == f"receive:{kind}")
            .order_by(access_log.c.id)
        )
        return [dict(row._mapping) for row in rows]


def _refusals(cast: Cast) -> list[dict[str, Any]]:
    return [e for e in _receipts(cast, "JPN", "security_visit_agreed") if not e["allowed"]]
