"""Lists in pages (issue 14, ADR 0095): read in index order from a cursor, filtered on the row
as the person sees it; paging through every page yields the visible set, each row once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, select
from tests.node.node_fixtures import LAUNCH, VALID, Cast
from tests.store.store_fixtures import NOW, holding

from gsomia.node import listing
from gsomia.node.paging import Page, Position
from gsomia.node.read import HoldingView
from gsomia.store import holdings
from gsomia.store.tables import holdings as holdings_table
from gsomia.store.users import UserRecord, add_user
from gsomia.treaty.listing import ListFilter

#: A JPN security officer cleared only 秘: sees that 極秘 holdings exist, not what they are.
ITO = UserRecord("ito", "JPN", "秘", VALID, (LAUNCH,), ("officer",), True)
PEOPLE = ("sato", "tanaka", "ito", "nakamura", "suzuki")
COUNT = 45


def _record(i: int) -> holdings.HoldingRecord:
    # Three to a minute: rows that tie on the time are ordered by id.
    return holding(
        f"page-{i:03d}",
        f"KOR-page-{i:03d}",
        received_at=NOW - timedelta(days=30) + timedelta(minutes=i // 3),
        precedence=("FLASH", "ROUTINE", "PRIORITY")[i % 3],
        purpose=LAUNCH if i % 4 else "logistics",  # sato may not know of these; tanaka redacted
        title=f"Track {i} {'Launch' if i % 5 == 0 else 'survey'}",
    )


@pytest.fixture(scope="module")
def jpn(cast: Cast) -> Cast:
    node = cast["JPN"]
    with node.engine.begin() as conn:
        add_user(conn, ITO, node.clock(), node.vault)
        holdings.add_all(conn, [_record(i) for i in range(COUNT)], node.vault)
    return cast


def _visible(cast: Cast, name: str, wanted: ListFilter) -> list[str]:
    """The rows a person sees through this filter, decided row by row over the whole table."""
    node, user = cast["JPN"], cast.user("JPN", name)
    with node.reader.connect() as conn:
        every = holdings.newest(conn, node.vault)
    asker = listing._asker(node, user)
    return [r.id for r in every if listing._holding_row(node, asker, wanted, r) is not None]


def _forward(cast: Cast, name: str, wanted: ListFilter, limit: int) -> list[list[str]]:
    pages, position = [], Position()
    while True:
        page = listing.holdings_page(cast["JPN"], cast.user("JPN", name), wanted, position, limit)
        pages.append([view.id for view, _ in page.rows])
        if page.next is None:
            return pages
        position = Position.parse(page.next)


FILTERS = st.builds(
    ListFilter,
    precedence=st.sampled_from([None, "FLASH", "ROUTINE"]),
    purpose=st.sampled_from([None, LAUNCH, "logistics"]),
    partner=st.sampled_from([None, "KOR", "USA"]),
    state=st.sampled_from([None, "held", "destroyed"]),
    text=st.sampled_from([None, "launch", "TRACK 1", "nothing"]),
    level=st.sampled_from([None, "極秘", "秘"]),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=st.sampled_from(PEOPLE), wanted=FILTERS, limit=st.integers(1, 12))
def test_paging_yields_the_visible_set_once_each_in_order(
    jpn: Cast, name: str, wanted: ListFilter, limit: int
) -> None:
    pages = _forward(jpn, name, wanted, limit)
    assert all(len(page) <= limit for page in pages)
    assert [row for page in pages for row in page] == _visible(jpn, name, wanted)


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=st.sampled_from(PEOPLE[:3]), limit=st.integers(1, 9))
def test_previous_pages_lead_back_to_the_first(jpn: Cast, name: str, limit: int) -> None:
    node, user = jpn["JPN"], jpn.user("JPN", name)
    forward: list[Page[tuple[HoldingView, bool]]] = [listing.holdings_page(node, user, limit=limit)]
    while forward[-1].next is not None:
        forward.append(
            listing.holdings_page(
                node, user, position=Position.parse(forward[-1].next), limit=limit
            )
        )
    page = forward[-1]
    back = [[v.id for v, _ in page.rows]]
    while page.previous is not None:
        page = listing.holdings_page(
            node, user, position=Position.parse(page.previous), limit=limit
        )
        back.append([v.id for v, _ in page.rows])
    assert [row for p in reversed(back) for row in p] == [v.id for p in forward for v, _ in p.rows]
    assert back[-1] == [v.id for v, _ in forward[0].rows]


@pytest.mark.parametrize(
    "wanted",
    [
        ListFilter(precedence="FLASH"),
        ListFilter(precedence="ROUTINE"),
        ListFilter(level="極秘"),
        ListFilter(purpose=LAUNCH),
        ListFilter(purpose="logistics"),
        ListFilter(text="track"),
        ListFilter(partner="KOR", precedence="FLASH"),
    ],
)
def test_a_filter_on_a_withheld_field_keeps_no_redacted_row(jpn: Cast, wanted: ListFilter) -> None:
    """ito sees every row redacted: were a filter on its precedence, level, purpose or title
    applied to the stored value, which rows it kept would tell him those values."""
    page = listing.holdings_page(jpn["JPN"], jpn.user("JPN", "ito"), wanted, limit=500)
    assert page.rows == []
    # tanaka sees the logistics rows redacted: a filter on what they withhold leaves them out.
    seen = listing.holdings_page(jpn["JPN"], jpn.user("JPN", "tanaka"), wanted, limit=500)
    assert not any(redacted for _, redacted in seen.rows)


def test_filters_on_what_a_redacted_row_shows_still_apply(jpn: Cast) -> None:
    ito = jpn.user("JPN", "ito")
    everything = listing.holdings_page(jpn["JPN"], ito, limit=500).rows
    held = listing.holdings_page(
        jpn["JPN"], ito, ListFilter(state="held", partner="KOR"), limit=500
    )
    assert [v.id for v, _ in held.rows] == [v.id for v, _ in everything]
    assert len(everything) >= COUNT
    assert all(redacted for _, redacted in everything)
    none = listing.holdings_page(jpn["JPN"], ito, ListFilter(partner="USA"), limit=500)
    assert none.rows == []


def test_text_is_found_in_titles_sealed_at_rest(jpn: Cast) -> None:
    node = jpn["JPN"]
    with node.reader.connect() as conn:
        stored = conn.execute(
            select(holdings_table.c.title).where(holdings_table.c.id == "page-010")
        ).scalar_one()
    assert "Track" not in stored  # sealed: the database alone cannot be searched
    page = listing.holdings_page(
        node, jpn.user("JPN", "tanaka"), ListFilter(text="LAUNCH"), limit=500
    )
    found = {view.id for view, _ in page.rows}
    assert found == {f"page-{i:03d}" for i in range(COUNT) if i % 5 == 0 and i % 4}
    assert all("launch" in view.title.casefold() for view, _ in page.rows)


def test_a_list_never_carries_an_envelope(jpn: Cast) -> None:
    node = jpn["JPN"]
    with node.reader.connect() as conn:
        rows = holdings.page(conn, node.vault, after=None, limit=5, where=ListFilter())
    assert len(rows) == 5
    assert all(r.envelope == b"" and r.sender_card == {} for r in rows)


@pytest.mark.parametrize(
    ("wanted", "index"),
    [
        (ListFilter(), "ix_holdings_listed"),
        (ListFilter(state="held", purpose=LAUNCH), "ix_holdings_listed"),
        (ListFilter(precedence="FLASH"), "ix_holdings_precedence_listed"),
    ],
)
def test_a_page_is_read_in_index_order_not_sorted(
    jpn: Cast, wanted: ListFilter, index: str
) -> None:
    """SQLite reads the page from the index on the sort key, with no sort of the table."""
    node = jpn["JPN"]
    captured: list[str] = []

    def explain(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> Any:
        return f"EXPLAIN QUERY PLAN {statement}", params

    with node.reader.connect() as conn:
        event.listen(conn, "before_cursor_execute", explain, retval=True)
        for after in (None, (NOW, "page-020")):
            query = holdings._page_query(after=after, limit=10, where=wanted, backward=False)
            plan = conn.execute(query).cursor.fetchall()  # the plan, not the columns asked for
            captured.append(" / ".join(str(row[-1]) for row in plan))
        event.remove(conn, "before_cursor_execute", explain)
    for plan in captured:
        assert index in plan
        assert "TEMP B-TREE" not in plan
