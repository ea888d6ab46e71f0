"""The partner nodes an operator pinned: each nation's identity card, as stored, and endpoint.

One card per nation: pinning a new one replaces the old (`pin`). The card is kept as the JSON
it came in; `gsomia.node.peers` pins it, `gsomia.node.runtime` parses what it reads here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, select

from gsomia.store.tables import peers


@dataclass(frozen=True)
class Peer:
    """A pinned partner node: its nation, name and card fingerprint, where it listens, and
    its identity card as JSON bytes."""

    nation: str
    name: str
    fingerprint: str
    endpoint: str | None
    card: bytes = field(repr=False)


def _record(row: Row[Any]) -> Peer:
    m = row._mapping
    return Peer(
        nation=m["nation"],
        name=m["name"],
        fingerprint=m["fingerprint"],
        endpoint=m["endpoint"],
        card=json.dumps(m["card"], ensure_ascii=False).encode(),
    )


def pinned(conn: Connection) -> list[Peer]:
    """Every pinned partner node, by nation."""
    return [_record(row) for row in conn.execute(select(peers).order_by(peers.c.nation))]


def pinned_cards(conn: Connection) -> dict[str, bytes]:
    """Each pinned partner's identity card, as JSON bytes, by nation."""
    return {peer.nation: peer.card for peer in pinned(conn)}


def pin(conn: Connection, peer: Peer, now: datetime) -> None:
    """Pin `peer` and its card, replacing any earlier card of that nation."""
    unpin(conn, peer.nation)
    conn.execute(
        peers.insert().values(
            nation=peer.nation,
            name=peer.name,
            fingerprint=peer.fingerprint,
            card=json.loads(peer.card),
            endpoint=peer.endpoint,
            added_at=now,
        )
    )


def unpin(conn: Connection, nation: str) -> bool:
    """Forget `nation`'s node; whether one was pinned."""
    return conn.execute(delete(peers).where(peers.c.nation == nation)).rowcount > 0


def generation(conn: Connection) -> tuple[tuple[str, str | None, datetime], ...]:
    """What a running node compares to see that another process pinned, replaced or removed
    a partner: each partner's nation, endpoint and when it was pinned (one small read)."""
    rows = conn.execute(
        select(peers.c.nation, peers.c.endpoint, peers.c.added_at).order_by(peers.c.nation)
    )
    return tuple((m[0], m[1], m[2]) for m in rows)
