"""Standing release rules and batch publication through the user API (R50)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from tests.api.api_fixtures import Site


def item(n: int, feed: str | None = "radar-1", level: str = "군사III급비밀") -> dict[str, Any]:
    return {
        "title": f"radar plot {n}",
        "level": level,
        "releasable_to": ["JPN"],
        "purpose": "missile-warning",
        "text": f"plot {n}",
        "feed": feed,
    }


def rule(site: Site, **fields: Any) -> dict[str, Any]:
    until = site.cast["KOR"].clock() + timedelta(days=1)
    return {
        "feed": "radar-1",
        "to_nations": ["JPN"],
        "ceiling": "군사II급비밀",
        "purpose": "missile-warning",
        "valid_until": until.isoformat(),
        **fields,
    }


def test_a_feed_with_a_standing_rule_is_released_on_publication(site: Site) -> None:
    kor = site.clients["KOR"]
    made = kor.post("/api/v1/release-rules", json=rule(site), headers=site.auth("park"))
    assert made.status_code == 201, made.text
    assert isinstance(made.json()["id"], int)
    batch = [item(1), item(2), item(3, feed=None), item(4, level="군사I급비밀")]
    # park is cleared 군사I급비밀; an analyst cleared lower could not mark item 4 at all.
    response = kor.post("/api/v1/items:batch", json=batch, headers=site.auth("park"))
    assert response.status_code == 201, response.text
    states = [p["state"] for p in response.json()]
    # Within the rule: released at once; no feed, or above the ceiling: an officer decides.
    assert states == ["released", "released", "draft", "draft"]


@pytest.mark.parametrize(
    ("user", "fields", "status", "words"),
    [
        ("kim", {}, 403, "needs the role"),
        ("park", {"to_nations": ["KOR"]}, 400, "partner nations"),
        ("park", {"valid_until": "2020-01-01T00:00:00+00:00"}, 400, "end in the future"),
        ("park", {"ceiling": "군사IV급비밀"}, 400, "not a marking"),
    ],
    ids=["analyst", "own-nation", "expired", "unknown-ceiling"],
)
def test_release_rule_refusals(
    site: Site, user: str, fields: dict[str, Any], status: int, words: str
) -> None:
    response = site.clients["KOR"].post(
        "/api/v1/release-rules", json=rule(site, **fields), headers=site.auth(user)
    )
    assert response.status_code == status, response.text
    assert words in response.json()["message"]


def test_an_empty_batch_is_refused(site: Site) -> None:
    response = site.clients["KOR"].post("/api/v1/items:batch", json=[], headers=site.auth("kim"))
    assert response.status_code == 400
    assert "publish 1 to" in response.json()["message"]
