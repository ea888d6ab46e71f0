"""The bounded scan behind every list page (`gsomia.node.paging`), over a list in memory: any
page size, any budget, any rows hidden, any ties on the time; and its cursors."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gsomia.errors import InputError
from gsomia.node.paging import Page, Place, Position, read_page

T0 = datetime(2026, 12, 3, tzinfo=UTC)


def _store(times: Sequence[int]) -> list[Place]:
    """Rows in list order: newest first, then by id descending (as the indexes read)."""
    rows = {(T0 + timedelta(seconds=t), f"r{i:03d}") for i, t in enumerate(times)}
    return sorted(rows, reverse=True)


def _fetcher(rows: list[Place], calls: list[int]):  # type: ignore[no-untyped-def]
    def fetch(after: Place | None, n: int, backward: bool) -> list[Place]:
        calls.append(n)
        ordered = rows[::-1] if backward else rows
        if after is not None:
            ordered = [r for r in ordered if (r > after if backward else r < after)]
        return ordered[:n]

    return fetch


def _page(
    rows: list[Place], hidden: set[str], position: Position, limit: int, budget: int
) -> tuple[Page[str], list[int]]:
    calls: list[int] = []
    page = read_page(
        _fetcher(rows, calls),
        lambda r: r,
        lambda r: None if r[1] in hidden else r[1],
        position,
        limit,
        budget=budget,
    )
    return page, calls


STORES = st.lists(st.integers(0, 8), max_size=40)


@given(
    times=STORES,
    hidden=st.sets(st.integers(0, 39).map(lambda i: f"r{i:03d}")),
    limit=st.integers(1, 6),
    budget=st.integers(1, 20),
)
def test_every_visible_row_once_in_order_whatever_the_budget(
    times: list[int], hidden: set[str], limit: int, budget: int
) -> None:
    rows = _store(times)
    visible = [r[1] for r in rows if r[1] not in hidden]
    seen: list[str] = []
    position, steps = Position(), 0
    while True:
        page, calls = _page(rows, hidden, position, limit, budget)
        assert len(page.rows) <= limit
        assert sum(calls) <= budget  # bounded work per page
        seen += page.rows
        steps += 1
        if page.next is None:
            break
        position = Position.parse(page.next)
        assert steps <= len(rows) + 2
    assert seen == visible


@given(
    times=STORES,
    hidden=st.sets(st.integers(0, 39).map(lambda i: f"r{i:03d}")),
    limit=st.integers(1, 6),
)
def test_previous_from_any_page_gives_the_rows_before_it(
    times: list[int], hidden: set[str], limit: int
) -> None:
    rows = _store(times)
    visible = [r[1] for r in rows if r[1] not in hidden]
    pages, position = [], Position()
    while True:
        page, _ = _page(rows, hidden, position, limit, 10_000)
        pages.append(page)
        if page.next is None:
            break
        position = Position.parse(page.next)
    assert pages[0].previous is None
    for i, page in enumerate(pages[1:], 1):
        assert page.previous is not None
        back, _ = _page(rows, hidden, Position.parse(page.previous), limit, 10_000)
        assert back.rows == pages[i - 1].rows  # a full page back lands where we were
        assert back.next is not None
    assert [r for p in pages for r in p.rows] == visible


@pytest.mark.parametrize(
    "cursor",
    ["", "garbage", "WyJ4IiwgIjIwMjYiLCAiYSJd", "WyJuIiwgIjIwMjYtMTItMDMiLCAxXQ==", "☃"],
)
def test_a_cursor_it_did_not_give_is_refused(cursor: str) -> None:
    if not cursor:
        assert Position.parse(cursor) == Position()
        return
    with pytest.raises(InputError):
        Position.parse(cursor)


def test_a_cursor_names_its_place_and_way() -> None:
    place = (T0, "r001")
    for backward in (False, True):
        assert Position.parse(Position(place, backward).cursor()) == Position(place, backward)
