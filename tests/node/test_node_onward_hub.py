"""Hub mode (R47): USA forwards a KOR item to JPN only under a configured rule and topic,
only to the participant KOR named, re-marked under the JPN–USA agreement; non-binding."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from tests.node.consent_fixtures import deliver, holding_of
from tests.node.node_fixtures import LAUNCH, Cast, give_community

from gsomia.errors import PolicyDenied
from gsomia.node.control import custody_chain
from gsomia.node.control.hub import add_hub_rule, forward
from gsomia.store.tables import transfers


def _at_hub(cast: Cast, rel: tuple[str, ...]) -> tuple[str, str]:
    """A KOR item provided to USA only (the hub): (item id, USA holding id)."""
    item_id = cast.publish("KOR", "kim", releasable_to=rel)
    cast.release("KOR", "park", item_id)
    [answer] = [a for a in deliver(cast, "KOR", "USA") if a.get("item") == item_id]
    assert answer["status"] == "received", answer
    return item_id, str(answer["holding"])


@pytest.fixture(scope="module")
def hub(cast: Cast) -> Cast:
    rule = add_hub_rule(
        cast["USA"], cast.user("USA", "jones"), "TISA 2014", ["KOR", "JPN"], [LAUNCH]
    )
    assert rule["binding"] is False
    return cast


def test_the_hub_forwards_a_configured_topic_to_the_intended_participant(hub: Cast) -> None:
    item_id, holding_id = _at_hub(hub, ("USA", "JPN"))
    result = forward(hub["USA"], hub.user("USA", "jones"), holding_id, "JPN")
    transfer = result["transfer"]
    assert isinstance(transfer, dict)
    assert (transfer["hub"], transfer["basis"], transfer["level"]) == (
        "USA",
        "JPN-USA-2007",
        "極秘",
    )
    [answer] = deliver(hub, "USA", "JPN")
    assert (answer["status"], answer["marked"]) == ("received", "極秘")
    held = holding_of(hub, "JPN", item_id)
    assert held is not None
    assert held["sender"] == "USA"
    deliver(hub, "USA", "KOR")
    chain = custody_chain.custody(hub["KOR"], hub.user("KOR", "park"), item_id)
    assert chain["paths"]["JPN"] == ["KOR", "USA", "JPN"]


def test_the_hub_does_not_forward_to_a_participant_the_originator_did_not_name(hub: Cast) -> None:
    item_id, holding_id = _at_hub(hub, ("USA",))
    with pytest.raises(PolicyDenied, match="not the intended participant"):
        forward(hub["USA"], hub.user("USA", "jones"), holding_id, "JPN")
    assert [e for e in hub.log("USA", item_id) if not e["allowed"]]


def test_the_hub_does_not_forward_an_unconfigured_topic(hub: Cast) -> None:
    # The rule names the launch-warning topic; a rule for another topic does not open it either.
    add_hub_rule(hub["USA"], hub.user("USA", "jones"), "other", ["KOR", "JPN"], ["cyber"])
    give_community(hub["KOR"], "logistics")
    item_id = hub.publish("KOR", "kim", releasable_to=("USA", "JPN"), purpose="logistics")
    hub.release("KOR", "park", item_id)
    [answer] = [a for a in deliver(hub, "KOR", "USA") if a.get("item") == item_id]
    with pytest.raises(PolicyDenied, match="topic 'logistics' is not configured"):
        forward(hub["USA"], hub.user("USA", "jones"), str(answer["holding"]), "JPN")


def test_an_analyst_cannot_configure_a_hub_or_forward(hub: Cast) -> None:
    with pytest.raises(PolicyDenied, match="needs the role"):
        add_hub_rule(hub["USA"], hub.user("USA", "smith"), "x", ["KOR", "JPN"], [LAUNCH])
    _, holding_id = _at_hub(hub, ("USA", "JPN"))
    with pytest.raises(PolicyDenied, match="needs the role"):
        forward(hub["USA"], hub.user("USA", "smith"), holding_id, "JPN")


def _links(cast: Cast, nation: str, item_id: str) -> list[tuple[str, str, str]]:
    with cast[nation].engine.connect() as conn:
        rows = conn.execute(select(transfers).where(transfers.c.item_id == item_id)).all()
    return [(r.from_nation, r.to_nation, r.hub or "") for r in rows]


def test_the_hub_records_the_forwarding_when_jpn_received_it(hub: Cast) -> None:
    item_id, holding_id = _at_hub(hub, ("USA", "JPN"))
    sent = forward(hub["USA"], hub.user("USA", "jones"), holding_id, "JPN")
    assert sent["status"] == "sent"
    assert _links(hub, "USA", item_id) == []
    assert deliver(hub, "USA", "KOR") == []  # no report before JPN has it
    [answer] = deliver(hub, "USA", "JPN")
    assert answer["status"] == "received"
    assert _links(hub, "USA", item_id) == [("USA", "JPN", "USA")]
    release = custody_chain.get_release(hub["USA"], hub.user("USA", "jones"), str(sent["case_id"]))
    assert (release["action"], release["status"]) == ("forward", "received")
    assert [a["status"] for a in deliver(hub, "USA", "KOR")] == ["received"]
    assert ("USA", "JPN", "USA") in _links(hub, "KOR", item_id)


def test_a_forwarding_jpn_refuses_is_not_recorded_or_reported(hub: Cast) -> None:
    """JPN judges the forwarding by its own clock: on a day before JPN–USA, it refuses."""
    item_id, holding_id = _at_hub(hub, ("USA", "JPN"))
    sent = forward(hub["USA"], hub.user("USA", "jones"), holding_id, "JPN")
    jpn = hub["JPN"]
    clock = jpn.clock
    jpn.clock = lambda: datetime(2000, 1, 1, tzinfo=UTC)
    try:
        [answer] = deliver(hub, "USA", "JPN")
    finally:
        jpn.clock = clock
    assert answer["status"] == "rejected"
    assert "JPN-USA-2007 is not in force" in answer["reason"]
    assert holding_of(hub, "JPN", item_id) is None
    assert _links(hub, "USA", item_id) == []
    assert deliver(hub, "USA", "KOR") == []
    assert ("USA", "JPN", "USA") not in _links(hub, "KOR", item_id)
    release = custody_chain.get_release(hub["USA"], hub.user("USA", "jones"), str(sent["case_id"]))
    assert release["status"] == "refused"
    assert release["refusal"]["reason"] == answer["reason"]
    assert any(
        e["action"] == "forward_refused:JPN" and not e["allowed"] for e in hub.log("USA", item_id)
    )
