"""Reading a holding on JPN's node: the decision first and logged, the content only after (R16–R21).

One KOR FLASH item at 군사II급비밀 is held by JPN at 極秘; the readers are JPN's people of
`node_fixtures.PEOPLE`, each missing one of the conditions of Art. 7.
"""

from __future__ import annotations

import pytest
from tests.node.node_fixtures import Cast

from gsomia.errors import NotFound, PolicyDenied
from gsomia.node import read
from gsomia.node.peers import add_peer, remove_peer
from gsomia.store import holdings as stored_holdings


@pytest.fixture(scope="module")
def held(cast: Cast) -> str:
    """The id of JPN's holding of a KOR launch track."""
    item_id = cast.publish("KOR", "kim", content=b"track 1: 39.0N 125.7E")
    _, [accepted] = cast.send("KOR", "JPN", cast.release("KOR", "park", item_id))
    return accepted.holding_id


@pytest.mark.parametrize("reader", ["sato", "tanaka"])
def test_a_cleared_reader_with_need_to_know_reads(cast: Cast, held: str, reader: str) -> None:
    view, content, decision = read.read_holding(cast["JPN"], cast.user("JPN", reader), held)
    assert content == b"track 1: 39.0N 125.7E"
    assert view.marking == "極秘"
    assert (decision.allowed, decision.requirement) == (True, "R19")
    entry = cast.log("JPN", held)[-1]
    assert (entry["actor"], entry["action"], entry["allowed"]) == (reader, "read", True)


# (reader, requirement, article, words of the reason): JPN people each lacking one condition.
REFUSED = [
    ("suzuki", "R19", "Art. 7.2", "clearance below"),  # 秘 < 極秘
    ("nakamura", "R20", "Art. 7.1", "rank or clearance alone never grants"),  # 機密, no need
    ("unlisted", "R16", "Art. 6(e)", "register"),
    ("lapsed", "R19", "Art. 7.2", "expired"),
    (
        "miller",
        "R21/R12",
        "Art. 5 or 6(a)-(c), UNCONFIRMED",
        "third-country",
    ),  # a US national on JPN's node
]


@pytest.mark.parametrize(("reader", "requirement", "article", "reason"), REFUSED)
def test_refused_readers_get_nothing_and_are_logged(
    cast: Cast, held: str, reader: str, requirement: str, article: str, reason: str
) -> None:
    with pytest.raises(PolicyDenied) as caught:
        read.read_holding(cast["JPN"], cast.user("JPN", reader), held)
    assert caught.value.article == article
    assert requirement in caught.value.message
    assert reason in caught.value.message
    entry = cast.log("JPN", held)[-1]
    assert (entry["actor"], entry["action"], entry["allowed"]) == (reader, "read", False)
    assert entry["article"] == f"{article} {requirement}"


def test_a_destroyed_holding_is_read_by_no_one(cast: Cast) -> None:
    item_id = cast.publish("KOR", "kim", content=b"track 2")
    _, [accepted] = cast.send("KOR", "JPN", cast.release("KOR", "park", item_id))
    jpn = cast["JPN"]
    with jpn.engine.begin() as conn:  # as a disposal empties it (its state sealed, ADR 0134)
        stored_holdings.empty(conn, accepted.holding_id, "destroyed", jpn.vault)
    with pytest.raises(PolicyDenied, match="destroyed") as caught:
        read.read_holding(jpn, cast.user("JPN", "sato"), accepted.holding_id)
    assert caught.value.article == "Art. 13"


def test_unknown_holding(cast: Cast) -> None:
    with pytest.raises(NotFound, match="no holding"):
        read.read_holding(cast["JPN"], cast.user("JPN", "sato"), "nothing-here")


def test_content_stays_readable_when_the_partner_is_removed(cast: Cast, held: str) -> None:
    # The card that verified the envelope on receipt is kept with the holding: what a partner
    # provided stays protected and readable to those cleared, whatever becomes of the partner.
    jpn = cast["JPN"]
    remove_peer(jpn, "KOR")
    try:
        content = read.read_holding(jpn, cast.user("JPN", "sato"), held)[1]
        assert content.startswith(b"track 1")
    finally:
        add_peer(jpn, cast["KOR"].card.to_bytes(), "http://kor.invalid")
    assert read.read_holding(jpn, cast.user("JPN", "sato"), held)[1].startswith(b"track 1")
