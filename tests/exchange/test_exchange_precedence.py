"""CCEB precedence in one node: bulk work yields at its turns while FLASH work is in hand.

Each test waits on a signal the gate gives (`WatchedGate.waiting`), never on the clock: a bulk
turn is seen waiting before FLASH work ends, and seen going on once it has.
"""

from __future__ import annotations

import sys
import threading

from gsomia.exchange.precedence import FLASH_SWITCH, PATIENCE, PrecedenceGate


class WatchedGate(PrecedenceGate):
    """The gate with a signal the tests wait on: set when a bulk turn finds FLASH in hand."""

    def __init__(self, patience: float = PATIENCE) -> None:
        super().__init__(patience)
        self.waiting = threading.Event()

    def yield_to_flash(self) -> None:
        if self.busy:
            self.waiting.set()
        super().yield_to_flash()


def _bulk_turn(gate: PrecedenceGate) -> tuple[threading.Thread, threading.Event]:
    """A bulk worker thread that takes one turn; the event is set once it went on."""
    went_on = threading.Event()

    def turn() -> None:
        gate.yield_to_flash()
        went_on.set()

    thread = threading.Thread(target=turn, daemon=True)
    thread.start()
    return thread, went_on


def test_without_flash_work_a_bulk_turn_does_not_wait() -> None:
    gate = PrecedenceGate()
    gate.yield_to_flash()
    assert gate.yielded == 0
    assert not gate.busy


def test_a_bulk_turn_waits_until_the_flash_work_in_hand_is_done() -> None:
    gate = WatchedGate()
    with gate.flash():
        thread, went_on = _bulk_turn(gate)
        assert gate.waiting.wait(10), "the bulk turn never met the FLASH work"
        assert not went_on.is_set()  # still waiting: FLASH is in hand
    thread.join(10)
    assert went_on.is_set()


def test_bulk_waits_for_every_flash_in_hand_not_only_the_first() -> None:
    gate = WatchedGate()
    gate.enter()
    gate.enter()
    thread, went_on = _bulk_turn(gate)
    assert gate.waiting.wait(10), "the bulk turn never met the FLASH work"
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


def test_flash_in_hand_shortens_the_gil_hand_over_until_the_last_flash_work_leaves() -> None:
    normal = sys.getswitchinterval()
    first, second = PrecedenceGate(), PrecedenceGate()  # two nodes in one process
    first.enter()
    second.enter()
    assert sys.getswitchinterval() == min(normal, FLASH_SWITCH)
    first.leave()
    assert sys.getswitchinterval() == min(normal, FLASH_SWITCH)  # the other still has FLASH
    second.leave(5)  # leaving more than was entered changes nothing more
    assert sys.getswitchinterval() == normal
    second.leave()
    assert sys.getswitchinterval() == normal
