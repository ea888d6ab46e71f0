"""Found by the attack: `GET /api/v1/notices` and `/notices/{id}` answered any person, of any
role or clearance, an expired one included, every classification notice: which item, its
level before and after, its holders and who issued it. Titles and levels are information
(issue 13); notices are for officers, release authorities and auditors (R14)."""

from __future__ import annotations

from tests.api.api_fixtures import Site


def test_notices_are_listed_for_officers_and_auditors_only(site: Site) -> None:
    api = site.clients["KOR"]
    for name in ("park", "yoon"):  # an officer, an auditor
        assert api.get("/api/v1/notices", headers=site.auth(name)).status_code == 200
    refused = api.get("/api/v1/notices", headers=site.auth("kim"))  # an analyst
    assert refused.status_code == 403
    assert refused.json()["article"] == "Art. 6(g)"
    one = api.get("/api/v1/notices/any-notice", headers=site.auth("kim"))
    assert one.status_code == 403
    assert api.get("/api/v1/notices/any-notice", headers=site.auth("park")).status_code == 404
