"""Standing release rules for feeds (R50) and batch publication."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.node.node_fixtures import LAUNCH, Cast

from gsomia.errors import InputError, PolicyDenied
from gsomia.node import publish, release
from gsomia.node.publish import Draft
from gsomia.node.release import RuleDraft
from gsomia.store.tables import items, outbox


def _rule(cast: Cast, feed: str, ceiling: str = "군사II급비밀", **fields: Any) -> int:
    node = cast["KOR"]
    draft = RuleDraft(
        **{
            "feed": feed,
            "to_nations": ("JPN",),
            "ceiling": ceiling,
            "purpose": LAUNCH,
            "valid_until": node.clock() + timedelta(days=30),
            **fields,
        }
    )
    return release.set_release_rule(node, cast.user("KOR", "park"), draft)


def _draft(feed: str | None, level: str = "군사III급비밀", n: int = 0) -> Draft:
    return Draft(
        title=f"track {n}",
        level=level,
        releasable_to=("JPN",),
        purpose=LAUNCH,
        content=f"track {n}".encode(),
        feed=feed,
    )


def _queued_for(cast: Cast, item_ids: list[str]) -> int:
    with cast["KOR"].engine.connect() as conn:
        query = select(func.count()).where(outbox.c.item_id.in_(item_ids))
        return int(conn.execute(query).scalar_one())


def test_a_feed_with_a_standing_rule_is_released_on_publication(cast: Cast) -> None:
    rule_id = _rule(cast, "radar-east")
    published = publish.publish_batch(
        cast["KOR"], cast.user("KOR", "kim"), [_draft("radar-east", n=n) for n in range(5)]
    )
    assert [p.state for p in published] == ["released"] * 5
    assert all(
        o.decision.allowed and o.decision.requirement == "R50"
        for p in published
        for o in p.outcomes
    )
    assert _queued_for(cast, [p.id for p in published]) == 5
    # Released by the officer who set the rule, not by the analyst who published (R50).
    with cast["KOR"].engine.connect() as conn:
        by = conn.execute(
            select(items.c.released_by).where(items.c.id.in_([p.id for p in published]))
        ).scalars()
        assert set(by) == {f"park (standing rule {rule_id})"}


def test_without_a_rule_a_feed_item_waits_for_an_officer(cast: Cast) -> None:
    [draft] = publish.publish_batch(cast["KOR"], cast.user("KOR", "kim"), [_draft("no-rule")])
    assert draft.state == "draft"
    assert _queued_for(cast, [draft.id]) == 0


def test_a_standing_rule_never_releases_above_its_ceiling(cast: Cast) -> None:
    _rule(cast, "radar-west", ceiling="군사III급비밀")
    [above] = publish.publish_batch(
        cast["KOR"], cast.user("KOR", "kim"), [_draft("radar-west", level="군사II급비밀")]
    )
    assert above.state == "draft"
    [outcome] = above.outcomes
    assert not outcome.decision.allowed
    assert outcome.decision.requirement == "R50"


@pytest.mark.parametrize("officer", ["kim", "yoon"])
def test_only_a_release_authority_sets_a_rule(cast: Cast, officer: str) -> None:
    node = cast["KOR"]
    draft = RuleDraft("feed-x", ("JPN",), "군사III급비밀", LAUNCH, node.clock() + timedelta(1))
    with pytest.raises(PolicyDenied):
        release.set_release_rule(node, cast.user("KOR", officer), draft)


@pytest.mark.parametrize("nations", [(), ("KOR",)])
def test_a_rule_names_partner_nations(cast: Cast, nations: tuple[str, ...]) -> None:
    with pytest.raises(InputError, match="partner"):
        _rule(cast, "feed-bad", to_nations=nations)


def test_a_rule_must_end_in_the_future(cast: Cast) -> None:
    with pytest.raises(InputError, match="future"):
        _rule(cast, "feed-bad", valid_until=cast["KOR"].clock() - timedelta(days=1))


def _items(cast: Cast) -> int:
    with cast["KOR"].engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(items)).scalar_one())


def test_a_batch_is_all_or_nothing(cast: Cast) -> None:
    before = _items(cast)
    with pytest.raises(InputError, match="극비"):
        publish.publish_batch(
            cast["KOR"], cast.user("KOR", "kim"), [_draft(None), _draft(None, level="극비")]
        )
    with pytest.raises(InputError):
        publish.publish_batch(cast["KOR"], cast.user("KOR", "kim"), [])
    assert _items(cast) == before
