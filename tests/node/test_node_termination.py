"""After KOR–JPN terminates, nothing new is provided and everything exchanged stays protected (R44).

KOR provides items to JPN on 1 June 2026, gives notice of termination on 20 August (effective
at the 23 November anniversary, R42), and the nodes' clocks then move to 1 December 2026. Access
control, the third-party prohibition, classification changes, copies and destruction keep
working on the items already held; a new provision is refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.node.custody_fixtures import provide
from tests.node.node_fixtures import LAUNCH, Cast, build_cast

from gsomia.errors import PolicyDenied
from gsomia.node import agreements, read
from gsomia.node.assembly import assemble
from gsomia.node.control import copies, disposal, inventory
from gsomia.node.runtime import Node
from gsomia.store.tables import destructions
from gsomia.treaty.classification import ClassificationNotice, may_apply_notice
from gsomia.treaty.consent import Consent
from gsomia.treaty.decisions import may_release_onward
from gsomia.treaty.lifecycle import Event, EventKind, State

AGREEMENT = "KOR-JPN-2016"
NOTICE = Event(EventKind.TERMINATION_NOTICE, date(2026, 8, 20), "note verbale 2026-08-20", "KOR")
AFTER = datetime(2026, 12, 1, 9, tzinfo=UTC)


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Terminated:
    cast: Cast
    clock: Clock
    held: list[str]


@pytest.fixture(scope="module")
def terminated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Terminated]:
    root: Path = tmp_path_factory.mktemp("termination")
    built = build_cast(root)
    clock = Clock(datetime(2026, 6, 1, 9, tzinfo=UTC))
    nodes: dict[str, Node] = {}
    for nation, node in built.nodes.items():
        node.engine.dispose()
        nodes[nation] = assemble(node.home, clock=clock)
    cast = Cast(nodes)
    held = [provide(cast, content=f"track {n}".encode()) for n in range(4)]
    clock.now = datetime(2026, 8, 20, 9, tzinfo=UTC)
    agreements.record_event(cast["KOR"], cast.user("KOR", "park"), AGREEMENT, NOTICE)
    cast.deliver("KOR", "JPN")
    clock.now = AFTER
    yield Terminated(cast, clock, held)
    for node in nodes.values():
        node.engine.dispose()


def test_the_agreement_has_terminated_on_both_sides(terminated: Terminated) -> None:
    for nation in ("KOR", "JPN"):
        status = terminated.cast[nation].agreement(AGREEMENT).status_at(AFTER.date())
        assert status.state is State.TERMINATED
        assert status.termination_effective == date(2026, 11, 23)


def test_no_new_provision_after_termination(terminated: Terminated) -> None:
    cast = terminated.cast
    item_id = cast.publish("KOR", "kim", content=b"too late")
    [outcome] = cast.release("KOR", "park", item_id)
    assert not outcome.decision.allowed
    assert (outcome.decision.requirement, outcome.decision.article) == ("R44", "Art. 21")
    assert "terminated" in outcome.decision.reason


def test_access_control_still_applies(terminated: Terminated) -> None:
    cast, [held, *_] = terminated.cast, terminated.held
    _, content, decision = read.read_holding(cast["JPN"], cast.user("JPN", "sato"), held)
    assert (content, decision.allowed) == (b"track 0", True)
    with pytest.raises(PolicyDenied, match="clearance below") as caught:
        read.read_holding(cast["JPN"], cast.user("JPN", "suzuki"), held)
    assert caught.value.article == "Art. 7.2"


def test_the_third_party_prohibition_still_applies(terminated: Terminated) -> None:
    cast, held = terminated.cast, terminated.held[1]
    jpn = cast["JPN"]
    holding = read.treaty_holding(jpn, read.holding_row(jpn, held))
    with_usa = jpn.agreement_with("USA", AFTER)
    refused = may_release_onward(holding, "USA", None, with_usa, AFTER)
    assert (refused.allowed, refused.requirement) == (False, "R12")
    consent = Consent(
        "consent-1",
        "KOR",
        "JPN",
        "USA",
        LAUNCH,
        AFTER + timedelta(days=30),
        item_ids=frozenset({holding.item.id}),
        verified=True,
    )
    allowed = may_release_onward(holding, "USA", consent, with_usa, AFTER)
    assert allowed.allowed, allowed.reason


def test_classification_changes_still_apply(terminated: Terminated) -> None:
    cast, held = terminated.cast, terminated.held[2]
    jpn = cast["JPN"]
    holding = read.treaty_holding(jpn, read.holding_row(jpn, held))
    kor_scheme = jpn.schemes.scheme("KOR", at=AFTER.date())
    notice = ClassificationNotice(
        "notice-1",
        holding.item.id,
        "KOR",
        holding.item.level,
        kor_scheme.parse("군사III급비밀"),
        AFTER - timedelta(hours=1),
        AFTER - timedelta(hours=1),
        "park",
        verified=True,
    )
    agreement = jpn.agreement(AGREEMENT)
    assert may_apply_notice(holding, notice, agreement, AFTER).allowed
    unverified = ClassificationNotice(
        "notice-2",
        holding.item.id,
        "KOR",
        holding.item.level,
        kor_scheme.parse("군사III급비밀"),
        AFTER - timedelta(hours=1),
        AFTER - timedelta(hours=1),
        "park",
    )
    refused = may_apply_notice(holding, unverified, agreement, AFTER)
    assert not refused.allowed
    assert "signature has not verified" in refused.reason


def test_copies_and_destruction_records_still_work(terminated: Terminated) -> None:
    cast, held = terminated.cast, terminated.held[3]
    jpn = cast["JPN"]
    [copy] = copies.make_copies(jpn, cast.user("JPN", "sato"), held)
    with pytest.raises(PolicyDenied, match="without disposition"):
        disposal.destroy(
            jpn, cast.user("JPN", "tanaka"), held, method="burning", officials=["tanaka", "sato"]
        )
    record = disposal.destroy(
        jpn,
        cast.user("JPN", "tanaka"),
        held,
        method="burning",
        officials=["tanaka", "sato"],
        witnesses=["yamada"],
        dispose_dependants=True,
    )
    assert record["at"] == AFTER.isoformat()
    assert record["covers"] == [copy.id]
    with jpn.engine.connect() as conn:
        rows = conn.execute(select(destructions).where(destructions.c.item_id == record["item_id"]))
        assert {r.subject_id for r in rows} == {held, copy.id}
    with pytest.raises(PolicyDenied, match="destroyed"):
        read.read_holding(jpn, cast.user("JPN", "sato"), held)
    found = inventory.inventory(jpn, cast.user("JPN", "tanaka"), held)
    assert [e.kind.value for e in found.chain] == ["received", "copied", "destroyed", "destroyed"]
