"""The dashboards' agreement lines give the state this node knows, steps recorded since the
agreement shipped included: after a notice of termination they no longer say "in force"
(issue 16), as the API and the agreement page did already."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from tests.node.node_fixtures import build_cast
from tests.web.conftest import PASSWORD, sign_in

from gsomia.app import create_app
from gsomia.node import agreements, standing
from gsomia.node.tokens import issue_token
from gsomia.store.users import set_password
from gsomia.treaty.lifecycle import Event, EventKind, State
from gsomia.web.pages import agreement_lines

NOTICE = Event(EventKind.TERMINATION_NOTICE, date(2026, 8, 20), "note verbale 2026-08-20", "KOR")
AFTER = date(2026, 9, 1)


def test_the_dashboard_line_follows_a_recorded_notice(tmp_path: Path) -> None:
    pair = build_cast(tmp_path, ("KOR", "JPN"))
    kor = pair["KOR"]
    [before] = [line for line in agreement_lines(kor, AFTER) if line.id == "KOR-JPN-2016"]
    agreements.record_event(kor, pair.user("KOR", "park"), "KOR-JPN-2016", NOTICE)
    [after] = [line for line in agreement_lines(kor, AFTER) if line.id == "KOR-JPN-2016"]
    expected = kor.agreement("KOR-JPN-2016").status_at(AFTER).state
    assert expected is State.TERMINATION_NOTIFIED
    assert before.state != after.state
    assert after.state == expected.value


def test_after_a_notice_both_nodes_say_the_same_on_every_face(tmp_path: Path) -> None:
    """KOR's officer gives notice; once JPN's node has it, KOR's and JPN's dashboards, their
    agreement pages and their APIs all say "termination notified", with the day it takes
    effect, none of them "in force" (issue 16): `node.standing` answers for each."""
    pair = build_cast(tmp_path, ("KOR", "JPN"))
    kor, jpn = pair["KOR"], pair["JPN"]
    day = kor.clock().date()
    notice = Event(EventKind.TERMINATION_NOTICE, day, "note verbale", "KOR")
    agreements.record_event(kor, pair.user("KOR", "park"), "KOR-JPN-2016", notice)
    assert pair.deliver("KOR", "JPN") >= 1
    ends = standing.standing(kor, "KOR-JPN-2016", day).termination_effective
    assert ends is not None
    for node, officer in ((kor, "park"), (jpn, "tanaka")):
        assert standing.standing(node, "KOR-JPN-2016", day).state is State.TERMINATION_NOTIFIED
        with node.engine.begin() as conn:
            set_password(conn, officer, PASSWORD, node.vault)
        client = TestClient(create_app(node, run_worker=False))
        sign_in(client, officer)
        dashboard = client.get("/").text
        assert 'data-agreement-state="termination_notified"' in dashboard
        page = client.get("/agreements/KOR-JPN-2016").text
        assert 'data-state="termination_notified"' in page
        api = {"Authorization": f"Bearer {issue_token(node, officer)}"}
        summary = client.get("/api/v1/agreements/KOR-JPN-2016", headers=api).json()
        assert (summary["state"], summary["termination_effective"]) == (
            "termination_notified",
            ends.isoformat(),
        )
