"""Reads of the pinned partners' identity cards, as stored (JSON), by nation.

`gsomia.node.peers` pins them; the log's console checks read them without a running node.
"""

from __future__ import annotations

import json

from sqlalchemy import Connection, select

from gsomia.store.tables import peers


def pinned_cards(conn: Connection) -> dict[str, bytes]:
    """Each pinned partner's identity card, as JSON bytes, by nation."""
    rows = conn.execute(select(peers.c.nation, peers.c.card))
    return {nation: json.dumps(card, ensure_ascii=False).encode() for nation, card in rows}
