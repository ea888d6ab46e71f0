"""Level laundering (issue 13): a KOR 군사I급비밀 item is refused to JPN, since KOR–JPN 2016
covers nothing above secret. It must not reach JPN by a detour either: not forwarded by the
USA hub under JPN–USA, not passed on by the USA holder with a consent of KOR."""

from __future__ import annotations

import pytest
from tests.node.consent_fixtures import PURPOSE, UNTIL, deliver, holding_of
from tests.node.node_fixtures import LAUNCH, Cast

from gsomia.errors import PolicyDenied
from gsomia.node.control import consent, consent_decisions, hub, onward
from gsomia.node.control.hub import add_hub_rule, forward
from gsomia.treaty.decision import Decision

TOP_SECRET = "군사I급비밀"


@pytest.fixture(scope="module")
def at_usa(cast: Cast) -> tuple[str, str]:
    """A KOR top secret item for USA and JPN: refused to JPN, held by USA. (item, holding)."""
    add_hub_rule(cast["USA"], cast.user("USA", "jones"), "TISA 2014", ["KOR", "JPN"], [LAUNCH])
    item_id = cast.publish("KOR", "park", level=TOP_SECRET, releasable_to=("USA", "JPN"))
    outcomes = cast.release("KOR", "park", item_id)
    verdict = {o.nation: o.decision for o in outcomes}
    assert verdict["USA"].allowed
    assert not verdict["JPN"].allowed  # straight to JPN: refused (Art. 4)
    [answer] = [a for a in deliver(cast, "KOR", "USA") if a.get("item") == item_id]
    assert answer["status"] == "received"
    return item_id, str(answer["holding"])


def test_a_top_secret_item_refused_to_jpn_does_not_reach_it_through_the_usa_hub(
    cast: Cast, at_usa: tuple[str, str]
) -> None:
    """Before: forwarded under JPN–USA 2007, it arrived in JPN as 機密."""
    item_id, holding_id = at_usa
    with pytest.raises(PolicyDenied, match="could not provide") as refused:
        forward(cast["USA"], cast.user("USA", "jones"), holding_id, "JPN")
    assert refused.value.article == "Art. 4"
    assert deliver(cast, "USA", "JPN") == []
    assert holding_of(cast, "JPN", item_id) is None


def test_jpn_refuses_a_forwarded_item_its_originator_could_not_provide(
    cast: Cast, at_usa: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hub that does not check (an older or hostile node) gets the item refused at JPN."""
    item_id, holding_id = at_usa
    with monkeypatch.context() as patched:
        patched.setattr(
            hub, "within_originator_reach", lambda *_, **__: Decision.allow("x", "x", "x")
        )
        forward(cast["USA"], cast.user("USA", "jones"), holding_id, "JPN")
    [answer] = deliver(cast, "USA", "JPN")
    assert answer["status"] == "rejected"
    assert "could not provide" in answer["reason"]
    assert holding_of(cast, "JPN", item_id) is None


def test_a_consent_does_not_launder_a_level_through_onward_release(
    cast: Cast, at_usa: tuple[str, str]
) -> None:
    """USA holds it under KOR–USA; even with KOR's consent, JPN gets no more than KOR–JPN
    covers: the originator's own agreement with the recipient bounds every path."""
    item_id, holding_id = at_usa
    usa, jones = cast["USA"], cast.user("USA", "jones")
    case = consent.request_consent(usa, jones, holding_id, "JPN", PURPOSE, UNTIL)
    assert [a["status"] for a in deliver(cast, "USA", "KOR")] == ["received"]
    consent_decisions.grant(cast["KOR"], cast.user("KOR", "park"), str(case["id"]))
    deliver(cast, "KOR", "USA")
    with pytest.raises(PolicyDenied, match="could not provide"):
        onward.release_onward_to(usa, jones, holding_id, "JPN", str(case["id"]))
    assert deliver(cast, "USA", "JPN") == []
    assert holding_of(cast, "JPN", item_id) is None
