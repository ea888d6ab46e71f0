"""Whose password is checked next, when the node's few check slots are wanted by more.

A node checks at most a few Argon2id passwords at once (`gsomia.store.users.AT_ONCE`, ADR
0130): each holds 64 MiB and a core. An outsider guessing from many addresses held every slot
and made everyone's sign-in wait behind the guesses. Slots are now shared (ADR 0140):

* one source (a client's address) holds at most one slot; its next try waits behind others;
* a try from a source without recent failed sign-ins goes before any from a source with them,
  in the order they came;
* a try from a source with recent failures goes last, and while a try from a source without
  failures waits for a slot, it is refused at once (429, try again later) rather than wait:
  it never takes a slot a source without failures is waiting for, so such a source is never
  starved by sources with failures, however many.

Decided here from the waiting tries, the sources holding a slot and how many are free: pure,
so the same rule serves one process (`serve` on SQLite) and each of `serve --workers N`'s on
PostgreSQL, whose slots and sources are advisory locks.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

__all__ = ["Try", "Turns", "turns"]


@dataclass(frozen=True)
class Try:
    """A password check waiting for a slot: its place in arrival order, its source (empty:
    none known, such as the console: never held to one slot), and the failed sign-ins counted
    recently from that source before this try."""

    ticket: int
    source: str
    failures: int


@dataclass(frozen=True)
class Turns:
    """The tries that may take a slot now, and those refused at once (the rest wait)."""

    admitted: frozenset[int]
    refused: frozenset[int]


def turns(waiting: Sequence[Try], holding: Collection[str], free: int) -> Turns:
    """Which of `waiting` take one of the `free` slots now, given the sources `holding` one;
    and which are refused: while a try without failures that could take a slot (its source
    holds none) is left waiting, every try with failures not admitted."""
    busy = {source for source in holding if source}
    admitted: set[int] = set()
    for each in sorted(waiting, key=lambda t: (t.failures > 0, t.failures, t.ticket)):
        if len(admitted) >= free:
            break
        if each.source in busy:
            continue
        admitted.add(each.ticket)
        if each.source:
            busy.add(each.source)
    # `busy` now names every source holding or given a slot: one left out of it waits only
    # because the slots are taken.
    kept_waiting = any(
        not t.failures and t.ticket not in admitted and t.source not in busy for t in waiting
    )
    refused = {
        t.ticket for t in waiting if kept_waiting and t.failures and t.ticket not in admitted
    }
    return Turns(frozenset(admitted), frozenset(refused))
