"""The end of a holding: destruction and return to the originator (R18, R31, R32).

Destruction writes an immutable `destructions` row (method, time, executing officials,
witnesses, who recorded it) and a log entry in the same transaction that empties the sealed
content from the store: the holding's envelope and the text of every covered copy,
translation or derivative become empty bytes, with SQLite's `secure_delete` on so the freed
pages are zeroed, and the write-ahead log is checkpointed afterwards. A return does the same
and sends the originator a signed `return_notice`, which its node records as a transfer back.
The treaty core (`treaty.destruction`) decides; nothing here depends on the agreement still
being in force (Art. 21.4).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from sqlalchemy import Connection

from gsomia.errors import Conflict, InputError, NotFound
from gsomia.exchange.kinds import Kind
from gsomia.node import audit, read
from gsomia.node.authority import authorise, refuse_all
from gsomia.node.control import messages
from gsomia.node.control.inventory import dependants
from gsomia.node.control.messages import Handler, Incoming, Outcome
from gsomia.node.people import to_person
from gsomia.node.runtime import Node
from gsomia.seal.at_rest import Vault
from gsomia.store import copies, db, destructions, holdings, items, transfers
from gsomia.store.users import UserRecord, get_user
from gsomia.treaty.destruction import (
    DestructionMethod,
    DestructionRecord,
    Disposition,
    ReturnRecord,
    may_destroy,
    may_return,
    may_take_back,
)
from gsomia.treaty.items import Precedence
from gsomia.treaty.onward import Transfer
from gsomia.treaty.roles import Action

__all__ = ["HANDLERS", "METHOD_ALIASES", "RETURN_NOTICE", "destroy", "return_holding"]


RETURN_NOTICE = Kind.RETURN_NOTICE
#: Short names the CLI and API accept beside the methods' own names.
METHOD_ALIASES = {"shredding": DestructionMethod.CROSS_CUT_SHREDDING}
MAX_NAMES = 10


def _method(name: str) -> DestructionMethod:
    if name in METHOD_ALIASES:
        return METHOD_ALIASES[name]
    try:
        return DestructionMethod(name)
    except ValueError:
        choices = ", ".join([m.value for m in DestructionMethod] + list(METHOD_ALIASES))
        raise InputError(f"unknown destruction method {name!r}", hint=f"one of {choices}") from None


def _open_dependants(
    conn: Connection, holding_id: str, vault: Vault
) -> tuple[list[Any], dict[str, Disposition]]:
    """The copies, translations and derivatives still held, and those already disposed of."""
    rows = dependants(conn, holding_id, vault)
    disposed = {r.id: Disposition(r.state) for r in rows if r.state in ("destroyed", "returned")}
    return [r for r in rows if r.id not in disposed], disposed


def _empty(
    conn: Connection, vault: Vault, holding_id: str, covers: Sequence[str], state: str
) -> None:
    holdings.empty(conn, holding_id, state, vault)
    copies.empty(conn, covers, state, vault)


def _record_json(record: DestructionRecord) -> dict[str, Any]:
    out = asdict(record)
    out["method"] = record.method.value
    out["at"] = record.at.isoformat()
    out["officials"] = list(record.officials)
    out["witnesses"] = list(record.witnesses)
    out["covers"] = sorted(record.covers)
    return out


def destroy(
    node: Node,
    officer: UserRecord,
    holding_id: str,
    *,
    method: str,
    officials: Sequence[str],
    witnesses: Sequence[str] = (),
    dispose_dependants: bool = False,
) -> dict[str, Any]:
    """Destroy a holding as an officer records it (R31); its copies, translations and
    derivatives go with it when `dispose_dependants`, else each must already be disposed of
    (R32). The destruction record as JSON."""
    _check_names(officials, witnesses)
    chosen = _method(method)
    _, role = authorise(node, officer, Action.DISPOSE, holding_id)
    row = read.holding_row(node, holding_id)
    holding = read.treaty_holding(node, row)
    now = node.clock()
    with node.reader.connect() as conn:
        people = [
            to_person(get_user(conn, name, node.vault), node.scheme(now.date()))
            for name in officials
        ]
        open_, disposed = _open_dependants(conn, row.id, node.vault)
    covers = frozenset(r.id for r in open_) if dispose_dependants else frozenset()
    record = DestructionRecord(
        uuid.uuid4().hex,
        row.id,
        row.item_id,
        chosen,
        now,
        tuple(officials),
        tuple(witnesses),
        covers,
    )
    decision = may_destroy(
        holding,
        record,
        people,
        now,
        agreement=node.agreement(row.agreement_id),
        dependants=[r.id for r in open_],
        disposed=disposed,
    )
    entry = audit.Entry(officer.name, "destroy", row.id, decision, also=tuple(sorted(covers)))
    if not decision.allowed:
        refuse_all(node, [entry], now=now)
    document = _record_json(record)
    with node.engine.begin() as conn:
        _empty_held(conn, node.vault, row.id, covers, "destroyed")
        subjects = [("holding", row.id), *(("copy", c) for c in sorted(covers))]
        destructions.add(
            conn,
            subjects,
            item_id=row.item_id,
            method=chosen.value,
            at=now,
            officials=officials,
            witnesses=witnesses,
            recorded_by=officer.name,
            record=document,
        )
        audit.record_all(
            conn,
            [audit.Entry(officer.name, Action.DISPOSE.value, row.id, role), entry],
            now,
        )
    _scrub(node)
    return {**document, "recorded_by": officer.name, "state": "destroyed"}


def return_holding(
    node: Node, officer: UserRecord, holding_id: str, *, dispose_dependants: bool = False
) -> dict[str, Any]:
    """Give a holding back to its originator (Art. 6(h); R18): the local content is emptied,
    the holding marked returned, and the originator's node sent a signed notice."""
    _, role = authorise(node, officer, Action.DISPOSE, holding_id)
    row = read.holding_row(node, holding_id)
    holding = read.treaty_holding(node, row)
    now = node.clock()
    with node.reader.connect() as conn:
        open_, disposed = _open_dependants(conn, row.id, node.vault)
    covers = frozenset(r.id for r in open_) if dispose_dependants else frozenset()
    record = ReturnRecord(
        uuid.uuid4().hex,
        row.id,
        row.item_id,
        holding.item.originator,
        now,
        officer.name,
        covers,
    )
    decision = may_return(holding, record, now, dependants=[r.id for r in open_], disposed=disposed)
    entry = audit.Entry(officer.name, "return", row.id, decision, also=tuple(sorted(covers)))
    if not decision.allowed:
        refuse_all(node, [entry], now=now)
    document = _return_json(record, row.agreement_id)
    original = row.original_label["ConfidentialityInformation"]["Classification"]
    with node.engine.begin() as conn:
        _empty_held(conn, node.vault, row.id, covers, "returned")
        message_id = messages.send(
            conn,
            node,
            kind=RETURN_NOTICE,
            peer=holding.item.originator,
            document=document,
            precedence=Precedence.PRIORITY,
            item_id=row.item_id,
            now=now,
        )
        back = Transfer(
            row.item_id, node.nation, holding.item.originator, now, original, row.agreement_id
        )
        transfers.add(conn, back, message_id=message_id, reported_by=node.nation)
        audit.record_all(
            conn,
            [
                audit.Entry(officer.name, Action.DISPOSE.value, row.id, role),
                audit.Entry(
                    officer.name,
                    "return",
                    row.id,
                    decision,
                    also=(message_id, *sorted(covers)),
                ),
            ],
            now,
        )
    messages.wake(node, Precedence.PRIORITY)
    _scrub(node)
    return {
        **document,
        "message_id": message_id,
        "to": holding.item.originator,
        "state": "returned",
    }


