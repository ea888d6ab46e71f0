"""Numbered reproductions, translations and derivatives of an item or holding (R8, R15–R18,
R29): one `copies` row each, its content sealed to this node's own key and emptied when the
copy is destroyed or returned. node.control.copies and .derivatives decide what is made.

Every column but the content stays in clear and is sealed in `terms` under the copy's metadata
key, where it is decided (made, re-marked, disposed of): a read that finds a column not saying
what the seal says is `StoreDamaged`. The copies and translations of a holding are counted in
the holding's own sealed terms as each is made, so a row deleted frees no slot under the
originator's limit: a count that is not the rows' is damage too (ADR 0140).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Row, RowMapping, func, select, update

from gsomia.errors import StoreDamaged, VerificationError
from gsomia.seal.at_rest import Vault
from gsomia.store import db, disposals, holdings, sealed_terms
from gsomia.store.tables import copies

#: Every column of a copy, and its disposal's record, checked on each read (ADR 0139).
_WHOLE = select(copies, disposals.disposed_state(disposals.COPY, copies.c.id))

#: The kinds numbered per holding: copies and translations (a derivative is a new item).
REPRODUCED = ("copy", "translation")
#: The column name a copy's sealing is bound to (not a holding's `terms`: another row's).
TERMS = "copy_terms"
#: What a copy's `terms` seals: every column but the content, which is sealed itself.
DECIDED = tuple(str(c.name) for c in copies.c if c.name not in ("content", "terms"))


def insert(
    conn: Connection,
    *,
    copy_id: str,
    kind: str,
    item_id: str,
    holding_id: str | None,
    number: int,
    level: str,
    label: Mapping[str, Any],
    details: Mapping[str, Any],
    content: bytes | None,
    made_by: str,
    made_at: datetime,
    vault: Vault,
) -> None:
    """Inventory one reproduction, held; a copy or translation of a holding counted in the
    holding's sealed terms in the same transaction (Conflict if `number` is not the next)."""
    if holding_id is not None and kind in REPRODUCED:
        holdings.count_copy(conn, holding_id, number, vault)
    values = {
        "id": copy_id,
        "kind": kind,
        "item_id": item_id,
        "holding_id": holding_id,
        "number": number,
        "level": level,
        "label": dict(label),
        "details": dict(details),
        "made_by": made_by,
        "made_at": made_at,
        "state": "held",
    }
    conn.execute(copies.insert().values(**values, content=content, terms=_sealed(values, vault)))


def _checked(row: Row[Any], vault: Vault) -> Row[Any]:
    """The row, unless its columns are not what its terms seal (ADR 0140) or it contradicts
    its disposal: StoreDamaged for a copy put back from before its destruction or return
    (ADR 0139)."""
    _as_sealed(row._mapping, vault)
    disposals.check(disposals.COPY, row.id, row.state, row.disposed)
    return row


def get(conn: Connection, copy_id: str, vault: Vault) -> Row[Any] | None:
    row = conn.execute(_WHOLE.where(copies.c.id == copy_id)).first()
    return None if row is None else _checked(row, vault)


def states_of(conn: Connection, copy_ids: Collection[str]) -> dict[str, str]:
    """The state of each of `copy_ids` stored, by id."""
    return db.states_of(conn, copies, copy_ids)


def reproductions(conn: Connection, holding_id: str, vault: Vault) -> int:
    """How many copies and translations of `holding_id` were ever made (the next number - 1),
    as the holding's sealed count says. StoreDamaged unless its copy rows are as many: a row
    deleted (which would free a slot) or one added without the node's count (ADR 0140)."""
    made = holdings.copies_made(conn, holding_id, vault) or 0
    query = select(func.count()).select_from(copies)
    query = query.where(copies.c.holding_id == holding_id, copies.c.kind.in_(REPRODUCED))
    kept = int(conn.execute(query).scalar_one())
    if kept != made:
        raise StoreDamaged(
            f"holding {holding_id} made {made} copies and translations; {kept} are inventoried",
            hint="restore the database from a backup; a copy is never deleted, only destroyed",
        )
    return made


def every(conn: Connection, vault: Vault) -> list[Row[Any]]:
    """Every reproduction, in any state, the oldest first."""
    rows = conn.execute(_WHOLE.order_by(copies.c.made_at, copies.c.id))
    return [_checked(row, vault) for row in rows]


