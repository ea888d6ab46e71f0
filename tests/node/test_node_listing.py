"""Lists show a person only what the access decision lets them see (issue 13): a title and a
level are information. Officers and auditors whose duty needs to know that something is held
see a redacted row; everyone else sees nothing of what they may not read."""

from __future__ import annotations

from datetime import date

import pytest
from tests.node.node_fixtures import LAUNCH, VALID, Cast

from gsomia.errors import NotFound
from gsomia.node import listing
from gsomia.store.users import UserRecord, add_user

EXTRA = {
    # A JPN security officer cleared only 秘: keeps custody of what is held, may not read it.
    "JPN": UserRecord("ito", "JPN", "秘", VALID, (LAUNCH,), ("officer",), True),
    # A KOR analyst cleared below the item, and one whose clearance lapsed.
    "KOR": UserRecord("choi", "KOR", "군사III급비밀", VALID, (LAUNCH,), ("analyst",), True),
}
LAPSED_KOR = UserRecord(
    "han", "KOR", "군사I급비밀", date(2020, 1, 1), (LAUNCH,), ("analyst",), True
)


@pytest.fixture(scope="module")
def held(cast: Cast) -> tuple[str, str]:
    """A KOR 군사II급비밀 item JPN holds as 極秘: (item id, holding id)."""
    for nation, record in EXTRA.items():
        with cast[nation].engine.begin() as conn:
            add_user(conn, record, cast[nation].clock(), cast[nation].vault)
    with cast["KOR"].engine.begin() as conn:
        add_user(conn, LAPSED_KOR, cast["KOR"].clock(), cast["KOR"].vault)
    item_id = cast.publish("KOR", "kim", title="listing: launch track")
    _, [got] = cast.send("KOR", "JPN", cast.release("KOR", "park", item_id))
    return item_id, got.holding_id


def _holdings(cast: Cast, name: str) -> dict[str, tuple[str, bool]]:
    user = cast.user("JPN", name)
    return {v.id: (v.title, r) for v, r in listing.visible_holdings(cast["JPN"], user)}


@pytest.mark.parametrize(
    ("name", "seen"),
    [
        ("sato", ("listing: launch track", False)),  # cleared 極秘, need-to-know: in full
        ("tanaka", ("listing: launch track", False)),
        ("ito", (listing.REDACTED, True)),  # a security officer below it: that it is held
        ("suzuki", None),  # cleared 秘, below 極秘 (listed it before the fix)
        ("lapsed", None),  # clearance expired
        ("nakamura", None),  # no need-to-know
        ("miller", None),  # a US liaison officer on the JPN node
        ("unlisted", None),  # not on the register
    ],
)
def test_a_holding_is_listed_only_as_the_access_decision_allows(
    cast: Cast, held: tuple[str, str], name: str, seen: tuple[str, bool] | None
) -> None:
    _, holding_id = held
    assert _holdings(cast, name).get(holding_id) == seen
    if seen is None or seen[1]:
        with pytest.raises(NotFound):
            listing.holding_listing(cast["JPN"], cast.user("JPN", name), holding_id)
    else:
        assert listing.holding_listing(cast["JPN"], cast.user("JPN", name), holding_id).title


def test_a_redacted_row_carries_no_title_marking_or_purpose(
    cast: Cast, held: tuple[str, str]
) -> None:
    _, holding_id = held
    [view] = [
        v
        for v, _ in listing.visible_holdings(cast["JPN"], cast.user("JPN", "ito"))
        if v.id == holding_id
    ]
    withheld = {view.title, view.marking, view.original_marking, view.purpose, view.sender}
    assert withheld | {view.agreement, view.precedence} == {listing.REDACTED}
    assert view.local_label == view.original_label == {}
    assert (view.originator, view.state) == ("KOR", "held")


@pytest.mark.parametrize(
    ("name", "shown"),
    [("kim", "full"), ("park", "full"), ("yoon", "full"), ("choi", None), ("han", None)],
)
def test_own_items_are_listed_the_same_way(
    cast: Cast, held: tuple[str, str], name: str, shown: str | None
) -> None:
    item_id, _ = held
    user = cast.user("KOR", name)
    rows = {row["id"]: r for row, r in listing.visible_items(cast["KOR"], user)}
    assert (None if item_id not in rows else "redacted" if rows[item_id] else "full") == shown


def test_a_redacted_item_row_withholds_its_precedence_and_nations(
    cast: Cast, held: tuple[str, str]
) -> None:
    item_id, _ = held
    [full] = [r for r, _ in listing.visible_items(cast["KOR"], cast.user("KOR", "kim"))
              if r["id"] == item_id]  # fmt: skip
    assert full["precedence"] != listing.REDACTED
    assert full["releasable_to"]
    row = listing._redact_item(full)
    assert (row["precedence"], row["releasable_to"]) == (listing.REDACTED, [])
    assert (row["id"], row["state"]) == (full["id"], full["state"])
