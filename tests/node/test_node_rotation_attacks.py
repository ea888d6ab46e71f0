"""Attacks on key rotation (ADR 0093, ADR 0121) by a hostile partner: a statement that verifies
against the card it replaces must still not move another nation's link or keys."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.node.node_fixtures import Cast, build_cast

from gsomia.errors import InputError
from gsomia.exchange import outbox
from gsomia.exchange.answers import verify_answers
from gsomia.exchange.kinds import Kind
from gsomia.exchange.links import tls_peer
from gsomia.exchange.outgoing import sealed_batch
from gsomia.exchange.wire import REJECTED
from gsomia.node import receive
from gsomia.node.control import messages
from gsomia.node.peers import add_peer
from gsomia.seal import IdentityCard, certificate_pem, generate_node_keys
from gsomia.seal.keys import parse_public_jwks
from gsomia.seal.rotation import make_rotation


@pytest.fixture
def cast(tmp_path: Path) -> Iterator[Cast]:
    cast = build_cast(tmp_path / "cast", ("KOR", "JPN", "USA"))
    yield cast
    for node in cast.nodes.values():
        node.engine.dispose()


def _deliver(cast: Cast, sender: str, peer: str) -> list[dict[str, Any]]:
    node, other = cast[sender], cast[peer]
    with node.engine.begin() as conn:
        rows = [
            r for r in outbox.due(conn, node.clock() + timedelta(minutes=1), 1000) if r.peer == peer
        ]
    _, data = sealed_batch(node.speaking_keys(peer), sender, other.card, rows, node.clock())
    document, _ = receive.receive_batch(other, sender, data)
    answers = verify_answers(document, signer=other.card)
    node.worker.settle(peer, rows, answers)
    return [a["answer"] for a in answers]


def _hostile_rotation(cast: Cast, nation: str, tls_of: IdentityCard) -> dict[str, Any]:
    """`nation`'s statement moving it onto fresh keys of its own, but with the TLS
    certificate of `tls_of` (public: every handshake shows it): both signatures are good."""
    node = cast[nation]
    fresh = generate_node_keys(node.keys.profile, nation=nation)
    card = IdentityCard(
        nation=nation,
        name=node.card.name,
        created=node.clock().replace(microsecond=0),
        endpoints=node.card.endpoints,
        keys=parse_public_jwks(fresh.profile, fresh.public),
        tls_certificate=tls_of.tls_certificate,
    )
    return make_rotation(node.keys, node.card, fresh, card, at=node.clock())


@pytest.mark.parametrize("victim", ["USA", "KOR"])
def test_a_partner_cannot_rotate_onto_another_nodes_tls_certificate(
    cast: Cast, victim: str
) -> None:
    """JPN rotating onto USA's certificate would make KOR take USA's handshakes for JPN's
    (USA's link refused) and trust USA's key for JPN's endpoint; onto KOR's own, KOR's."""
    kor = cast["KOR"]
    before = kor.peer_card("JPN")
    statement = _hostile_rotation(cast, "JPN", cast[victim].card)
    jpn = cast["JPN"]
    with jpn.engine.begin() as conn:
        messages.send(
            conn, jpn, kind=Kind.KEY_ROTATION, peer="KOR",
            document={"statement": statement}, now=jpn.clock(),
        )  # fmt: skip
    [answer] = _deliver(cast, "JPN", "KOR")
    assert answer["status"] == REJECTED
    assert "TLS" in answer["reason"]
    assert kor.peer_card("JPN") == before
    usa = cast["USA"].card
    assert usa.tls_certificate is not None
    chain = {"client_cert_chain": [certificate_pem(usa.tls_certificate)]}
    assert tls_peer(chain, kor.peer_cards()).nation == "USA"


def test_a_card_handed_over_with_another_nodes_tls_certificate_is_not_pinned(
    cast: Cast,
) -> None:
    """The same through `peer add`: JPN's operator reads out the fingerprint of a card that
    really is the one handed over, but its TLS certificate is USA's."""
    kor, jpn = cast["KOR"], cast["JPN"]
    usa = cast["USA"].card
    forged = IdentityCard(
        nation="JPN",
        name=jpn.card.name,
        created=jpn.card.created,
        endpoints=jpn.card.endpoints,
        keys=jpn.card.keys,
        tls_certificate=usa.tls_certificate,
    )
    before = kor.peer_card("JPN")
    with pytest.raises(InputError, match="TLS key of USA"):
        add_peer(kor, forged.to_bytes())
    assert kor.peer_card("JPN") == before
    assert add_peer(kor, jpn.card.to_bytes()) == jpn.card  # its own card still pins again
