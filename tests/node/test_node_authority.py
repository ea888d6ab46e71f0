"""Who counts as an "authorised official" of the originator when releasing (R16, R50)."""

from __future__ import annotations

from datetime import date

import pytest
from tests.node.node_fixtures import LAUNCH, VALID, Cast

from gsomia.errors import PolicyDenied
from gsomia.store.users import UserRecord, add_user

# KOR officers who hold the officer role but are not, today, authorised officials.
OFFICERS = [
    UserRecord("off-register", "KOR", "군사I급비밀", VALID, (LAUNCH,), ("officer",), False),
    UserRecord(
        "lapsed-officer", "KOR", "군사I급비밀", date(2020, 1, 1), (LAUNCH,), ("officer",), True
    ),
]


@pytest.fixture(scope="module")
def officers(cast: Cast) -> Cast:
    node = cast["KOR"]
    with node.engine.begin() as conn:
        for record in OFFICERS:
            add_user(conn, record, node.clock())
    return cast


@pytest.mark.parametrize("officer", [o.name for o in OFFICERS])
def test_only_a_registered_cleared_officer_releases(officers: Cast, officer: str) -> None:
    item_id = officers.publish("KOR", "kim")
    try:
        outcomes = officers.release("KOR", officer, item_id)
    except PolicyDenied:
        return
    assert not any(o.decision.allowed for o in outcomes)


def test_a_registered_cleared_officer_releases(officers: Cast) -> None:
    item_id = officers.publish("KOR", "kim")
    assert all(o.decision.allowed for o in officers.release("KOR", "park", item_id))
