"""Pinned partner nodes in the store, on SQLite and PostgreSQL: one card per nation."""

from __future__ import annotations

import json

from sqlalchemy import Engine
from tests.store.store_fixtures import NOW

from gsomia.store import peers
from gsomia.store.peers import Peer


def card(nation: str, fingerprint: str) -> bytes:
    return json.dumps({"nation": nation, "fingerprint": fingerprint, "name": "세계"}).encode()


def test_a_pinned_card_reads_back_and_a_new_one_replaces_it(engine: Engine) -> None:
    usa = Peer("USA", "US DoD", "ff00", None, card("USA", "ff00"))
    with engine.begin() as conn:
        peers.pin(conn, Peer("JPN", "Japan MOD", "aa11", "http://jpn", card("JPN", "aa11")), NOW)
        peers.pin(conn, usa, NOW)
        peers.pin(conn, Peer("JPN", "Japan MOD", "bb22", "http://jpn2", card("JPN", "bb22")), NOW)
    with engine.connect() as conn:
        pinned = peers.pinned(conn)
        cards = peers.pinned_cards(conn)
    assert [(p.nation, p.fingerprint, p.endpoint) for p in pinned] == [
        ("JPN", "bb22", "http://jpn2"),
        ("USA", "ff00", None),
    ]
    assert json.loads(cards["JPN"]) == json.loads(card("JPN", "bb22"))
    assert cards["USA"] == pinned[1].card
    assert "세계" in cards["USA"].decode()  # kept as UTF-8, not escaped


def test_unpin_says_whether_there_was_a_card(engine: Engine) -> None:
    with engine.begin() as conn:
        peers.pin(conn, Peer("JPN", "Japan MOD", "aa11", None, card("JPN", "aa11")), NOW)
        assert peers.unpin(conn, "JPN")
        assert not peers.unpin(conn, "JPN")
        assert peers.pinned(conn) == []
