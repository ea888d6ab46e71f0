"""A partner marking every lone message FLASH (issue 13): within its FLASH budget each holds
the precedence gate; past it each is handled as IMMEDIATE bulk work, still received, logged
once and counted with a fixed label."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from tests.api.api_fixtures import peer_client
from tests.node.node_fixtures import Cast, build_cast, opened_answers, sealed

from gsomia.exchange.wire import CBOR, PRECEDENCE_HEADER, V2_PATH
from gsomia.node.flash_budget import FlashBudgets

BURST = 10  # the shipped KOR-JPN-2016 budget: 10 at once, 60 an hour


@pytest.fixture(scope="module")
def cast(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cast]:
    built = build_cast(tmp_path_factory.mktemp("flash-budget"), ("KOR", "JPN"))
    yield built
    for node in built.nodes.values():
        node.engine.dispose()


def test_flash_past_the_partners_budget_is_handled_as_immediate_never_dropped(
    cast: Cast, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    jpn = cast["JPN"]
    now = jpn.clock()
    monkeypatch.setattr(jpn, "clock", lambda: now)  # no refill while the test runs
    monkeypatch.setattr(jpn, "flash_budgets", FlashBudgets(jpn.metrics.flash_demoted))
    entered: list[int] = []
    real_enter = jpn.precedence.enter

    def enter() -> None:
        entered.append(1)
        real_enter()

    monkeypatch.setattr(jpn.precedence, "enter", enter)
    batches = []
    for _ in range(BURST + 3):
        item_id = cast.publish("KOR", "kim", precedence="FLASH")
        [message] = cast.queued("KOR", cast.release("KOR", "park", item_id), "JPN")
        batches.append(sealed(cast["KOR"], jpn, message))
    statuses = []
    with (
        caplog.at_level(logging.WARNING, "gsomia.precedence"),
        peer_client(jpn, cast["KOR"].card) as kor,
    ):
        for batch in batches:
            answer = kor.post(
                V2_PATH,
                content=batch,
                headers={"Content-Type": CBOR, PRECEDENCE_HEADER: "FLASH"},
            )
            statuses += [
                a["answer"]["status"] for a in opened_answers(cast["KOR"], batch, answer)["answers"]
            ]
    assert statuses == ["received"] * (BURST + 3)  # none dropped, none refused
    assert len(entered) == BURST  # only the budget jumped the queue
    demoted = jpn.metrics.registry.get_sample_value("gsomia_flash_demoted_total", {"peer": "KOR"})
    assert demoted == 3
    warnings = [r for r in caplog.records if r.name == "gsomia.precedence"]
    assert len(warnings) == 1  # once when the run began, not once a message
    assert "KOR" in warnings[0].getMessage()
    assert "handled as IMMEDIATE" in warnings[0].getMessage()
    assert not jpn.precedence.busy
