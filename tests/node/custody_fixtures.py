"""KOR items provided to JPN for the custody, disposal and termination tests.

The originator sets handling terms when it publishes (`Draft.handling`, `copy_limit`,
`purpose_ends`); they travel as informative categories of the signed label and arrive
unchanged in JPN's holding.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlalchemy import select
from tests.node.node_fixtures import Cast

from gsomia.store import holdings as stored_holdings
from gsomia.store.tables import holdings


def provide(cast: Cast, *, terms: dict[str, Any] | None = None, **fields: Any) -> str:
    """A KOR item released to JPN and delivered (KOR records the provision); JPN's holding id.

    `terms` are the originator's handling terms as an analyst sets them on publication
    (`handling`, `copy_limit`, `purpose_ends`): they travel in the signed label.
    """
    item_id = cast.publish("KOR", "kim", **fields, **(terms or {}))
    outcomes = cast.release("KOR", "park", item_id)
    assert all(o.decision.allowed for o in outcomes), [o.decision for o in outcomes]
    cast.deliver("KOR", "JPN")
    with cast["JPN"].engine.connect() as conn:
        return str(
            conn.execute(select(holdings.c.id).where(holdings.c.item_id == item_id)).scalar_one()
        )


def holding_row(cast: Cast, holding_id: str) -> dict[str, Any]:
    with cast["JPN"].engine.connect() as conn:
        row = conn.execute(stored_holdings.whole().where(holdings.c.id == holding_id)).one()
    # as the node reads it: title and labels opened at rest (ADR 0075)
    return asdict(stored_holdings.from_row(row, cast["JPN"].vault))


def database_bytes(cast: Cast, nation: str) -> bytes:
    """Every byte of a node's SQLite database files (main file and write-ahead log)."""
    path = Path(str(cast[nation].engine.url.database))
    found = b""
    for candidate in (path, path.with_name(path.name + "-wal")):
        if candidate.exists():
            found += candidate.read_bytes()
    return found
