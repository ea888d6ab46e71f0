"""Every refusal the API gives has the same body: `error`, `message` and, where useful, `hint`."""

from __future__ import annotations

import pytest
from tests.api.api_fixtures import Site

from gsomia.api.errors import problem
from gsomia.errors import Conflict, Error, PolicyDenied, Unavailable


@pytest.mark.parametrize(
    ("error", "body"),
    [
        (
            Conflict("twice", hint="look first"),
            {"error": "conflict", "message": "twice", "hint": "look first"},
        ),
        (Unavailable("down"), {"error": "unavailable", "message": "down"}),
        (
            PolicyDenied("below (R19)", article="Art. 7.2"),
            {"error": "denied", "message": "below (R19)", "article": "Art. 7.2"},
        ),
    ],
)
def test_problem_bodies(error: Error, body: dict[str, str]) -> None:
    assert problem(error) == body


def test_a_schema_violation_names_the_field(site: Site) -> None:
    response = site.clients["KOR"].post(
        "/api/v1/items", json={"title": "x"}, headers=site.auth("kim")
    )
    assert response.status_code in (400, 422)
    body = response.json()
    assert body["error"] == "bad_input"
    assert "level" in body["message"]
