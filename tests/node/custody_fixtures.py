"""KOR items provided to JPN for the custody, disposal and termination tests.

The originator sets handling terms in its own label before release, as informative
categories (`Handling`, `Copy Limit`, `Purpose Ends`): the label then travels signed in the
envelope's header and arrives unchanged in JPN's holding.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from tests.node.node_fixtures import Cast

from gsomia.labels import Category, CategoryType
from gsomia.labels.json import label_from_obj, label_to_obj
from gsomia.node.read import TAG_COPY_LIMIT, TAG_HANDLING, TAG_PURPOSE_ENDS
from gsomia.store.tables import holdings, items


def set_terms(
    cast: Cast,
    item_id: str,
    *,
    handling: Iterable[str] = (),
    copy_limit: int | None = None,
    purpose_ends: datetime | None = None,
) -> None:
    """Put the originator's handling terms into KOR's label of `item_id` before release."""
    extra = []
    if handling:
        extra.append(Category(TAG_HANDLING, CategoryType.INFORMATIVE, tuple(handling)))
    if copy_limit is not None:
        extra.append(Category(TAG_COPY_LIMIT, CategoryType.INFORMATIVE, (str(copy_limit),)))
    if purpose_ends is not None:
        extra.append(
            Category(TAG_PURPOSE_ENDS, CategoryType.INFORMATIVE, (purpose_ends.isoformat(),))
        )
    kor = cast["KOR"]
    with kor.engine.begin() as conn:
        row = conn.execute(select(items.c.label).where(items.c.id == item_id)).one()
        label = label_from_obj(row.label)
        updated = replace(label, categories=(*label.categories, *extra))
        conn.execute(update(items).where(items.c.id == item_id).values(label=label_to_obj(updated)))


def provide(cast: Cast, *, terms: dict[str, Any] | None = None, **fields: Any) -> str:
    """A KOR item released to JPN and delivered (KOR records the provision); JPN's holding id."""
    item_id = cast.publish("KOR", "kim", **fields)
    if terms:
        set_terms(cast, item_id, **terms)
    outcomes = cast.release("KOR", "park", item_id)
    assert all(o.decision.allowed for o in outcomes), [o.decision for o in outcomes]
    cast.deliver("KOR", "JPN")
    with cast["JPN"].engine.connect() as conn:
        return str(
            conn.execute(select(holdings.c.id).where(holdings.c.item_id == item_id)).scalar_one()
        )


def holding_row(cast: Cast, holding_id: str) -> dict[str, Any]:
    with cast["JPN"].engine.connect() as conn:
        row = conn.execute(select(holdings).where(holdings.c.id == holding_id)).one()
    return dict(row._mapping)


def database_bytes(cast: Cast, nation: str) -> bytes:
    """Every byte of a node's SQLite database files (main file and write-ahead log)."""
    path = Path(str(cast[nation].engine.url.database))
    found = b""
    for candidate in (path, path.with_name(path.name + "-wal")):
        if candidate.exists():
            found += candidate.read_bytes()
    return found
