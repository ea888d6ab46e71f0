"""An agreement's way into force through the nodes: domestic approvals, then the two written
notifications, in force on the later (R40, R41).

Both nodes hold KOR–JPN as it stood on signature, nothing after: each party's officer records
its domestic approval steps in its procedure's order and its Art. 21.1 notification, and the
steps reach the partner's node. Until both have notified, nothing is provided under it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from tests.node.node_fixtures import Cast, Clock, build_cast

from gsomia.errors import Conflict
from gsomia.node import agreements
from gsomia.treaty.agreements import AgreementRegistry
from gsomia.treaty.lifecycle import Event, EventKind, State

KJ = "KOR-JPN-2016"
SIGNED = Event(EventKind.SIGNED, date(2026, 11, 23), "signed at Seoul")
KOR_STEPS = ("법제처 심사", "차관회의", "국무회의", "대통령 재가")


@pytest.fixture
def signed(tmp_path: Path) -> Iterator[tuple[Cast, Clock]]:
    """KOR and JPN holding KOR–JPN as a signed agreement not yet in force."""
    clock = Clock(datetime(2026, 11, 24, 9, tzinfo=UTC))
    cast = build_cast(tmp_path, ("KOR", "JPN"), clock=clock)
    for node in cast.nodes.values():
        shipped = node.agreements
        draft = replace(shipped.get(KJ), history=(SIGNED,))
        node.agreements = AgreementRegistry({**shipped.by_id, KJ: draft})
    yield cast, clock
    for node in cast.nodes.values():
        node.engine.dispose()


def _record(cast: Cast, nation: str, kind: EventKind, on: date, step: str | None = None) -> None:
    officer = cast.user(nation, {"KOR": "park", "JPN": "tanaka"}[nation])
    event = Event(kind, on, f"{nation} {kind.value} {step or ''} {on}", nation, step=step)
    agreements.record_event(cast[nation], officer, KJ, event)


def test_domestic_approvals_are_recorded_in_order_and_reach_the_partner(
    signed: tuple[Cast, Clock],
) -> None:
    cast, _ = signed
    for day, step in enumerate(KOR_STEPS, start=24):
        _record(cast, "KOR", EventKind.DOMESTIC_APPROVAL, date(2026, 11, day), step)
    cast.deliver("KOR", "JPN")
    for nation in ("KOR", "JPN"):
        status = cast[nation].agreement(KJ).status_at(None)
        assert [s for s, _ in status.approvals["KOR"]] == list(KOR_STEPS)
        assert status.approvals["KOR"][-1][1] == date(2026, 11, 27)


def test_a_step_out_of_order_and_a_notification_before_the_approvals_are_refused(
    signed: tuple[Cast, Clock],
) -> None:
    cast, _ = signed
    with pytest.raises(Conflict, match="KOR's next step is '법제처 심사', not '국무회의'"):
        _record(cast, "KOR", EventKind.DOMESTIC_APPROVAL, date(2026, 11, 24), "국무회의")
    with pytest.raises(Conflict, match="KOR's domestic requirements are not fulfilled"):
        _record(cast, "KOR", EventKind.NOTIFICATION, date(2026, 11, 24))
    assert cast["KOR"].agreement(KJ).status_at(None).approvals == {}


def test_in_force_on_the_later_notification_and_not_before(signed: tuple[Cast, Clock]) -> None:
    cast, clock = signed
    for day, step in enumerate(KOR_STEPS, start=24):
        _record(cast, "KOR", EventKind.DOMESTIC_APPROVAL, date(2026, 11, day), step)
    _record(cast, "KOR", EventKind.NOTIFICATION, date(2026, 11, 28))
    cast.settle_all()  # each node keeps the record in date order: JPN learns KOR's steps first
    _record(cast, "JPN", EventKind.DOMESTIC_APPROVAL, date(2026, 11, 29), "閣議決定")
    cast.settle_all()
    clock.now = datetime(2026, 11, 30, 9, tzinfo=UTC)
    [early] = cast.release("KOR", "park", cast.publish("KOR", "kim"))
    assert not early.decision.allowed
    assert (early.decision.requirement, early.decision.article) == ("R40", "Art. 21.1")

    _record(cast, "JPN", EventKind.NOTIFICATION, date(2026, 12, 1))
    cast.settle_all()
    for nation in ("KOR", "JPN"):
        status = cast[nation].agreement(KJ).status_at(None)
        assert (status.state, status.entry_into_force) == (State.IN_FORCE, date(2026, 12, 1))
    [still] = cast.release("KOR", "park", cast.publish("KOR", "kim"))
    assert not still.decision.allowed  # 30 November: the later notification takes effect 1 Dec
    clock.now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    [provided] = cast.release("KOR", "park", cast.publish("KOR", "kim"))
    assert provided.decision.allowed, provided.decision.reason
