"""What a node would decide about a holding on a later day (R44): asked before the day comes,
a notice of termination already stops new provisions then, and leaves access as it was."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from tests.node.custody_fixtures import provide
from tests.node.node_fixtures import Cast, build_cast

from gsomia.node import agreements
from gsomia.node.assembly import assemble
from gsomia.node.survival import decisions_on_day
from gsomia.store.ledger import SqlLog
from gsomia.treaty.lifecycle import Event, EventKind

NOTICE = Event(EventKind.TERMINATION_NOTICE, date(2026, 8, 20), "note verbale 2026-08-20", "KOR")
EFFECTIVE = datetime(2026, 11, 23, 12, tzinfo=UTC)  # the next anniversary (R42)


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def noticed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Cast, str]]:
    """KOR's item held by JPN since June 2026, and KOR's notice of 20 August known to both."""
    built = build_cast(tmp_path_factory.mktemp("survival"), ("KOR", "JPN"))
    clock = Clock(datetime(2026, 6, 1, 9, tzinfo=UTC))
    for node in built.nodes.values():
        node.engine.dispose()
    cast = Cast({n: assemble(node.home, clock=clock) for n, node in built.nodes.items()})
    held = provide(cast)
    clock.now = datetime(2026, 8, 20, 9, tzinfo=UTC)
    agreements.record_event(cast["KOR"], cast.user("KOR", "park"), "KOR-JPN-2016", NOTICE)
    cast.deliver("KOR", "JPN")
    yield cast, held
    for node in cast.nodes.values():
        node.engine.dispose()


@pytest.mark.parametrize(
    ("day", "reader", "provided", "read"),
    [
        (EFFECTIVE - timedelta(days=2), "sato", True, True),  # still in force
        (EFFECTIVE, "sato", False, True),  # no new provision; protection survives
        (EFFECTIVE, "suzuki", False, False),  # and the access rules are the same as before
    ],
)
def test_R44_decisions_on_a_later_day(
    noticed: tuple[Cast, str], day: datetime, reader: str, provided: bool, read: bool
) -> None:
    cast, held = noticed
    jpn = cast["JPN"]
    with jpn.engine.connect() as conn:
        before = SqlLog(conn).size()
    then = decisions_on_day(jpn, held, reader, day)
    assert (then.new_provision.allowed, then.access.allowed) == (provided, read)
    if not provided:
        assert (then.new_provision.requirement, then.new_provision.article) == ("R44", "Art. 21")
    with jpn.engine.connect() as conn:
        assert SqlLog(conn).size() == before  # asking is no request: nothing is logged
