"""CCEB precedence in one node: bulk work yields at its turns while FLASH work is in hand.

Each test waits on what the gate itself records (`yielded`), never on the clock: a bulk turn is
seen waiting before FLASH work ends, and seen going on once it has.
"""

from __future__ import annotations

import threading
import time

from gsomia.exchange.precedence import PrecedenceGate


def _bulk_turn(gate: PrecedenceGate) -> tuple[threading.Thread, threading.Event]:
    """A bulk worker thread that takes one turn; the event is set once it went on."""
    went_on = threading.Event()

    def turn() -> None:
        gate.yield_to_flash()
        went_on.set()

    thread = threading.Thread(target=turn, daemon=True)
    thread.start()
    return thread, went_on


def _until(condition: object, what: str) -> None:
    deadline = time.monotonic() + 10
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.001)


def test_without_flash_work_a_bulk_turn_does_not_wait() -> None:
    gate = PrecedenceGate()
    gate.yield_to_flash()
    assert gate.yielded == 0
    assert not gate.busy


def test_a_bulk_turn_waits_until_the_flash_work_in_hand_is_done() -> None:
    gate = PrecedenceGate()
    with gate.flash():
        thread, went_on = _bulk_turn(gate)
        _until(lambda: gate.yielded == 1, "the bulk turn never started waiting")
        assert not went_on.is_set()  # still waiting: FLASH is in hand
    thread.join(10)
    assert went_on.is_set()


def test_bulk_waits_for_every_flash_in_hand_not_only_the_first() -> None:
    gate = PrecedenceGate()
    gate.enter()
    gate.enter()
    thread, went_on = _bulk_turn(gate)
    _until(lambda: gate.yielded == 1, "the bulk turn never started waiting")
    gate.leave()
    assert gate.busy
    assert not went_on.is_set()
    gate.leave()
    thread.join(10)
    assert went_on.is_set()
    assert not gate.busy


def test_bulk_is_never_starved_by_flash_work_that_does_not_end() -> None:
    gate = PrecedenceGate(patience=0.05)
    gate.enter()  # never left
    thread, went_on = _bulk_turn(gate)
    thread.join(10)
    assert went_on.is_set()
    assert gate.yielded == 1
    assert gate.busy


def test_leaving_more_than_was_entered_cannot_make_the_count_negative() -> None:
    gate = PrecedenceGate()
    gate.leave(3)
    assert not gate.busy
    gate.enter()
    assert gate.busy
