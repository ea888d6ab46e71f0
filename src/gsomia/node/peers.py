"""Partner nodes this node trusts: their identity cards, pinned by an operator."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, delete, select

from gsomia.errors import InputError, NotFound
from gsomia.node.runtime import Node
from gsomia.seal import IdentityCard, parse_card
from gsomia.store.tables import peers


@dataclass(frozen=True)
class Peer:
    nation: str
    name: str
    fingerprint: str
    endpoint: str | None


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
    address = endpoint or (card.endpoints[0] if card.endpoints else None)
    now = node.clock()
    with node.engine.begin() as conn:
        conn.execute(delete(peers).where(peers.c.nation == card.nation))
        conn.execute(
            peers.insert().values(
                nation=card.nation,
                name=card.name,
                fingerprint=card.fingerprint,
                card=card.to_json(),
                endpoint=address,
                added_at=now,
            )
        )
    node.forget_peers()
    return card


def list_peers(conn: Connection) -> list[Peer]:
    rows = conn.execute(
        select(peers.c.nation, peers.c.name, peers.c.fingerprint, peers.c.endpoint).order_by(
            peers.c.nation
        )
    )
    return [Peer(*row) for row in rows]


def remove_peer(node: Node, nation: str) -> None:
    with node.engine.begin() as conn:
        if conn.execute(delete(peers).where(peers.c.nation == nation)).rowcount == 0:
            raise NotFound(f"no partner node of {nation} is registered")
    node.forget_peers()
