"""The dashboards' agreement lines give the state this node knows, steps recorded since the
agreement shipped included: after a notice of termination they no longer say "in force"
(issue 16), as the API and the agreement page did already."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.node.node_fixtures import build_cast

from gsomia.node import agreements
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
