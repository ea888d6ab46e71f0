"""The transactional outbox: what this node owes its peers, FLASH first, never lost.

Rows are written in the caller's transaction, next to the change that causes them, so a
crash either keeps both or neither. A row is settled only on the peer's signed answer; until
then it is sent again, and the peer's inbox makes the repeat harmless.

The answer is kept sealed at rest under the node's storage key, bound to its row (it names the
holding, the partner's marking, a reason): read only through this module, with the keys; an
answer found in clear is damage (ADR 0088), once the node's one pass sealed the old ones.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, bindparam, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from gsomia.errors import StoreDamaged, VerificationError
from gsomia.seal import NodeKeys
from gsomia.seal.encoding import b64u, b64u_decode
from gsomia.seal.held import bound_to_peer
from gsomia.seal.storage import open_at_rest, seal_at_rest
from gsomia.store.tables import answer_batches, outbox
from gsomia.treaty.items import Precedence

QUEUED = "queued"
FLASH = 0  # the priority of FLASH (`priority`)
RECEIVED = "received"
REJECTED = "rejected"
SEALED = "sealed"


def priority(precedence: Precedence) -> int:
    """Outbox priority: 0 for FLASH … 3 for ROUTINE, so an ascending sort is most urgent first."""
    return int(Precedence.FLASH) - int(precedence)


def precedence_of(level: int) -> Precedence:
    """The precedence an outbox priority stands for: `priority`'s inverse."""
    return Precedence(int(Precedence.FLASH) - level)


@dataclass(frozen=True)
class Pending:
    """A message waiting to be delivered."""

    id: int
    message_id: str
    kind: str
    peer: str
    priority: int
    body: bytes
    attempts: int
    item_id: str | None
    created_at: datetime


def row(
    *,
    message_id: str,
    kind: str,
    peer: str,
    priority: int,
    body: bytes,
    now: datetime,
    item_id: str | None = None,
    agreement_id: str | None = None,
    agreement_version: int | None = None,
) -> dict[str, Any]:
    """A new queued row, for `enqueue_all`."""
    return {
        "message_id": message_id,
        "kind": kind,
        "peer": peer,
        "priority": priority,
        "body": body,
        "format": 2,
        "state": QUEUED,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "item_id": item_id,
        "agreement_id": agreement_id,
        "agreement_version": agreement_version,
    }


