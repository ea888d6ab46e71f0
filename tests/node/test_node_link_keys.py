"""Homes and partners across the change to TLS pinning (card v2): an old home is upgraded when
it is loaded, an old partner card is refused saying what to do, what is held stays readable."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import pytest
from sqlalchemy import update
from tests.node.node_fixtures import Cast, build_cast

from gsomia.errors import InputError, UsageError
from gsomia.node import read
from gsomia.node.assembly import assemble
from gsomia.node.home import CARD, KEYS, OLD_CARD, init_home, load_home
from gsomia.node.partners import pin_partner
from gsomia.seal import canonical_json
from gsomia.store import holdings as stored_holdings
from gsomia.store.tables import held_cards, holdings, peers

PASSPHRASE = "pw-KOR-0123456789"


def as_v1(card: bytes) -> dict[str, object]:
    """The card as the first version made it: no `tls`, type /1, its own fingerprint."""
    raw = json.loads(card)
    del raw["tls"], raw["fingerprint"]
    raw["type"] = "gsomia-identity/1"
    raw["fingerprint"] = hashlib.sha256(canonical_json(raw)).hexdigest()
    return dict(raw)


def test_a_home_made_before_link_keys_is_upgraded_when_loaded(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    home = init_home(
        tmp_path / "kor", "KOR", "ROK MND", PASSPHRASE, endpoints=("https://kor.example:8401",)
    )
    for name in ("tls-key.pem", "tls-cert.pem", "storage-key.json"):  # as an old home had it
        (tmp_path / "kor" / KEYS / name).unlink()
    old = json.dumps(as_v1(home.card.to_bytes())).encode()
    (tmp_path / "kor" / CARD).write_bytes(old)
    with caplog.at_level(logging.INFO, "gsomia.node"):
        upgraded = load_home(tmp_path / "kor", PASSPHRASE)
    assert upgraded.keys.key_id == home.keys.key_id  # the same node, the same keys
    assert upgraded.card.tls_certificate == upgraded.keys.tls_certificate
    assert upgraded.card.tls_certificate != home.card.tls_certificate  # a fresh TLS key
    assert len(upgraded.keys.storage_key) == 32
    assert json.loads((tmp_path / "kor" / CARD).read_bytes())["type"] == "gsomia-identity/2"
    assert (tmp_path / "kor" / OLD_CARD).read_bytes() == old
    assert "TLS key, certificate and storage key added" in caplog.text
    assert "identity card re-made" in caplog.text
    again = load_home(tmp_path / "kor", PASSPHRASE)  # once only
    assert again.card == upgraded.card
    assert again.keys.storage_key == upgraded.keys.storage_key


def test_a_home_whose_card_lacks_the_keys_certificate_is_refused(tmp_path: Path) -> None:
    init_home(tmp_path / "kor", "KOR", "ROK MND", PASSPHRASE)
    other = init_home(tmp_path / "other", "KOR", "ROK MND", PASSPHRASE)
    (tmp_path / "kor" / CARD).write_bytes(other.card.to_bytes())
    with pytest.raises(UsageError, match="does not belong"):
        load_home(tmp_path / "kor", PASSPHRASE)


@pytest.fixture
def pair(tmp_path: Path) -> Cast:
    return build_cast(tmp_path / "cast", ("KOR", "JPN"))


def test_a_partner_stored_with_a_v1_card_is_not_loaded_and_its_new_card_replaces_it(
    pair: Cast, caplog: pytest.LogCaptureFixture
) -> None:
    kor, jpn = pair["KOR"], pair["JPN"]
    with kor.engine.begin() as conn:
        conn.execute(
            update(peers).where(peers.c.nation == "JPN").values(card=as_v1(jpn.card.to_bytes()))
        )
    kor.forget_peers()
    with caplog.at_level(logging.ERROR, "gsomia.node"):
        assert kor.peer_card("JPN") is None
    assert "ask JPN's operator for its new card: `gsomia identity export`" in caplog.text
    pin_partner(kor, jpn.card.to_bytes(), "https://jpn.example:8401")
    assert kor.peer_card("JPN") == jpn.card


def test_peer_add_refuses_a_v1_card_saying_what_to_do(pair: Cast) -> None:
    old = json.dumps(as_v1(pair["JPN"].card.to_bytes())).encode()
    with pytest.raises(InputError, match="made before nodes pinned each other's TLS keys"):
        pin_partner(pair["KOR"], old, "https://jpn.example:8401")


def test_peer_add_refuses_a_plain_http_endpoint_without_the_development_flag(pair: Cast) -> None:
    card = pair["JPN"].card.to_bytes()
    with pytest.raises(UsageError, match="not https") as refused:
        pin_partner(pair["KOR"], card, "http://jpn.example:8401")
    assert "--insecure-peer-http" in str(refused.value)
    pin_partner(pair["KOR"], card, "http://jpn.example:8401", plain_http=True)
    address = pair["KOR"].peer_address("JPN")
    assert address is not None
    assert address.endpoint == "http://jpn.example:8401"


def test_a_holding_received_with_a_v1_card_stays_readable(pair: Cast) -> None:
    item_id = pair.publish("KOR", "kim", content=b"track 1")
    _, [held] = pair.send("KOR", "JPN", pair.release("KOR", "park", item_id))
    jpn = pair["JPN"]
    old_card = as_v1(pair["KOR"].card.to_bytes())
    with jpn.engine.begin() as conn:  # as a node before TLS pinning kept it
        digest = stored_holdings.card_digest(old_card)
        conn.execute(held_cards.insert().values(digest=digest, card=old_card))
        conn.execute(
            update(holdings)
            .where(holdings.c.id == held.holding_id)
            .values(sender_card_digest=digest)
        )
    _, content, decision = read.read_holding(jpn, pair.user("JPN", "sato"), held.holding_id)
    assert decision.allowed
    assert content == b"track 1"


def test_the_node_links_use_the_keys_on_disk(tmp_path: Path) -> None:
    home = init_home(tmp_path / "kor", "KOR", "ROK MND", PASSPHRASE)
    node = assemble(load_home(tmp_path / "kor", PASSPHRASE))
    assert node.keys.tls_files is not None
    assert node.keys.tls_files.key == tmp_path / "kor" / KEYS / "tls-key.pem"
    assert node.card == home.card
    node.engine.dispose()
