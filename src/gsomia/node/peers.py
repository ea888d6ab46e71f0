"""Partner nodes this node trusts: their identity cards, pinned by an operator.

The cards are kept by `gsomia.store.peers`; the running node reads them once and again after
each change here (`Node.forget_peers`).
"""

from __future__ import annotations

from gsomia.errors import InputError, NotFound
from gsomia.node.runtime import Node
from gsomia.seal import IdentityCard, parse_card
from gsomia.seal.identity import borrowed_from
from gsomia.store import peers
from gsomia.store.peers import Peer


def add_peer(node: Node, card_bytes: bytes, endpoint: str | None = None) -> IdentityCard:
    """Pin a partner's identity card (replacing any earlier card of that nation)."""
    card = parse_card(card_bytes)
    if card.nation == node.nation:
        raise InputError(
            f"the card is this node's own nation ({card.nation})",
            hint="add the identity card of a partner nation's node",
        )
    if card.profile != node.keys.profile:
        raise InputError(
            f"{card.nation}'s node uses the {card.profile} profile, this node {node.keys.profile}",
            hint="both nodes of an exchange need keys of the same profile",
        )
    clash = borrowed_from(card, [node.card, *node.peer_cards()])
    if clash is not None:
        raise InputError(
            f"{clash}: a card shares no key with another node's",
            hint=f"ask {card.nation}'s operator for its own card and compare its fingerprint",
        )
    address = endpoint or (card.endpoints[0] if card.endpoints else None)
    now = node.clock()
    pinned = Peer(card.nation, card.name, card.fingerprint, address, card.to_bytes())
    with node.engine.begin() as conn:
        peers.pin(conn, pinned, now)
    node.forget_peers()
    return card


def remove_peer(node: Node, nation: str) -> None:
    """Stop trusting `nation`'s node; NotFound if none is pinned."""
    with node.engine.begin() as conn:
        if not peers.unpin(conn, nation):
            raise NotFound(f"no partner node of {nation} is registered")
    node.forget_peers()