def enqueue_all(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Queue `rows` (made by `row`) in one statement, in the caller's transaction."""
    if rows:
        conn.execute(outbox.insert(), list(rows))


def enqueue(conn: Connection, **fields: Any) -> None:
    """Queue one message; the fields are those of `row`."""
    enqueue_all(conn, [row(**fields)])


@dataclass(frozen=True)
class Queued:
    """A due message without its body: what the bulk lane polls for (ids only, so that a
    poll reads no 17 KB bodies it will not send), with the body's size to cut batches by."""

    id: int
    message_id: str
    kind: str
    peer: str
    priority: int
    attempts: int
    item_id: str | None
    created_at: datetime
    size: int


def _lane(flash: bool | None) -> list[Any]:
    """The rows of one lane: FLASH only, everything else, or (None) both."""
    if flash is None:
        return []
    return [outbox.c.priority == FLASH if flash else outbox.c.priority > FLASH]


def due(conn: Connection, now: datetime, limit: int, *, flash: bool | None = None) -> list[Pending]:
    """Queued messages whose time has come, most urgent first, oldest first within a level;
    FLASH ones only, or all others, when `flash` says which."""
    rows = conn.execute(
        select(
            outbox.c.id,
            outbox.c.message_id,
            outbox.c.kind,
            outbox.c.peer,
            outbox.c.priority,
            outbox.c.body,
            outbox.c.attempts,
            outbox.c.item_id,
            outbox.c.created_at,
        )
        .where(outbox.c.state == QUEUED, outbox.c.next_attempt_at <= now, *_lane(flash))
        .order_by(outbox.c.priority, outbox.c.id)
        .limit(limit)
    )
    return [Pending(*row) for row in rows]


_PENDING = (
    outbox.c.id,
    outbox.c.message_id,
    outbox.c.kind,
    outbox.c.peer,
    outbox.c.priority,
    outbox.c.body,
    outbox.c.attempts,
    outbox.c.item_id,
    outbox.c.created_at,
)


def queued_for(
    conn: Connection,
    peer: str,
    *,
    item_ids: Collection[str] | None = None,
    since: datetime | None = None,
) -> list[Queued]:
    """What is still queued for `peer` (of `item_ids`, or queued since `since`), whenever it
    falls due: a courier bundle takes it now (R27). Most urgent first, then oldest. Bodies stay
    in the database until `with_bodies` reads one batch of them."""
    query = select(*_QUEUED).where(outbox.c.state == QUEUED, outbox.c.peer == peer)
    if item_ids is not None:
        query = query.where(outbox.c.item_id.in_(list(item_ids)))
    if since is not None:
        query = query.where(outbox.c.created_at >= since)
    rows = conn.execute(query.order_by(outbox.c.priority, outbox.c.id))
    return [Queued(*row) for row in rows]


def pending_of(conn: Connection, peer: str, message_ids: Collection[str]) -> list[Pending]:
    """The rows for `peer` of `message_ids` still queued: what a late receipt may settle."""
    query = select(*_PENDING).where(
        outbox.c.state == QUEUED,
        outbox.c.peer == peer,
        outbox.c.message_id.in_(list(message_ids)),
    )
    return [Pending(*row) for row in conn.execute(query.order_by(outbox.c.id))]


_QUEUED = (
    outbox.c.id,
    outbox.c.message_id,
    outbox.c.kind,
    outbox.c.peer,
    outbox.c.priority,
    outbox.c.attempts,
    outbox.c.item_id,
    outbox.c.created_at,
    func.length(outbox.c.body),
)


def due_ids(conn: Connection, now: datetime, limit: int, *, flash: bool = False) -> list[Queued]:
    """As `due`, without the bodies."""
    rows = conn.execute(
        select(*_QUEUED)
        .where(outbox.c.state == QUEUED, outbox.c.next_attempt_at <= now, *_lane(flash))
        .order_by(outbox.c.priority, outbox.c.id)
        .limit(limit)
    )
    return [Queued(*row) for row in rows]


def with_bodies(conn: Connection, queued: Sequence[Queued]) -> list[Pending]:
    """`queued` with their bodies, in the same order; a row settled meanwhile is left out."""
    found = dict(
        conn.execute(
            select(outbox.c.id, outbox.c.body).where(
                outbox.c.id.in_([q.id for q in queued]), outbox.c.state == QUEUED
            )
        ).all()
    )
    return [
        Pending(
            q.id, q.message_id, q.kind, q.peer, q.priority, found[q.id], q.attempts, q.item_id,
            q.created_at,
        )
        for q in queued
        if q.id in found
    ]  # fmt: skip


@dataclass(frozen=True)
class Claim:
    """Who claims due rows, and for how long: one delivery process among several on one
    PostgreSQL (ADR 0111). A row is sent only by the process whose claim stands; a claim
    lapses at `until`, so the rows of a process killed mid-send go again after it."""

    owner: str
    until: datetime


def claim(
    conn: Connection,
    now: datetime,
    limit: int,
    by: Claim,
    *,
    flash: bool,
    resting: Collection[str] = (),
) -> list[Pending] | list[Queued]:
    """Claim up to `limit` due rows of one lane that no other process holds, most urgent
    first, oldest first within a level: FLASH rows with their bodies, the others as ids only
    (`with_bodies` reads a batch's bodies when it is sealed). Rows for `resting` partners
    (backing off) are left for others, or for later.

    `FOR UPDATE SKIP LOCKED` passes over rows another process is claiming at this moment;
    the lease passes over rows it claimed before and is still sending. Commit to hold them."""
    free = or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until <= now)
    wanted = (
        select(outbox.c.id)
        .where(outbox.c.state == QUEUED, outbox.c.next_attempt_at <= now, free, *_lane(flash))
        .order_by(outbox.c.priority, outbox.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if resting:
        wanted = wanted.where(outbox.c.peer.not_in(list(resting)))
    ids = list(conn.execute(wanted).scalars())
    if not ids:
        return []
    conn.execute(
        update(outbox)
        .where(outbox.c.id.in_(ids))
        .values(claimed_by=by.owner, claimed_until=by.until)
    )
    if flash:
        query = select(*_PENDING).where(outbox.c.id.in_(ids))
        return [
            Pending(*row) for row in conn.execute(query.order_by(outbox.c.priority, outbox.c.id))
        ]
    listed = select(*_QUEUED).where(outbox.c.id.in_(ids))
    return [Queued(*row) for row in conn.execute(listed.order_by(outbox.c.priority, outbox.c.id))]


def release(conn: Connection, owner: str, ids: Collection[int] | None = None) -> int:
    """Let go of what `owner` claimed and has not settled (a process stopping cleanly; of
    `ids` only, a round that ended before sending them): the others may send it at once, not
    after the lease. Returns the count."""
    query = update(outbox).where(outbox.c.claimed_by == owner, outbox.c.state == QUEUED)
    if ids is not None:
        query = query.where(outbox.c.id.in_(list(ids)))
    result = conn.execute(query.values(claimed_by=None, claimed_until=None))
    return int(result.rowcount)


def next_due_at(
    conn: Connection, *, flash: bool | None = None, unclaimed_at: datetime | None = None
) -> datetime | None:
    """When the earliest queued message (of one lane, if `flash` says which) becomes due, or
    None if nothing is queued; of those no process holds a claim on at `unclaimed_at`, if
    given (another process is sending the rest), or else when the first such claim lapses
    (its process may have died: its rows are then this one's to send)."""
    queued = (outbox.c.state == QUEUED, *_lane(flash))
    if unclaimed_at is None:
        value = conn.execute(select(func.min(outbox.c.next_attempt_at)).where(*queued)).scalar()
        return value if isinstance(value, datetime) else None
    free = or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until <= unclaimed_at)
    due = select(func.min(outbox.c.next_attempt_at)).where(*queued, free).scalar_subquery()
    lapse = select(func.min(outbox.c.claimed_until)).where(*queued, ~free).scalar_subquery()
    times = conn.execute(select(due, lapse)).one()
    found = [value for value in times if isinstance(value, datetime)]
    return min(found, default=None)


_SETTLE = (
    update(outbox)
    .where(outbox.c.id == bindparam("row_id"), outbox.c.state == QUEUED)
    .values(
        state=bindparam("new_state"),
        answer=bindparam("new_answer", type_=outbox.c.answer.type),
        answer_batch=bindparam("batch"),
        settled_at=bindparam("at", type_=outbox.c.settled_at.type),
        last_error=None,
    )
)

#: What every answer of one signed batch shares (`gsomia.exchange.answers.verify_answers`).
SHARED = ("head", "jws")


def _split(answer: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """An answer entry as its own part and the part its batch shares (None if it has none)."""
    if not all(name in answer for name in SHARED):
        return dict(answer), None
    own = {k: v for k, v in answer.items() if k not in SHARED}
    return own, {name: answer[name] for name in SHARED}


def _batch_digest(shared: Mapping[str, Any]) -> str:
    return hashlib.sha256(orjson.dumps(dict(shared), option=orjson.OPT_SORT_KEYS)).hexdigest()


def _batch_context(digest: str) -> str:
    return f"answer-batch:{digest}"


def _context(row_id: int) -> str:
    return f"outbox:{row_id}"


def sealed_answer(keys: NodeKeys, row_id: int, answer: Mapping[str, Any]) -> dict[str, str]:
    """`answer` as the outbox keeps it: sealed at rest under this node's key, bound to its row."""
    data = orjson.dumps(dict(answer), option=orjson.OPT_SORT_KEYS)
    return {SEALED: b64u(seal_at_rest(keys, data, _context(row_id)))}


def opened_answer(
    keys: NodeKeys, row_id: int, stored: Any, batch: tuple[str, Any] | None = None
) -> dict[str, Any] | None:
    """The answer `sealed_answer` kept (None if the row is not settled), with what its batch
    shares, if the row names a batch (`batch`: its digest and stored evidence); `StoreDamaged`
    naming the row for one in clear or one that does not open here: nobody but this node
    writes it."""
    if stored is None:
        return None
    answer: dict[str, Any] = orjson.loads(_opened(keys, stored, _context(row_id), row_id))
    if batch is not None:
        digest, evidence = batch
        if evidence is None:
            raise StoreDamaged(f"outbox row {row_id}: its answer batch {digest} is missing")
        shared = orjson.loads(_opened(keys, evidence, _batch_context(digest), row_id))
        answer |= shared
    return answer


def _opened(keys: NodeKeys, stored: Any, context: str, row_id: int) -> bytes:
    if not isinstance(stored, Mapping) or set(stored) != {SEALED}:
        raise StoreDamaged(f"outbox row {row_id}: its answer is in clear, not sealed at rest")
    try:
        return open_at_rest(keys, b64u_decode(stored[SEALED], what="answer"), context)
    except VerificationError as error:
        raise StoreDamaged(f"outbox row {row_id}: its answer does not open: {error}") from None


def settle(
    conn: Connection,
    keys: NodeKeys,
    ids_answers: Sequence[tuple[int, str, Mapping[str, Any]]],
    now: datetime,
) -> None:
    """Record each peer answer: `(id, state, answer)` with state received or rejected, the
    answer sealed at rest; one statement for all of them (executemany). What the answers of
    one signed batch share (head and JWS) is sealed and stored once, each row naming it."""
    if not ids_answers:
        return
    rows: list[dict[str, Any]] = []
    batches: dict[str, dict[str, Any]] = {}
    for row_id, state, answer in ids_answers:
        own, shared = _split(answer)
        digest = None
        if shared is not None:
            digest = _batch_digest(shared)
            batches.setdefault(digest, shared)
        rows.append(
            {
                "row_id": row_id,
                "new_state": state,
                "new_answer": sealed_answer(keys, row_id, own),
                "batch": digest,
                "at": now,
            }
        )
    if batches:
        # Another turn of the same batch may have stored it already: the same bytes, kept.
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        conn.execute(
            dialect.insert(answer_batches).on_conflict_do_nothing(),
            [
                {"digest": digest, "evidence": _sealed_batch(keys, digest, shared)}
                for digest, shared in batches.items()
            ],
        )
    conn.execute(_SETTLE, rows)


def _sealed_batch(keys: NodeKeys, digest: str, shared: Mapping[str, Any]) -> dict[str, str]:
    data = orjson.dumps(dict(shared), option=orjson.OPT_SORT_KEYS)
    return {SEALED: b64u(seal_at_rest(keys, data, _batch_context(digest)))}


def seal_clear_answers(conn: Connection, keys: NodeKeys) -> int:
    """Seal the answers kept in clear from before they were sealed; how many. Only for the
    node's one pass (`gsomia.node.at_rest`): after it, an answer in clear is damage."""
    rows = conn.execute(select(outbox.c.id, outbox.c.answer).where(outbox.c.answer.is_not(None)))
    clear = [
        (int(row.id), row.answer)
        for row in rows
        if isinstance(row.answer, Mapping) and set(row.answer) != {SEALED}
    ]
    for row_id, answer in clear:
        sealed = sealed_answer(keys, row_id, answer)
        conn.execute(update(outbox).where(outbox.c.id == row_id).values(answer=sealed))
    return len(clear)


def bind_queued_bodies(conn: Connection, keys: NodeKeys) -> int:
    """Seal each queued body from before bodies were bound to their peer again, bound to it;
    how many. Only for the node's one pass (`gsomia.node.at_rest`): after it, a body moved to
    another peer does not open (ADR 0121)."""
    rows = conn.execute(
        select(outbox.c.id, outbox.c.message_id, outbox.c.peer, outbox.c.body).where(
            outbox.c.state == QUEUED
        )
    )
    count = 0
    for row_id, message_id, peer, body in list(rows):
        bound = bound_to_peer(keys, message_id, body, peer)
        if bound is not None:
            conn.execute(update(outbox).where(outbox.c.id == row_id).values(body=bound))
            count += 1
    return count


_RETRY = (
    update(outbox)
    .where(outbox.c.id == bindparam("row_id"), outbox.c.state == QUEUED)
    .values(
        attempts=bindparam("tries"),
        last_error=bindparam("error"),
        next_attempt_at=bindparam("until", type_=outbox.c.next_attempt_at.type),
        claimed_by=None,  # whoever's turn comes next may send it: no lease to wait out
        claimed_until=None,
    )
)


def retry_later(
    conn: Connection, pending: Sequence[Pending | Queued], error: str, until: datetime
) -> None:
    """The peer could not be reached: count the try and hold the rows until `until`."""
    if pending:
        conn.execute(
            _RETRY,
            [
                {"row_id": r.id, "tries": r.attempts + 1, "error": error[:500], "until": until}
                for r in pending
            ],
        )


def retry_now(conn: Connection, peer: str, now: datetime) -> int:
    """A peer said it is back: everything queued for it is due at once. Returns the count."""
    result = conn.execute(
        update(outbox)
        .where(outbox.c.peer == peer, outbox.c.state == QUEUED, outbox.c.next_attempt_at > now)
        .values(next_attempt_at=now)
    )
    return int(result.rowcount)


def depth_by_priority(conn: Connection) -> dict[int, int]:
    """How many messages wait, per priority: the queue-depth metric."""
    rows = conn.execute(
        select(outbox.c.priority, func.count())
        .where(outbox.c.state == QUEUED)
        .group_by(outbox.c.priority)
    )
    return {int(priority): int(count) for priority, count in rows}


# Following what was sent ---------------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    """A message as its sender follows it: where it stands, and the peer's answer once settled
    (the signed answer entry: `{"answer": {...}, ...}`)."""

    message_id: str
    kind: str
    peer: str
    item_id: str | None
    priority: int
    state: str
    attempts: int
    last_error: str | None
    created_at: datetime
    settled_at: datetime | None
    answer: dict[str, Any] | None
    agreement: str | None = None  # "KOR-JPN-2016 v1": what an item was provided under (R6)


def _sent(row: Any, keys: NodeKeys) -> Sent:
    m = row._mapping
    return Sent(
        message_id=m["message_id"],
        kind=m["kind"],
        peer=m["peer"],
        item_id=m["item_id"],
        priority=m["priority"],
        state=m["state"],
        attempts=m["attempts"],
        last_error=m["last_error"],
        created_at=m["created_at"],
        settled_at=m["settled_at"],
        answer=opened_answer(keys, int(m["id"]), m["answer"], _batch_of(m)),
        agreement=(
            f"{m['agreement_id']} v{m['agreement_version'] or 1}" if m["agreement_id"] else None
        ),
    )


#: What following a message reads: not its body (a list never carries it, ADR 0095).
_FOLLOWED = [column for column in outbox.c if column.name != "body"]
#: The outbox with what each settled row's answer batch shares (ADR 0097).
_WITH_BATCH = outbox.outerjoin(answer_batches, outbox.c.answer_batch == answer_batches.c.digest)
_EVIDENCE = answer_batches.c.evidence.label("batch_evidence")


def _following() -> Any:
    """A query of what following a message reads, its answer batch's evidence joined in."""
    return select(*_FOLLOWED, _EVIDENCE).select_from(_WITH_BATCH)


def _batch_of(m: Any) -> tuple[str, Any] | None:
    digest = m["answer_batch"]
    return None if digest is None else (digest, m["batch_evidence"])


def sent(
    conn: Connection, keys: NodeKeys, kind: str, *, item_id: str | None = None, limit: int
) -> list[Sent]:
    """The messages of `kind` (about `item_id` only, if given), newest first."""
    query = _following().where(outbox.c.kind == kind)
    query = query.order_by(outbox.c.id.desc()).limit(limit)
    if item_id is not None:
        query = query.where(outbox.c.item_id == item_id)
    return [_sent(row, keys) for row in conn.execute(query)]


def sent_page(
    conn: Connection,
    keys: NodeKeys,
    kind: str,
    *,
    after: int | None,
    limit: int,
    backward: bool = False,
    peer: str | None = None,
    state: str | None = None,
    level: int | None = None,
) -> list[tuple[int, Sent]]:
    """Up to `limit` messages of `kind` after row `after`, newest first (`backward`: the other
    way), by primary key, without their bodies; to `peer`, in `state`, of priority `level`
    only, where given. Each with its row id (its place in the list)."""
    query = _following().where(outbox.c.kind == kind)
    if after is not None:
        query = query.where(outbox.c.id > after if backward else outbox.c.id < after)
    for column, wanted in (
        (outbox.c.peer, peer),
        (outbox.c.state, state),
        (outbox.c.priority, level),
    ):
        if wanted is not None:
            query = query.where(column == wanted)
    query = query.order_by(outbox.c.id if backward else outbox.c.id.desc()).limit(limit)
    return [(int(row.id), _sent(row, keys)) for row in conn.execute(query)]


def agreements_of(conn: Connection, message_ids: Collection[str]) -> dict[str, str | None]:
    """The agreement each of `message_ids` was sent under (None where it names none)."""
    query = select(outbox.c.message_id, outbox.c.agreement_id)
    rows = conn.execute(query.where(outbox.c.message_id.in_(list(message_ids))))
    return dict(rows.all())


@dataclass(frozen=True)
class Delivered:
    """A message of this node's that the peer answered "received": to whom, when, under which
    agreement, and the signed answer entry."""

    peer: str
    settled_at: datetime | None
    answer: dict[str, Any] | None
    agreement_id: str | None
    created_at: datetime


def delivered(conn: Connection, keys: NodeKeys, kind: str, item_id: str) -> list[Delivered]:
    """The messages of `kind` about `item_id` that their peers answered "received", in the
    order they were sent."""
    query = _following().where(
        outbox.c.item_id == item_id, outbox.c.kind == kind, outbox.c.state == "received"
    )
    return [
        Delivered(
            m["peer"],
            m["settled_at"],
            opened_answer(keys, m["id"], m["answer"], _batch_of(m)),
            m["agreement_id"],
            m["created_at"],
        )
        for m in conn.execute(query.order_by(outbox.c.id)).mappings()
    ]


def of_messages(
    conn: Connection, keys: NodeKeys, message_ids: Collection[str], *, state: str | None = None
) -> list[Sent]:
    """The messages `message_ids` (those in `state` only, if given), in the order sent."""
    query = _following().where(outbox.c.message_id.in_(list(message_ids)))
    if state is not None:
        query = query.where(outbox.c.state == state)
    return [_sent(row, keys) for row in conn.execute(query.order_by(outbox.c.id))]


def settled(conn: Connection, keys: NodeKeys, message_id: str) -> Sent | None:
    """The message `message_id` once its peer answered (or it failed for good), else None."""
    query = _following().where(outbox.c.message_id == message_id, outbox.c.state != QUEUED)
    found = conn.execute(query).first()
    return None if found is None else _sent(found, keys)


def failing(conn: Connection, keys: NodeKeys, priority: int, *, limit: int = 100) -> list[Sent]:
    """Messages of `priority` still queued after at least one failed try, oldest first: what
    the node raises to its officers (a FLASH item no partner has yet)."""
    query = (
        _following()
        .where(outbox.c.state == QUEUED, outbox.c.priority == priority, outbox.c.attempts > 0)
        .order_by(outbox.c.id)
        .limit(limit)
    )
    return [_sent(row, keys) for row in conn.execute(query)]


def awaits(conn: Connection, kind: str, peer: str) -> bool:
    """Whether a message of `kind` to `peer` still waits (queued, not yet answered)."""
    query = select(outbox.c.id).where(
        outbox.c.state == QUEUED, outbox.c.kind == kind, outbox.c.peer == peer
    )
    return conn.execute(query.limit(1)).first() is not None
