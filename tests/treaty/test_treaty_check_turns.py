"""Whose password is checked next (ADR 0140): a table of cases and the rule's properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gsomia.treaty.check_turns import Try, turns


def _tries(*given_: tuple[str, int]) -> list[Try]:
    return [Try(n, source, failures) for n, (source, failures) in enumerate(given_)]


@pytest.mark.parametrize(
    ("waiting", "holding", "free", "admitted", "refused"),
    [
        # Nobody waits: nothing to decide.
        ([], [], 2, set(), set()),
        # Two free slots, two clean sources: both, in the order they came.
        ([("a", 0), ("b", 0)], [], 2, {0, 1}, set()),
        # A source holds one slot at most: its second try waits though a slot is free.
        ([("a", 0), ("a", 0)], [], 2, {0}, set()),
        ([("a", 0)], ["a"], 1, set(), set()),
        # No source known (the console): never held to one slot.
        ([("", 0), ("", 0)], [], 2, {0, 1}, set()),
        # One free slot: the clean try goes first, though it came after the guesser's, who
        # waits for the next (nobody clean is left waiting).
        ([("guesser", 3), ("desk", 0)], [], 1, {1}, set()),
        # Slots full and a clean try waiting: tries with failures are refused, not queued.
        ([("g1", 2), ("desk", 0), ("g2", 1)], ["g3", "g4"], 0, set(), {0, 2}),
        # Slots full, nobody clean waiting: tries with failures wait, last.
        ([("g1", 2), ("g2", 1)], ["g3", "g4"], 0, set(), set()),
        # A free slot, only guessers waiting: the one with fewer failures goes first.
        ([("g1", 5), ("g2", 1)], ["desk"], 1, {1}, set()),
        # The clean try's own source is busy: it waits for itself, not for the guesser.
        ([("desk", 0), ("g1", 1)], ["desk"], 1, {1}, set()),
        # Earlier clean tries first, then later ones; the guesser after all of them.
        ([("g", 1), ("a", 0), ("b", 0), ("c", 0)], [], 2, {1, 2}, {0}),
    ],
)
def test_who_checks_next(
    waiting: list[tuple[str, int]],
    holding: list[str],
    free: int,
    admitted: set[int],
    refused: set[int],
) -> None:
    decided = turns(_tries(*waiting), holding, free)
    assert (set(decided.admitted), set(decided.refused)) == (admitted, refused)


_SOURCES = st.sampled_from(["", "a", "b", "c", "d", "e"])
_WAITING = st.lists(st.tuples(_SOURCES, st.integers(0, 6)), max_size=12)
_HOLDING = st.lists(_SOURCES, max_size=2, unique=True)  # as the node holds them


@given(waiting=_WAITING, holding=_HOLDING, free=st.integers(0, 2))
def test_the_turns_keep_the_rules(
    waiting: list[tuple[str, int]], holding: list[str], free: int
) -> None:
    tries = _tries(*waiting)
    decided = turns(tries, holding, free)
    given_ = [t for t in tries if t.ticket in decided.admitted]
    assert len(given_) <= free
    assert not decided.admitted & decided.refused
    # A source holds one slot at most (an unknown source is not held to it).
    sources = [t.source for t in given_ if t.source] + [s for s in holding if s]
    assert len(sources) == len(set(sources))
    # A try without failures is never refused: it waits at worst.
    assert all(t.failures for t in tries if t.ticket in decided.refused)


@given(waiting=_WAITING, holding=_HOLDING, free=st.integers(0, 2))
def test_a_source_without_failures_is_never_starved_by_sources_with_them(
    waiting: list[tuple[str, int]], holding: list[str], free: int
) -> None:
    """While a try without failures that could take a slot waits, no try with failures is
    given one, and none is left waiting either: each is refused at once."""
    tries = _tries(*waiting)
    decided = turns(tries, holding, free)
    busy = {s for s in holding if s} | {t.source for t in tries if t.ticket in decided.admitted}
    clean_waiting = [
        t
        for t in tries
        if not t.failures and t.ticket not in decided.admitted and t.source not in busy
    ]
    if clean_waiting:
        assert all(not t.failures for t in tries if t.ticket in decided.admitted)
        assert {t.ticket for t in tries if t.failures} == set(decided.refused)
    # Arrival order among clean tries: one admitted never came after a clean one left
    # waiting that could have taken a slot.
    for late in (t for t in tries if t.ticket in decided.admitted and not t.failures):
        assert all(t.ticket > late.ticket for t in clean_waiting)
