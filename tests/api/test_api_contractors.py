"""The contractors routes (R33–R36) over JPN's user API: an officer records a facility, its
inspection, register, briefing and a contract with KOR's assurance, then releases a holding to
it; the contractor's person reads it; refusals answer 403 with the article."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from tests.api.api_fixtures import Site
from tests.node.node_fixtures import LAUNCH, VALID

from gsomia.store.tables import holdings
from gsomia.store.users import UserRecord, add_user, issue_token


def _people(site: Site) -> dict[str, dict[str, str]]:
    jpn = site.cast["JPN"]
    with jpn.engine.begin() as conn:
        add_user(
            conn,
            UserRecord("ono", "JPN", "極秘", VALID, (LAUNCH,), ("analyst",), True),
            jpn.clock(),
            jpn.vault,
        )
        tokens = {n: issue_token(conn, n, jpn.clock(), jpn.vault) for n in ("tanaka", "ono")}
    return {n: {"Authorization": f"Bearer {t}"} for n, t in tokens.items()}


def test_r33_the_contractor_routes_release_to_a_facility_and_its_person_reads(site: Site) -> None:
    api, headers = site.clients["JPN"], _people(site)
    officer = headers["tanaka"]
    item = site.cast.publish("KOR", "kim", title="For a contractor", precedence="ROUTINE")
    site.cast.release("KOR", "park", item)
    site.cast.deliver("KOR", "JPN")
    with site.cast["JPN"].engine.connect() as conn:
        holding = conn.execute(select(holdings.c.id).where(holdings.c.item_id == item)).scalar_one()

    facility = {
        "id": "mhi", "name": "MHI Nagoya", "clearance": "極秘", "clearance_expires": "2099-12-31",
        "security_officer": "Ito",
    }  # fmt: skip
    assert api.post("/api/v1/contractors", json=facility, headers=officer).status_code == 201
    when = (site.cast["JPN"].clock() - timedelta(days=3)).isoformat()
    inspected = api.post(
        "/api/v1/contractors/mhi/inspections",
        json={"at": when, "kind": "initial", "findings": "vault ok"},
        headers=officer,
    )
    assert inspected.status_code == 201, inspected.text
    assert (
        api.post("/api/v1/contractors/mhi/staff", json={"name": "ono"}, headers=officer).status_code
        == 201
    )
    briefed = api.post("/api/v1/contractor-staff/ono/briefing", json={}, headers=officer).json()
    assert briefed["register"][0]["briefed_at"] is not None
    contract = {
        "id": "C-1", "facility": "mhi", "partner": "KOR", "purpose": LAUNCH,
        "highest_level": "極秘", "security_clause": "",
    }  # fmt: skip
    bare = api.post("/api/v1/contracts", json=contract, headers=officer)
    assert bare.status_code == 403
    assert "security requirements clause" in bare.json()["message"]
    contract["security_clause"] = "Art. 16 security requirements"
    assert api.post("/api/v1/contracts", json=contract, headers=officer).status_code == 201
    unassured = api.post(
        "/api/v1/contracts/C-1/releases", json={"holding_id": holding}, headers=officer
    )
    assert unassured.status_code == 403
    assert "no assurance from KOR" in unassured.json()["message"]
    assured = api.post(
        "/api/v1/contracts/C-1/assurance", json={"given": True, "reference": "KOR-NSA 7"},
        headers=officer,
    )  # fmt: skip
    assert assured.json()["assurance_reference"] == "KOR-NSA 7"
    before = api.get(f"/api/v1/holdings/{holding}/content", headers=headers["ono"])
    assert before.status_code == 403
    released = api.post(
        "/api/v1/contracts/C-1/releases", json={"holding_id": holding}, headers=officer
    )
    assert released.status_code == 201, released.text
    after = api.get(f"/api/v1/holdings/{holding}/content", headers=headers["ono"])
    assert (after.status_code, after.content) == (200, b"track 1")
    # An analyst sees no contractor records.
    assert api.get("/api/v1/contractors", headers=site.auth("sato")).status_code == 403
    [listed] = api.get("/api/v1/contractors", headers=officer).json()
    assert (listed["id"], listed["contracts"]) == ("mhi", ["C-1"])
