"""The contractors page (R33–R36) in JPN's officer's own language: facilities, register and
contracts; a release the treaty refuses comes back in place with its article; an analyst does
not get the page."""

from __future__ import annotations

from datetime import date, timedelta

from tests.web.conftest import Site, csrf_of, sign_in
from tests.web.test_web_pages import holding_id  # noqa: F401 - the fixture, shared

from gsomia.node import contractors, security_visits
from gsomia.store.users import get_user


def test_r33_the_contractors_page_lists_facilities_and_refuses_a_release_in_place(
    sites: dict[str, Site],
    holding_id: str,  # noqa: F811 - the fixture imported above
) -> None:
    jpn = sites["JPN"].node
    with jpn.engine.connect() as conn:
        tanaka = get_user(conn, "tanaka", jpn.vault)
    contractors.add_facility(
        jpn, tanaka, facility_id="kawasaki", name="Kawasaki Gifu", clearance="秘",
        clearance_expires=date(2099, 12, 31), security_officer="Mori",
    )  # fmt: skip
    contractors.record_inspection(
        jpn, tanaka, "kawasaki", at=jpn.clock() - timedelta(days=1), kind="initial", findings=""
    )
    contractors.add_staff(jpn, tanaka, "kawasaki", "suzuki")
    contractors.place_contract(
        jpn, tanaka, contract_id="K-9", facility_id="kawasaki", partner="KOR",
        purpose="missile-warning", highest_level="秘", security_clause="Art. 16 clause",
    )  # fmt: skip
    client = sites["JPN"].client()
    sign_in(client, "tanaka")  # reads Japanese
    page = client.get("/contractors")
    assert page.status_code == 200
    assert "契約企業" in page.text
    assert "Kawasaki Gifu" in page.text
    assert "未説明" in page.text  # suzuki not yet briefed
    done = client.post(
        "/contractors/briefings", data={"person": "suzuki", "csrf": csrf_of(page.text)}
    )
    assert done.status_code in (200, 303)
    page = client.get("/contractors")
    assert "未説明" not in page.text
    contractors.record_assurance(jpn, tanaka, "K-9", given=True, reference="KOR-NSA")
    refused = client.post(
        "/contractors/releases",
        data={"holding": holding_id, "contract": "K-9", "csrf": csrf_of(page.text)},
    )
    assert refused.status_code == 403  # the FLASH track is 極秘; the facility is cleared to 秘
    assert 'id="action-refusal"' in refused.text
    assert "Art. 16(b)" in refused.text
    analyst = sites["JPN"].client()
    sign_in(analyst, "sato")
    assert analyst.get("/contractors").status_code == 403


def test_r38_an_agreed_security_visit_shows_on_the_control_page_with_the_hosts_report(
    sites: dict[str, Site],
    holding_id: str,  # noqa: F811 - the fixture imported above
) -> None:
    jpn = sites["JPN"].node
    with jpn.engine.connect() as conn:
        tanaka = get_user(conn, "tanaka", jpn.vault)
    now = jpn.clock()
    visit = security_visits.plan_visit(
        jpn, tanaka, visiting_party="KOR", host_party="JPN", representatives=["Col. Choi"],
        place="MOD Ichigaya", scope="storage", starts=now + timedelta(hours=1),
        ends=now + timedelta(days=1),
    )  # fmt: skip
    client = sites["JPN"].client()
    sign_in(client, "tanaka")  # reads Japanese
    page = client.get("/control").text
    assert "計画中:協議待ち" in page
    assert f"/security-visits/{visit['id']}/report" not in page  # not agreed: no report
    assert client.get(f"/security-visits/{visit['id']}/report").status_code == 403
    security_visits.record_consultation(jpn, tanaka, visit["id"], party="JPN")
    security_visits.record_consultation(jpn, tanaka, visit["id"], party="KOR", reference="n. 1")
    page = client.get("/control").text
    assert "合意済み" in page
    report = client.get(f"/security-visits/{visit['id']}/report")
    assert report.status_code == 200
    assert "保護状況報告" in report.text
    assert holding_id[:12] in report.text
    analyst = sites["JPN"].client()
    sign_in(analyst, "sato")
    assert analyst.get(f"/security-visits/{visit['id']}/report").status_code == 403