def _check_names(officials: Sequence[str], witnesses: Sequence[str]) -> None:
    """InputError unless 1 to `MAX_NAMES` officials and at most as many witnesses are named."""
    if not officials or len(officials) > MAX_NAMES or len(witnesses) > MAX_NAMES:
        raise InputError(
            f"name 1 to {MAX_NAMES} executing officials and at most {MAX_NAMES} witnesses"
        )
    if any(not name or len(name) > 100 for name in [*officials, *witnesses]):
        raise InputError("officials and witnesses are names of up to 100 characters")


def _empty_held(
    conn: Connection, vault: Vault, holding_id: str, covers: frozenset[str], state: str
) -> None:
    """Empty a holding still held, and the dependants `covers` names, marking them `state`;
    Conflict if it was disposed of meanwhile."""
    db.secure_delete(conn)
    found = holdings.state_of(conn, holding_id)
    if found != "held":
        raise Conflict(f"{holding_id} was {found} meanwhile")
    _empty(conn, vault, holding_id, sorted(covers), state)


def _scrub(node: Node) -> None:
    """Leave no copy of what was emptied in the WAL or in dead row versions (ADR 0075)."""
    db.checkpoint(node.engine)
    db.vacuum(node.engine)


def _return_json(record: ReturnRecord, agreement_id: str) -> dict[str, Any]:
    """The signed return notice's document (R18)."""
    return {
        "record": record.id,
        "item_id": record.item_id,
        "holding_id": record.holding_id,
        "agreement": agreement_id,
        "returned_at": record.at.isoformat(),
        "by": record.by,
        "covers": sorted(record.covers),
    }


def _on_return_notice(conn: Connection, node: Node, incoming: Incoming) -> Outcome:
    """The originator records a holder's return of its item as a transfer back (R18)."""
    document = incoming.document
    item_id = messages.text(document, "item_id", limit=64)
    agreement = messages.text(document, "agreement", limit=64)
    at = messages.when(document, "returned_at")
    messages.text(document, "by", limit=100)
    messages.texts(document, "covers", limit=64)
    own = items.get(conn, item_id, node.vault)
    if own is None:
        raise NotFound(f"{node.nation} originated no item {item_id}")
    sender = incoming.sender
    recorded = transfers.is_recorded(conn, item_id, to_nation=sender)
    decision = may_take_back(item_id, sender, recorded_holder=recorded)
    if not decision.allowed:
        return Outcome(decision, item_id)
    if transfers.is_recorded(conn, item_id, from_nation=sender, to_nation=node.nation):
        raise Conflict(f"{sender} already returned {item_id}")
    back = Transfer(item_id, sender, node.nation, at, own.level, agreement)
    transfers.add(conn, back, message_id=incoming.id, reported_by=sender)
    return Outcome(decision, item_id, {"recorded": "returned"})


HANDLERS: dict[Kind, Handler] = {RETURN_NOTICE: _on_return_notice}
