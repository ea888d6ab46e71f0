"""The audit trail's one door (R39): who may read it is decided and logged in the node."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from tests.node.node_fixtures import Cast, build_cast

from gsomia.errors import PolicyDenied
from gsomia.node import audit_trail
from gsomia.store.ledger import SqlLog


@pytest.fixture(scope="module")
def kor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cast]:
    built = build_cast(tmp_path_factory.mktemp("trail"), ("KOR",), pin=False)
    yield built
    built["KOR"].engine.dispose()


@pytest.mark.parametrize(("name", "allowed"), [("yoon", True), ("park", True), ("kim", False)])
def test_R39_reading_the_trail_is_a_decision_logged_both_ways(
    kor: Cast, name: str, allowed: bool
) -> None:
    node, user = kor["KOR"], kor.user("KOR", name)
    reads: dict[str, Callable[[], object]] = {
        "log:decisions": lambda: audit_trail.decisions(node, user),
        "log:status": lambda: audit_trail.status(node, user),
        "log:events:0": lambda: audit_trail.events(node, user, 0, 10),
    }
    for subject, read in reads.items():
        with node.engine.connect() as conn:
            before = SqlLog(conn).size()
        if allowed:
            read()
        else:
            with pytest.raises(PolicyDenied) as refused:
                read()
            assert refused.value.article == "Art. 6(f)"
        with node.engine.connect() as conn:
            event = SqlLog(conn).entry(before)
        assert (event.actor, event.subjects, event.body["allowed"]) == (name, (subject,), allowed)
        assert event.body["action"] == "read_audit"


def test_R39_the_trail_shows_the_newest_decision_first_with_the_read_itself(kor: Cast) -> None:
    node, yoon = kor["KOR"], kor.user("KOR", "yoon")
    rows = audit_trail.decisions(node, yoon, limit=5)
    assert (rows[0]["actor"], rows[0]["action"], rows[0]["allowed"]) == ("yoon", "read_audit", True)
    assert [r["id"] for r in rows] == sorted((r["id"] for r in rows), reverse=True)
    events = audit_trail.events(node, yoon, 0, 3)
    assert [index for index, _ in events] == [0, 1, 2]
    state = audit_trail.status(node, yoon)
    assert state.origin == node.ledger.origin
    assert state.size >= 3
