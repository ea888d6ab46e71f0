"""Partners' key rotations (ADR 0093): the cards their rotation statements replaced.

`gsomia.node.control.key_rotation` records one when it pins a partner's new card; the node
verifies what the partner signed under an earlier card (a binding, a consent) against these.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from gsomia.store.tables import peer_rotations


def record(
    conn: Connection,
    *,
    nation: str,
    old_card: bytes,
    old_fingerprint: str,
    new_fingerprint: str,
    statement: dict[str, Any],
    rotated_at: datetime,
    now: datetime,
) -> None:
    conn.execute(
        peer_rotations.insert().values(
            nation=nation,
            old_fingerprint=old_fingerprint,
            new_fingerprint=new_fingerprint,
            old_card=json.loads(old_card),
            statement=statement,
            rotated_at=rotated_at,
            recorded_at=now,
        )
    )


def retired_cards(conn: Connection) -> dict[str, list[bytes]]:
    """Each partner's replaced cards, newest first, as JSON bytes, by nation."""
    query = select(peer_rotations.c.nation, peer_rotations.c.old_card).order_by(
        peer_rotations.c.id.desc()
    )
    found: dict[str, list[bytes]] = {}
    for nation, card in conn.execute(query):
        found.setdefault(nation, []).append(json.dumps(card, ensure_ascii=False).encode())
    return found
