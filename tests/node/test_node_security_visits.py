"""Security representatives' visits through the node (Art. 18, R38): KOR's representatives
visit JPN after prior consultation of both parties, at an agreed place and scope; findings
are recorded; JPN, the host, reports how what KOR provided is protected (inventory, access
decisions, destruction records). Without consultation, nothing is agreed or reported."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from tests.node.node_fixtures import Cast

from gsomia.errors import InputError, PolicyDenied, StoreDamaged
from gsomia.node import read, security_visits
from gsomia.node.control import disposal
from gsomia.store.tables import holdings


def _plan(cast: Cast, nation: str = "JPN", **fields: Any) -> dict[str, Any]:
    node = cast[nation]
    officer = {"JPN": "tanaka", "KOR": "park"}[nation]
    now = node.clock()
    values: dict[str, Any] = {
        "visiting_party": "KOR",
        "host_party": "JPN",
        "representatives": ["Col. Choi", "Maj. Han"],
        "place": "MOD Ichigaya, Tokyo",
        "scope": "storage and destruction of provided CMI; access registers",
        "starts": now + timedelta(minutes=5),
        "ends": now + timedelta(days=2),
        **fields,
    }
    return security_visits.plan_visit(node, cast.user(nation, officer), **values)


def _held_from_kor(cast: Cast, title: str) -> str:
    item = cast.publish("KOR", "kim", title=title, precedence="ROUTINE")
    cast.release("KOR", "park", item)
    cast.deliver("KOR", "JPN")
    with cast["JPN"].engine.connect() as conn:
        return str(
            conn.execute(select(holdings.c.id).where(holdings.c.item_id == item)).scalar_one()
        )


def test_r38_an_agreed_visit_gets_its_findings_and_the_host_reports_protection(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    jpn, tanaka = cast["JPN"], cast.user("JPN", "tanaka")
    kept, destroyed = _held_from_kor(cast, "Kept"), _held_from_kor(cast, "Destroyed")
    read.read_holding(jpn, cast.user("JPN", "sato"), kept)  # allowed
    with pytest.raises(PolicyDenied):
        read.read_holding(jpn, cast.user("JPN", "suzuki"), kept)  # 秘 below 極秘: refused
    disposal.destroy(
        jpn, tanaka, destroyed, method="shredding", officials=["tanaka", "sato"], witnesses=["ito"]
    )

    visit = _plan(cast)
    assert (visit["state"], visit["agreement"]) == ("planned", "KOR-JPN-2016")
    security_visits.record_consultation(jpn, tanaka, visit["id"], party="JPN")
    agreed = security_visits.record_consultation(
        jpn, tanaka, visit["id"], party="KOR", reference="KOR note 2026-118"
    )
    assert agreed["state"] == "agreed"
    assert agreed["consultations"]["KOR"]["reference"] == "KOR note 2026-118"

    report = security_visits.protection_report(jpn, tanaka, visit["id"])
    rows = {r["holding"]: r for r in report["inventory"]}
    assert (report["provided_by"], report["held_by"]) == ("KOR", "JPN")
    assert rows[kept]["state"] == "held"
    assert rows[kept]["marking"] == "極秘"
    assert rows[kept]["decisions"]["allowed"] >= 1  # sato's read
    assert rows[kept]["decisions"]["refused"] >= 1  # suzuki's refusal
    assert rows[destroyed]["state"] == "destroyed"
    assert "shredding" in rows[destroyed]["destructions"][0]["method"]
    assert report["totals"]["destroyed"] >= 1
    assert "title" not in rows[kept]  # the report names holdings, never their content
    # A state changed in the database is never reported to the visiting party as the node's
    # (ADR 0134): a holding still held, shown "destroyed", with no destruction record.
    with jpn.engine.begin() as conn:
        conn.execute(update(holdings).where(holdings.c.id == kept).values(state="destroyed"))
    with pytest.raises(StoreDamaged, match=kept):
        security_visits.protection_report(jpn, tanaka, visit["id"])
    with jpn.engine.begin() as conn:
        conn.execute(update(holdings).where(holdings.c.id == kept).values(state="held"))

    later = jpn.clock() + timedelta(hours=1)
    monkeypatch.setattr(jpn, "clock", lambda: later)
    closed = security_visits.record_findings(
        jpn, tanaka, visit["id"], "registers complete; shredder certified"
    )
    assert (closed["state"], closed["findings"]) == (
        "closed",
        "registers complete; shredder certified",
    )
    with pytest.raises(PolicyDenied, match="findings already"):
        security_visits.record_findings(jpn, tanaka, visit["id"], "again")


def test_r38_without_prior_consultation_there_are_no_findings_and_no_report(cast: Cast) -> None:
    jpn, tanaka = cast["JPN"], cast.user("JPN", "tanaka")
    visit = _plan(cast)
    security_visits.record_consultation(jpn, tanaka, visit["id"], party="JPN")
    with pytest.raises(PolicyDenied, match="no prior consultation recorded for KOR") as refused:
        security_visits.record_findings(jpn, tanaka, visit["id"], "observed")
    assert refused.value.article == "Art. 18"
    with pytest.raises(PolicyDenied, match="not agreed after prior consultation"):
        security_visits.protection_report(jpn, tanaka, visit["id"])
    with pytest.raises(InputError, match="reference of its note"):
        security_visits.record_consultation(jpn, tanaka, visit["id"], party="KOR")
    # Agreed, but not yet begun: no findings before the visit.
    security_visits.record_consultation(jpn, tanaka, visit["id"], party="KOR", reference="n. 5")
    with pytest.raises(PolicyDenied, match="has not begun"):
        security_visits.record_findings(jpn, tanaka, visit["id"], "observed")


def test_r38_only_the_host_reports_and_only_between_the_parties(cast: Cast) -> None:
    kor, park = cast["KOR"], cast.user("KOR", "park")
    ours = _plan(cast, "KOR")  # KOR records the same visit on its side
    security_visits.record_consultation(kor, park, ours["id"], party="KOR")
    security_visits.record_consultation(kor, park, ours["id"], party="JPN", reference="JPN n. 9")
    with pytest.raises(PolicyDenied, match="only the host JPN reports"):
        security_visits.protection_report(kor, park, ours["id"])
    with pytest.raises(PolicyDenied, match="needs the role security officer"):  # an analyst
        security_visits.list_visits(cast["JPN"], cast.user("JPN", "sato"))
    with pytest.raises(InputError, match="involves JPN"):
        _plan(cast, "JPN", visiting_party="KOR", host_party="USA")
    with pytest.raises(PolicyDenied, match="would start in the past"):
        _plan(cast, starts=cast["JPN"].clock() - timedelta(days=1))
    with pytest.raises(InputError, match="agreed place and a scope"):
        _plan(cast, place=" ")
