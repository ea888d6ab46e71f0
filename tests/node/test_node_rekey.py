"""A partner's node gets new keys: what JPN already holds from it stays readable (R17)."""

from __future__ import annotations

from pathlib import Path

from tests.node.node_fixtures import Cast, build_cast

from gsomia.node import read
from gsomia.node.home import init_home
from gsomia.node.peers import add_peer


def test_holdings_stay_readable_after_the_partner_rekeys(tmp_path: Path) -> None:
    cast: Cast = build_cast(tmp_path / "cast", ("KOR", "JPN"))
    try:
        _rekey_and_read(cast, tmp_path)
    finally:
        for node in cast.nodes.values():
            node.engine.dispose()


def _rekey_and_read(cast: Cast, tmp_path: Path) -> None:
    item_id = cast.publish("KOR", "kim", content=b"track 1")
    _, [held] = cast.send("KOR", "JPN", cast.release("KOR", "park", item_id))
    # KOR's node is rebuilt with new keys; JPN's operator pins the new card.
    rebuilt = init_home(tmp_path / "kor-new", "KOR", "ROK MND", "pw-KOR-0123456789")
    add_peer(cast["JPN"], rebuilt.card.to_bytes(), "http://kor.invalid")
    _, content, decision = read.read_holding(cast["JPN"], cast.user("JPN", "sato"), held.holding_id)
    assert decision.allowed
    assert content == b"track 1"