def live(conn: Connection, vault: Vault) -> list[dict[str, Any]]:
    """Every reproduction not destroyed, as plain dicts. Every row is checked, the destroyed
    too: a copy a writer set destroyed in clear is damage, not left out of a re-marking."""
    rows = [_checked(row, vault)._mapping for row in conn.execute(_WHOLE)]
    return [
        {k: v for k, v in row.items() if k != disposals.COLUMN}
        for row in rows
        if row["state"] != "destroyed"
    ]


def remark(
    conn: Connection, copy_id: str, level: str, label: Mapping[str, Any], vault: Vault
) -> None:
    """Re-mark one reproduction after a classification change (R14)."""
    _decide(conn, copy_id, vault, level=level, label=dict(label))


def empty(conn: Connection, copy_ids: Collection[str], state: str, vault: Vault) -> None:
    """Erase the content of `copy_ids`, now `state` (destroyed or returned), and record their
    disposal, the witness a row put back from before contradicts (ADR 0139)."""
    for copy_id in sorted(copy_ids):
        _decide(conn, copy_id, vault, content=b"", state=state)
    disposals.record(conn, disposals.COPY, copy_ids, state)


def bind_terms(conn: Connection, vault: Vault) -> int:
    """Seal the terms of each copy that keeps none (stored before ADR 0140) as its columns say
    them, and each holding's count of copies made as its rows say it; how many rows. Only the
    node's one pass does this (`node.at_rest`): after it, a copy without terms is damage."""
    rows = conn.execute(select(copies).where(copies.c.terms.is_(None))).all()
    for row in rows:
        terms = _sealed(row._mapping, vault)
        conn.execute(update(copies).where(copies.c.id == row.id).values(terms=terms))
    query = select(copies.c.holding_id, func.count()).where(
        copies.c.holding_id.is_not(None), copies.c.kind.in_(REPRODUCED)
    )
    counts = {h: int(n) for h, n in conn.execute(query.group_by(copies.c.holding_id))}
    return len(rows) + holdings.bind_copies_made(conn, counts, vault)


def _decide(conn: Connection, copy_id: str, vault: Vault, **values: Any) -> None:
    """Write `values` to the copy, its sealed terms rewritten to say them; the row read locked
    and checked first, so a column a writer changed is damage here, never sealed as the
    node's. No such copy: nothing to write."""
    query = select(copies).where(copies.c.id == copy_id).with_for_update()
    row = conn.execute(query).first()
    if row is None:
        return
    _as_sealed(row._mapping, vault)
    terms = _sealed({**row._mapping, **values}, vault)
    conn.execute(update(copies).where(copies.c.id == copy_id).values(**values, terms=terms))


def _decided(m: RowMapping | Mapping[str, Any]) -> dict[str, Any]:
    """The sealed columns of a row as JSON reads them back (a time in UTC, lists not tuples)."""
    values = {name: m[name] for name in DECIDED}
    values["made_at"] = values["made_at"].astimezone(UTC).isoformat()
    decoded: dict[str, Any] = orjson.loads(orjson.dumps(values))
    return decoded


def _sealed(m: RowMapping | Mapping[str, Any], vault: Vault) -> str:
    return sealed_terms.seal(vault.metadata_key(m["id"]), TERMS, _decided(m))


def _as_sealed(m: RowMapping | Mapping[str, Any], vault: Vault) -> None:
    """StoreDamaged unless the copy's columns say what its sealed terms say: a writer of the
    database who lowered a copy's level or changed its label re-marked it unseen (left open
    by ADR 0134; ADR 0140). A row without terms is damage too, except to the node's one pass
    over rows from before (`vault.reads_clear`), which seals them."""
    sealed = m["terms"]
    if sealed is None:
        if vault.reads_clear:
            return
        raise StoreDamaged(
            f"copy {m['id']} keeps no seal of its marking and label",
            hint="restore the database from a backup; a copy's marking is never read from "
            "columns nothing vouches for",
        )
    try:
        said = sealed_terms.opened(vault.metadata_key(m["id"]), TERMS, sealed)
    except VerificationError as error:
        raise StoreDamaged(
            f"copy {m['id']}'s sealed terms do not open as its own: {error.message}",
            hint="restore the database from a backup; rows in clear are never read as genuine",
        ) from None
    differ = sealed_terms.differing(said, _decided(m))
    if differ:
        raise StoreDamaged(
            f"copy {m['id']}'s {', '.join(differ)} "
            f"{'is' if len(differ) == 1 else 'are'} not what its sealed terms say",
            hint="restore the database from a backup; a column changed in the database is "
            "never read as the node's decision",
        )
