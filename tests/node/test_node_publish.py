"""Publishing and releasing on the originating node (R1, R2, R6, R25, R39, R50)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.node.node_fixtures import Cast, build_cast

from gsomia.errors import Conflict, InputError, NotFound, PolicyDenied
from gsomia.exchange.outbox import priority
from gsomia.labels import label_from_obj
from gsomia.node import publish, transfers
from gsomia.node.home import init_home
from gsomia.node.peers import add_peer, remove_peer
from gsomia.node.publish import Draft, parse_precedence
from gsomia.store import items as stored_items
from gsomia.store.items import handling_terms_of
from gsomia.store.peers import pinned
from gsomia.store.tables import access_log, outbox
from gsomia.treaty.items import Precedence


def outbox_rows(cast: Cast, nation: str, item_id: str) -> list[tuple[str, str, int]]:
    with cast[nation].engine.connect() as conn:
        rows = conn.execute(
            select(outbox.c.peer, outbox.c.state, outbox.c.priority)
            .where(outbox.c.item_id == item_id)
            .order_by(outbox.c.peer)
        )
        return [(row.peer, row.state, row.priority) for row in rows]


def test_analyst_publishes_a_draft(cast: Cast) -> None:
    item_id = cast.publish("KOR", "kim", caveats=("ORCON",))
    assert item_id.startswith("KOR-")
    item = transfers.get_item(cast["KOR"], item_id)
    assert item["state"] == "draft"
    assert item["author"] == "kim"
    assert item["releasable_to"] == ["JPN"]
    assert item["label"]["ConfidentialityInformation"]["Classification"] == "군사II급비밀"
    # Nothing leaves on publication alone (R50).
    assert outbox_rows(cast, "KOR", item_id) == []
    [entry] = cast.log("KOR", item_id)
    assert (entry["actor"], entry["action"], entry["allowed"]) == ("kim", "publish", True)
    assert item_id in [i["id"] for i in transfers.list_items(cast["KOR"])]


def test_nfkc_marking_is_stored_in_its_canonical_form(cast: Cast) -> None:
    # U+2161 ROMAN NUMERAL TWO, as typed on many Korean keyboards, is 군사II급비밀 under NFKC.
    item_id = cast.publish("KOR", "kim", level="군사\u2161급비밀")
    assert transfers.get_item(cast["KOR"], item_id)["level"] == "군사II급비밀"


def test_unknown_marking_names_the_closest(cast: Cast) -> None:
    with pytest.raises(InputError) as caught:
        cast.publish("KOR", "kim", level="군사IV급비밀")
    assert "군사IV급비밀" in caught.value.message
    assert caught.value.hint is not None
    assert "군사II급비밀" in caught.value.hint


@pytest.mark.parametrize(
    "partners", [("KOR",), ("JPN", "kor"), ()], ids=["own", "own-lower", "none"]
)
def test_releasable_to_names_partners_only(cast: Cast, partners: tuple[str, ...]) -> None:
    with pytest.raises(InputError, match="releasable-to"):
        cast.publish("KOR", "kim", releasable_to=partners)


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"title": "  "}, "title and a purpose"),
        ({"purpose": ""}, "title and a purpose"),
        ({"precedence": "URGENT"}, "unknown precedence"),
        ({"content": b"x" * (publish.MAX_CONTENT + 1)}, "seal larger files|bytes"),
        ({"copy_limit": -1}, "copy limit"),
        ({"purpose_ends": datetime(2099, 1, 1)}, "time zone"),
        ({"purpose_ends": datetime(2020, 1, 1, tzinfo=UTC)}, "already passed"),
    ],
    ids=[
        "no-title",
        "no-purpose",
        "bad-precedence",
        "too-large",
        "negative-copies",
        "naive-end",
        "past-end",
    ],
)
def test_malformed_drafts(cast: Cast, fields: dict[str, object], problem: str) -> None:
    with pytest.raises(InputError, match=problem):
        cast.publish("KOR", "kim", **fields)


def test_handling_terms_travel_in_the_signed_label(cast: Cast) -> None:
    ends = datetime(2099, 6, 30, tzinfo=UTC)
    item_id = cast.publish(
        "KOR", "kim", handling=("no reproduction", "PATENT"), copy_limit=0, purpose_ends=ends
    )
    with cast["KOR"].engine.connect() as conn:
        record = stored_items.get(conn, item_id, cast["KOR"].vault)
    assert record is not None
    label = label_from_obj(record.label)
    terms = handling_terms_of(label)
    assert {"NO REPRODUCTION", "PATENT"} <= terms.caveats
    assert (terms.copy_limit, terms.purpose_ends) == (0, ends)


def test_an_item_without_terms_carries_none(cast: Cast) -> None:
    item_id = cast.publish("KOR", "kim")
    with cast["KOR"].engine.connect() as conn:
        record = stored_items.get(conn, item_id, cast["KOR"].vault)
    assert record is not None
    label = label_from_obj(record.label)
    terms = handling_terms_of(label)
    assert (terms.copy_limit, terms.purpose_ends) == (None, None)


def test_auditor_may_not_publish_and_the_denial_is_logged(cast: Cast) -> None:
    with pytest.raises(PolicyDenied) as caught:
        cast.publish("KOR", "yoon")
    assert caught.value.article == "Art. 2(a)"
    with cast["KOR"].engine.connect() as conn:
        row = conn.execute(
            select(access_log).where(access_log.c.actor == "yoon").order_by(access_log.c.id.desc())
        ).first()
    assert row is not None
    assert (row.action, row.allowed, row.article) == ("publish", False, "Art. 2(a) R6")
    assert "needs the role" in row.reason


def test_analyst_may_not_release_and_the_denial_is_logged(cast: Cast) -> None:
    item_id = cast.publish("KOR", "kim")
    with pytest.raises(PolicyDenied, match="R50"):
        cast.release("KOR", "kim", item_id)
    [published, denied] = cast.log("KOR", item_id)
    assert (denied["actor"], denied["action"], denied["allowed"]) == ("kim", "release", False)
    assert denied["article"] == "policy: case-by-case provision (MOFA-KR 2012) R50"
    assert transfers.get_item(cast["KOR"], item_id)["state"] == "draft"
    assert outbox_rows(cast, "KOR", item_id) == []
    assert published["allowed"]


def test_officer_releases_to_jpn(cast: Cast) -> None:
    item_id = cast.publish("KOR", "kim")
    [outcome] = cast.release("KOR", "park", item_id)
    assert outcome.nation == "JPN"
    assert outcome.decision.allowed, outcome.decision
    assert outcome.decision.requirement == "R50"
    assert (outcome.agreement_id, outcome.agreement_version) == ("KOR-JPN-2016", 1)
    assert outcome.envelope is not None
    assert outcome.message_id is not None
    item = transfers.get_item(cast["KOR"], item_id)
    assert (item["state"], item["released_by"]) == ("released", "park")
    assert outbox_rows(cast, "KOR", item_id) == [("JPN", "queued", priority(Precedence.FLASH))]
    actions = [(e["action"], e["allowed"]) for e in cast.log("KOR", item_id)]
    assert actions == [("publish", True), ("release", True), ("provide:JPN", True)]
    [journey] = transfers.list_transfers(cast["KOR"], cast.user("KOR", "park"), item_id)
    assert (journey.peer, journey.precedence, journey.state) == ("JPN", "FLASH", "queued")
    assert journey.reason is None


def test_release_to_two_partners_makes_two_outbox_rows(cast: Cast) -> None:
    item_id = cast.publish("KOR", "kim", releasable_to=("USA", "JPN"), precedence="routine")
    outcomes = cast.release("KOR", "park", item_id)
    assert sorted(o.nation for o in outcomes) == ["JPN", "USA"]
    assert all(o.decision.allowed for o in outcomes)
    assert {o.agreement_id for o in outcomes} == {"KOR-JPN-2016", "KOR-USA-1987"}
    assert outbox_rows(cast, "KOR", item_id) == [("JPN", "queued", 3), ("USA", "queued", 3)]
    assert len({o.message_id for o in outcomes}) == 2


def test_release_to_a_nation_without_agreement_is_denied(cast: Cast) -> None:
    item_id = cast.publish("KOR", "kim", releasable_to=("FRA",))
    [outcome] = cast.release("KOR", "park", item_id)
    assert not outcome.decision.allowed
    assert outcome.decision.requirement == "R1"
    assert "no agreement with FRA" in outcome.decision.reason
    assert outcome.envelope is None
    # No partner allowed: the item stays a draft and nothing is queued.
    assert transfers.get_item(cast["KOR"], item_id)["state"] == "draft"
    assert outbox_rows(cast, "KOR", item_id) == []
    assert cast.log("KOR", item_id)[-1]["action"] == "provide:FRA"


def test_top_secret_to_jpn_is_not_covered(cast: Cast) -> None:
    # KOR-JPN-2016 does not cover 군사I급비밀 (Art. 4); KOR-USA-1987 does.
    item_id = cast.publish("KOR", "park", level="군사I급비밀", releasable_to=("JPN", "USA"))
    outcomes = {o.nation: o for o in cast.release("KOR", "park", item_id)}
    assert not outcomes["JPN"].decision.allowed
    assert outcomes["JPN"].decision.requirement == "R2"
    assert "not covered" in outcomes["JPN"].decision.reason
    assert outcomes["USA"].decision.allowed
    assert transfers.get_item(cast["KOR"], item_id)["state"] == "released"
    assert outbox_rows(cast, "KOR", item_id) == [("USA", "queued", 0)]
    log = {e["action"]: e["allowed"] for e in cast.log("KOR", item_id)}
    assert log["provide:JPN"] is False
    assert log["provide:USA"] is True


def test_releasing_an_unknown_item(cast: Cast) -> None:
    with pytest.raises(NotFound, match="no item"):
        cast.release("KOR", "park", "KOR-nothing")
    with pytest.raises(NotFound):
        transfers.get_item(cast["KOR"], "KOR-nothing")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FLASH", Precedence.FLASH),
        (" immediate ", Precedence.IMMEDIATE),
        ("Routine", Precedence.ROUTINE),
    ],
)
def test_precedence_and_priority(text: str, expected: Precedence) -> None:
    assert parse_precedence(text) is expected
    assert priority(Precedence.FLASH) == 0
    assert priority(Precedence.ROUTINE) == 3


def test_draft_defaults() -> None:
    draft = Draft("t", "秘", ("KOR",), "p")
    assert (draft.precedence, draft.content, draft.feed) == ("ROUTINE", b"", None)


# Peers ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cast]:
    """KOR and JPN pinned to each other; KOR has no card of a USA node."""
    built = build_cast(tmp_path_factory.mktemp("pair"), ("KOR", "JPN"))
    yield built
    for node in built.nodes.values():
        node.engine.dispose()


def test_release_without_the_partners_card_is_denied(pair: Cast) -> None:
    item_id = pair.publish("KOR", "kim", releasable_to=("USA",))
    [outcome] = pair.release("KOR", "park", item_id)
    assert not outcome.decision.allowed
    assert outcome.decision.requirement == "R25"
    assert "no identity card of a USA node" in outcome.decision.reason


def test_release_to_a_nation_without_an_agreement_is_denied(pair: Cast) -> None:
    item_id = pair.publish("KOR", "kim", releasable_to=("FRA",))
    [outcome] = pair.release("KOR", "park", item_id)
    assert not outcome.decision.allowed
    assert (outcome.decision.article, outcome.decision.requirement) == (
        "policy: exchange only under a security agreement",
        "R1",
    )
    assert outcome.decision.reason == "KOR has no agreement with FRA"
    assert outcome.envelope is None


def test_peer_registry(pair: Cast, tmp_path: Path) -> None:
    kor, jpn = pair["KOR"], pair["JPN"]
    with kor.engine.connect() as conn:
        [peer] = pinned(conn)
    assert (peer.nation, peer.fingerprint) == ("JPN", jpn.card.fingerprint)
    assert kor.peer_address("JPN") is not None
    with pytest.raises(InputError, match="own nation"):
        add_peer(kor, kor.card.to_bytes())
    remove_peer(kor, "JPN")
    assert kor.peer_card("JPN") is None
    assert kor.peer_address("JPN") is None
    with pytest.raises(NotFound, match="JPN"):
        remove_peer(kor, "JPN")
    add_peer(kor, jpn.card.to_bytes())  # no endpoint given, none on the card
    assert kor.peer_address("JPN") is None
    assert kor.peer_card("JPN") == jpn.card
    add_peer(kor, jpn.card.to_bytes(), "http://jpn.invalid")
    assert [c.nation for c in kor.peer_cards()] == ["JPN"]


def test_a_card_of_another_profile_is_refused(pair: Cast, tmp_path: Path) -> None:
    classic = init_home(tmp_path / "usa", "USA", "US DoD", "pw-0123456789", profile="classic")
    with pytest.raises(InputError, match="profile"):
        add_peer(pair["KOR"], classic.card.to_bytes())


def test_agreement_with(pair: Cast) -> None:
    kor = pair["KOR"]
    now = kor.clock()
    found = kor.agreement_with("JPN", now)
    assert found is not None
    assert found.id == "KOR-JPN-2016"
    assert kor.agreement_with("FRA", now) is None
    assert kor.scheme().nation == "KOR"
    with kor.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(outbox)).scalar_one() == 0


def test_a_second_release_sends_nothing_twice(cast: Cast) -> None:
    item_id = cast.publish("KOR", "kim")
    cast.release("KOR", "park", item_id)
    with contextlib.suppress(Conflict):  # refusing the second release outright is also correct
        cast.release("KOR", "park", item_id)
    assert outbox_rows(cast, "KOR", item_id) == [("JPN", "queued", 0)]


def test_an_analyst_cannot_mark_above_their_own_clearance(cast: Cast) -> None:
    # kim is cleared 군사II급비밀: an item at 군사I급비밀 would be beyond kim's own reach (R19).
    with pytest.raises(PolicyDenied, match="below 군사I급비밀"):
        cast.publish("KOR", "kim", level="군사I급비밀", releasable_to=("USA",))
    with cast["KOR"].engine.connect() as conn:
        refusals = (
            conn.execute(
                select(access_log.c.reason).where(
                    access_log.c.actor == "kim", access_log.c.allowed.is_(False)
                )
            )
            .scalars()
            .all()
        )
    assert any("below 군사I급비밀" in reason for reason in refusals)


def test_the_node_sets_the_labels_review_time_and_names_each_provisions_agreement(
    cast: Cast,
) -> None:
    """R9 (ADR 0105): a label the node makes carries a ReviewDateTime, 10 years on unless the
    analyst sets one; R6: the item names the agreement each provision was made under."""
    item_id = cast.publish("KOR", "kim", releasable_to=("JPN", "USA"))
    item = transfers.get_item(cast["KOR"], item_id)
    created = datetime.fromisoformat(item["label"]["CreationTime"].replace("Z", "+00:00"))
    review = datetime.fromisoformat(item["label"]["ReviewDateTime"].replace("Z", "+00:00"))
    assert review.year == created.year + 10
    assert item["agreements"] == {}  # a draft is provided under nothing yet
    cast.release("KOR", "park", item_id)
    assert transfers.get_item(cast["KOR"], item_id)["agreements"] == {
        "JPN": "KOR-JPN-2016 v1",
        "USA": "KOR-USA-1987 v1",
    }
    chosen = datetime(2031, 1, 1, tzinfo=UTC)
    later = transfers.get_item(cast["KOR"], cast.publish("KOR", "kim", review_at=chosen))
    assert later["label"]["ReviewDateTime"] == "2031-01-01T00:00:00Z"
    with pytest.raises(InputError, match="review time is a moment after now"):
        cast.publish("KOR", "kim", review_at=datetime(2001, 1, 1, tzinfo=UTC))
