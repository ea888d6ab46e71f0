"""Every R39 event is written to the node's log under its own kind, by the node's use cases.

R39 names the events: access decision, transfer, receipt, copy, translation, classification
change, consent creation or revocation, destruction and loss report. One item's way from KOR to
JPN runs through each; the test reads the Merkle log leaves (what checkpoints sign) on both
nodes and finds every kind, each on the subject it concerns. A refusal stays a decision.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.node.consent_fixtures import deliver, granted, provided
from tests.node.node_fixtures import Cast, build_cast

from gsomia.errors import PolicyDenied
from gsomia.ledger.events import EventKind, LogEvent
from gsomia.node import read
from gsomia.node.control import consent_decisions, disposal, loss_report
from gsomia.node.control.copies import make_copies, translate
from gsomia.node.control.notices import reclassify
from gsomia.store.merkle_log import log_leaves

R39 = {
    EventKind.DECISION,
    EventKind.TRANSFER,
    EventKind.RECEIPT,
    EventKind.COPY,
    EventKind.TRANSLATION,
    EventKind.CLASSIFICATION_CHANGE,
    EventKind.CONSENT,
    EventKind.DESTRUCTION,
    EventKind.COMPROMISE,
}


@pytest.fixture(scope="module")
def trio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cast]:
    built = build_cast(Path(tmp_path_factory.mktemp("r39")))
    yield built
    for node in built.nodes.values():
        node.engine.dispose()


def events(cast: Cast, nation: str) -> list[LogEvent]:
    with cast[nation].engine.connect() as conn:
        rows = conn.execute(select(log_leaves.c.entry).order_by(log_leaves.c.idx)).scalars()
        return [LogEvent.decode(row) for row in rows]


def kinds_about(cast: Cast, nation: str, subject: str) -> set[EventKind]:
    return {e.kind for e in events(cast, nation) if subject in e.subjects}


def test_every_r39_event_is_logged_under_its_kind(trio: Cast) -> None:
    jpn, sato, tanaka = trio["JPN"], trio.user("JPN", "sato"), trio.user("JPN", "tanaka")
    item_id, held = provided(trio)
    read.read_holding(jpn, sato, held)
    [copy] = make_copies(jpn, sato, held)
    translation = translate(
        jpn, sato, held, translator="sato", language="ja", source_language="ko", content="航跡"
    )
    case_id = granted(trio, held)
    consent_decisions.revoke(trio["KOR"], trio.user("KOR", "park"), case_id, "no longer needed")
    reclassify(
        trio["KOR"], trio.user("KOR", "park"), item_id, change="downgrade", level="군사III급비밀"
    )
    deliver(trio, "KOR", "JPN")
    loss_report.report(jpn, sato, held, "a copy left in a meeting room", actual=False)
    disposal.destroy(
        jpn, tanaka, held, method="shredding", officials=["tanaka"], dispose_dependants=True
    )

    kor_item = kinds_about(trio, "KOR", item_id)
    assert {EventKind.PUBLICATION, EventKind.RELEASE, EventKind.TRANSFER} <= kor_item
    assert EventKind.CLASSIFICATION_CHANGE in kor_item
    assert EventKind.CONSENT in kinds_about(trio, "KOR", case_id)
    jpn_holding = kinds_about(trio, "JPN", held)
    assert {EventKind.DECISION, EventKind.COPY, EventKind.TRANSLATION} <= jpn_holding
    assert EventKind.DESTRUCTION in jpn_holding
    # The holder's copies follow the originator's notice, each a classification change.
    assert EventKind.CLASSIFICATION_CHANGE in kinds_about(trio, "JPN", copy.id)
    assert EventKind.RECEIPT in kinds_about(trio, "JPN", item_id)
    assert EventKind.COMPROMISE in {e.kind for e in events(trio, "JPN")}
    assert {copy.id, translation.id} <= {s for e in events(trio, "JPN") for s in e.subjects}
    logged = {e.kind for nation in ("KOR", "JPN") for e in events(trio, nation)}
    assert logged >= R39, sorted(R39 - logged)


def test_a_refused_copy_is_logged_as_a_decision_not_as_a_copy(trio: Cast) -> None:
    jpn, suzuki = trio["JPN"], trio.user("JPN", "suzuki")  # 秘: below the holding's 極秘
    _, held = provided(trio)
    with pytest.raises(PolicyDenied):
        make_copies(jpn, suzuki, held)
    refused = [e for e in events(trio, "JPN") if held in e.subjects and e.actor == "suzuki"]
    assert refused
    assert {e.kind for e in refused} == {EventKind.DECISION}
    assert all(not e.body["allowed"] for e in refused)
