"""TAXII 2.1 over this node: an API root per agreement, a collection per purpose (ADR 0116).

A collection is what partners provided under one agreement for one purpose: its holdings, in
the order received, paged by the key (received, id) so every page costs the same at any
depth. A person sees the collections of their own need-to-know (their communities) and, in
them, only the objects the read decision lets them read (`gsomia.node.sharing`): a refused
reader pages through nothing. Each object handed over is logged as a read.

Posting objects to a collection is publishing as an analyst (R6, R50): each object becomes a
draft releasable to the agreement's other party for the collection's purpose, its STIX id
kept (`gsomia.stix.intake`), released by an officer or under a standing rule for the feed
`taxii:<agreement>:<purpose>`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection

from gsomia.errors import (
    Conflict,
    Error,
    InputError,
    NotFound,
    Unauthenticated,
)
from gsomia.node import admission, publish, sharing
from gsomia.node.admission import Presented
from gsomia.node.paging import BUDGET
from gsomia.node.runtime import Node
from gsomia.node.sessions import check_credentials
from gsomia.node.sharing import Handed
from gsomia.node.taxii_cursor import Cursor, cursor_of, opened, position_key
from gsomia.stix.definitions import (
    DEFINITION_TYPES,
    Definition,
    definition_of_id,
    definitions_of,
    plan,
)
from gsomia.stix.intake import Intake, Refused, take_in
from gsomia.stix.matching import Match, version_of
from gsomia.stix.objects import NAMESPACE, STIX_MEDIA_TYPE
from gsomia.store import holdings, items, taxii_statuses
from gsomia.store.holdings import HoldingRecord
from gsomia.store.merkle_log import MerkleLog
from gsomia.store.taxii_statuses import KeptStatus
from gsomia.store.users import UserRecord
from gsomia.treaty.agreements import Agreement
from gsomia.treaty.decision import Decision
from gsomia.treaty.people import SECURITY_OFFICER
from gsomia.treaty.roles import ROLE_GRANTS, Action

__all__ = [
    "MAX_LIMIT",
    "Collection",
    "Page",
    "Posted",
    "agreement_of",
    "api_roots",
    "basic_user",
    "collection",
    "collections",
    "get_object",
    "item_ids_of",
    "objects_page",
    "post_objects",
    "posted_status",
    "stamp",
]

MAX_LIMIT = 1000
#: Rows read from the store at a time while a page is filled (a page of 1 does not read 1).
SCAN_CHUNK = 100
#: The objects' JSON a page carries at most, past the object that crosses it: a partner's
#: items may be 32 MB each, and a page of 1,000 held them all at once (found by the attack).
PAGE_BYTES = 64 << 20
#: The bytes (kept STIX objects, or envelopes of rows that keep none) one store read of a
#: page's handed rows carries at most (past its first row): a page holds one such read
#: beside the objects it carries, so at most `PAGE_BYTES` plus this plus the object that
#: crosses it.
READ_BYTES = 8 << 20
DEFAULT_LIMIT = 100
MAX_POSTED = 1000  # objects in one envelope: `publish.MAX_BATCH`
ACTION = "read:taxii"


@dataclass(frozen=True)
class Collection:
    id: str
    agreement_id: str
    purpose: str


@dataclass(frozen=True)
class Page:
    objects: list[Handed]
    more: bool
    next: str | None


@dataclass(frozen=True)
class Posted:
    """What became of a posted envelope's objects (a TAXII status)."""

    successes: list[str] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)  # a success's STIX id: its version
    item_ids: list[str] = field(default_factory=list)
    status: dict[str, Any] = field(default_factory=dict)  # as kept, when one is kept


def api_roots(node: Node) -> list[Agreement]:
    """The agreements this node's nation is a party to: one API root each."""
    return [a for a in node.agreements.all() if node.nation in a.parties]


def agreement_of(node: Node, agreement_id: str) -> Agreement:
    for agreement in api_roots(node):
        if agreement.id == agreement_id:
            return agreement
    raise NotFound(f"no API root {agreement_id}", hint="GET /taxii2/ lists this node's roots")


@lru_cache(maxsize=1024)
def collection_id(agreement_id: str, purpose: str) -> str:
    # Pure, and asked for each of the reader's communities on every request: its SHA-1
    # and UUID were 3 % of a TAXII post (py-spy, ADR 0137). Bounded: agreements x purposes.
    return str(uuid.uuid5(NAMESPACE, f"collection:{agreement_id}\n{purpose}"))


def collections(node: Node, user: UserRecord, agreement_id: str) -> list[Collection]:
    """The collections of `agreement_id` `user` has a need-to-know for: one per community."""
    agreement = agreement_of(node, agreement_id)
    return [
        Collection(collection_id(agreement.id, purpose), agreement.id, purpose)
        for purpose in sorted(user.communities)
    ]


def collection(node: Node, user: UserRecord, agreement_id: str, wanted: str) -> Collection:
    for found in collections(node, user, agreement_id):
        if wanted in (found.id, found.purpose):
            return found
    raise NotFound(
        f"no collection {wanted} for you under {agreement_id}",
        hint=f"GET /taxii2/{agreement_id}/collections/ lists yours",
    )


def basic_user(node: Node, name: str, password: str, *, source: str = "") -> UserRecord:
    """The person HTTP Basic credentials name, counted and held back after failures as a
    sign-in is (`gsomia.node.sessions`); `Unauthenticated` otherwise. A TAXII tool that pages
    much should use a bearer token: each Basic request checks a password hash."""
    user = check_credentials(node, name, password, source=source)
    if user is None:
        raise Unauthenticated(
            "the name or password is wrong", hint="or send `Authorization: Bearer <token>`"
        )
    return user


# Paging -------------------------------------------------------------------------------------


def item_ids_of(node: Node, stix_ids: frozenset[str]) -> list[str]:
    """The item ids a holding of any of `stix_ids` may have: the partner's item id ends in
    the object's UUID (`stix.objects.stix_id`, `stix.intake`), from any nation's."""
    uids = set()
    for wanted in stix_ids:
        try:
            uids.add(uuid.UUID(wanted.partition("--")[2]))
        except ValueError:
            continue  # not a STIX id: nothing here is it
    return sorted(f"{nation}-{uid}" for uid in uids for nation in node.schemes.nations())


def objects_page(
    node: Node,
    user: UserRecord,
    found: Collection,
    *,
    next_: str | None = None,
    added_after: datetime | None = None,
    limit: int | None = None,
    match: Match = Match(),  # noqa: B008 - frozen: one shared value is safe
) -> Page:
    """The next page of `found` `user` may read that `match` admits, each object logged as
    handed over, each preceded by the definitions it refers to that this paging session has
    not handed yet (ADR 0144). An object the read decision allows but `match` does not is
    opened to be matched and not handed over (nor logged): the filter is the tool's, not a
    read; the definitions before it are in the stream all the same."""
    limit = min(max(1, limit or DEFAULT_LIMIT), MAX_LIMIT)
    sealer = position_key(node, user.name, found.id)
    cursor = opened(sealer, next_) if next_ else Cursor()
    after, handed_tags = cursor.after, set(cursor.handed)
    added_after = cursor.since or added_after
    # A definition's id names no item: a match of one reads the collection, not item rows.
    narrowed = match.ids and not any(i.partition("--")[0] in DEFINITION_TYPES for i in match.ids)
    item_ids = item_ids_of(node, match.ids) if narrowed else None
    reader = sharing.reader_of(node, user)
    handed: list[Handed] = []
    decided: list[tuple[str, Decision]] = []
    more, scanned, carried = False, 0, 0
    # At most BUDGET rows looked at a request, as a list (ADR 0095): a reader refused
    # everything gets `more` and a `next` after them, never a scan of the whole collection.
    while len(handed) < limit and scanned < BUDGET and carried < PAGE_BYTES:
        want = min(BUDGET - scanned, max(limit - len(handed), SCAN_CHUNK))
        with node.reader.connect() as conn:
            rows = holdings.collection_page(
                conn,
                node.vault,
                agreement_id=found.agreement_id,
                purpose=found.purpose,
                after=after,
                added_after=added_after,
                limit=want + 1,
                item_ids=item_ids,
            )
        more = len(rows) > want
        seen = _decided(node, reader, rows[:want], room=limit - len(handed))
        planned = plan(
            [(d.allowed, _definitions(r) if d.allowed else ()) for r, _, d in seen],
            frozenset(handed_tags),
            limit - len(handed),
        )
        # A row that came with its kept object needs no second read (`collection_page`).
        wholes = _completed(
            node,
            [(r, size) for r, size, d in seen[: planned.stop] if d.allowed and r.stix is None],
        )
        stop = planned.stop  # rows of `seen` this page went past
        for step in planned.steps:
            if carried >= PAGE_BYTES:
                stop = step.row
                break
            record, _, decision = seen[step.row]
            if step.definition is not None:
                handed_tags.add(step.definition.tag)
                if match.admits(step.definition.object):
                    data = step.definition.data
                    handed.append(Handed(data, record.received_at, step.definition.id, ""))
                    carried += len(data)
                continue
            data = sharing.holding_json(node, record if record.stix else next(wholes))
            if match.filters and not match.admits(json.loads(data)):
                continue
            decided.append((record.id, decision))
            handed.append(Handed(data, record.received_at, record.id, record.item_id))
            carried += len(data)
        # The page filled before the chunk ended: `more` only if a row left is one the
        # reader may read. Said of any row left, it told a reader that an object it may not
        # see had come (found by the attack, ADR 0143); the rows are in hand, none is read.
        more = more or _readable_left(node, reader, seen[stop:], rows[len(seen) : want])
        if stop:
            after, scanned = (seen[stop - 1][0].received_at, seen[stop - 1][0].id), scanned + stop
        if not more:
            break
    sharing.hand_over(node, reader, decided, action=ACTION)
    fresh = frozenset(handed_tags)
    added, key = after if after is not None else (None, "")
    next_ = cursor_of(sealer, added, key, fresh, since=added_after) if more else None
    return Page(handed, more, next_ or None)


def _readable_left(
    node: Node,
    reader: sharing.Reader,
    decided: Sequence[tuple[HoldingRecord, int, Decision]],
    undecided: Sequence[tuple[HoldingRecord, int]],
) -> bool:
    """Whether a row a page read and did not hand over is one `reader` may read: `decided`
    as decided, then `undecided` decided one by one until one is."""
    if any(decision.allowed for _, _, decision in decided):
        return True
    return any(sharing.holding_decision(node, reader, row).allowed for row, _ in undecided)


def _definitions(record: HoldingRecord) -> tuple[Definition, ...]:
    """What the object a holding is served as refers to (`sharing.holding_item`'s labels)."""
    return definitions_of(record.originator, (record.original_label, record.local_label))


def _decided(
    node: Node, reader: sharing.Reader, rows: Sequence[tuple[HoldingRecord, int]], *, room: int
) -> list[tuple[HoldingRecord, int, Decision]]:
    """`rows` in order, each with its read decision, up to the one that fills `room`."""
    seen: list[tuple[HoldingRecord, int, Decision]] = []
    for record, size in rows:
        if room == 0:
            break
        decision = sharing.holding_decision(node, reader, record)
        seen.append((record, size, decision))
        room -= decision.allowed
    return seen


def _completed(node: Node, allowed: Sequence[tuple[HoldingRecord, int]]) -> Iterator[HoldingRecord]:
    """The `allowed` rows (with their envelopes' lengths) whole, in order: read in chunks of
    at most `READ_BYTES` of envelope (at least one row), one store read a chunk rather than
    one a row. Lazy, so a page stopped by `PAGE_BYTES` reads no further chunk, and it holds
    one chunk's envelopes at a time beside the content it carries."""
    chunk: list[HoldingRecord] = []
    chunk_bytes = 0
    for record, size in allowed:
        if chunk and chunk_bytes + size > READ_BYTES:
            yield from _read_whole(node, chunk)
            chunk, chunk_bytes = [], 0
        chunk.append(record)
        chunk_bytes += size
    yield from _read_whole(node, chunk)


def _read_whole(node: Node, chunk: Sequence[HoldingRecord]) -> list[HoldingRecord]:
    if not chunk:
        return []
    with node.reader.connect() as conn:
        found = holdings.completed(conn, chunk, node.vault)
    for record in chunk:
        now = found.get(record.id)
        # Gone, disposed or re-marked since it was decided: the decision was on another row.
        # A re-marking drops the kept object, and the one rebuilt carries the new marking,
        # which the decision never saw (an upgrade went to a reader it refuses: ADR 0129).
        if now is None or (now.state, now.local_level) != (record.state, record.local_level):
            raise NotFound(f"no holding {record.id}", hint="page again")
    return [found[record.id] for record in chunk]


def get_object(
    node: Node,
    user: UserRecord,
    found: Collection,
    object_id: str,
    match: Match = Match(),  # noqa: B008 - frozen: one shared value is safe
) -> Handed:
    """The object `object_id` of `found`, if `user` may read it and `match` admits it;
    NotFound otherwise (logged as a refusal when the read decision refused it), as a page
    would not show it. A definition is got as a page from the start would give it: with the
    `date_added` of the first object `user` may read that refers to it (ADR 0144)."""
    if object_id.partition("--")[0] in DEFINITION_TYPES:
        definition = _definition_got(node, user, found, object_id, match)
        if definition is not None:
            return definition
    tail = object_id.partition("--")[2]
    try:
        uid = uuid.UUID(tail)
    except ValueError:
        raise NotFound(f"no object {object_id}") from None
    candidates = [f"{nation}-{uid}" for nation in node.schemes.nations()]
    # Read as a page reads its rows (`collection_page`): what the decision asks, and a small
    # kept object with it; the rest only once the decision allowed it.
    with node.reader.connect() as conn:
        rows = holdings.collection_page(
            conn,
            node.vault,
            agreement_id=found.agreement_id,
            purpose=found.purpose,
            after=None,
            limit=1,
            item_ids=candidates,
        )
    if not rows:
        raise NotFound(f"no object {object_id} in this collection")
    record = rows[0][0]
    reader = sharing.reader_of(node, user)
    decision = sharing.holding_decision(node, reader, record)
    if not decision.allowed:
        sharing.hand_over(node, reader, [(record.id, decision)], action=ACTION)
        raise NotFound(f"no object {object_id} in this collection")
    whole = record if record.stix is not None else _read_whole(node, [record])[0]
    handed = Handed(
        sharing.holding_json(node, whole), record.received_at, record.id, record.item_id
    )
    obj = handed.object
    if obj["id"] != object_id or not match.admits(obj):
        raise NotFound(f"no object {object_id} in this collection matches")
    sharing.hand_over(node, reader, [(record.id, decision)], action=ACTION)
    return handed


def _definition_got(
    node: Node, user: UserRecord, found: Collection, object_id: str, match: Match
) -> Handed | None:
    """The definition `object_id` as the first object of `found` `user` may read that refers
    to it has it, looked for among the first `BUDGET` rows; None if none of them does."""
    reader = sharing.reader_of(node, user)
    after: tuple[datetime, str] | None = None
    scanned, chunk = 0, 1
    while scanned < BUDGET:
        # The first row a reader may see usually refers to the definition: read it alone
        # first, then chunks doubling to SCAN_CHUNK (a chunk of 100 decoded every row of it).
        want = min(BUDGET - scanned, chunk)
        chunk = min(chunk * 2, SCAN_CHUNK)
        with node.reader.connect() as conn:
            rows = holdings.collection_page(
                conn,
                node.vault,
                agreement_id=found.agreement_id,
                purpose=found.purpose,
                after=after,
                limit=want,
            )
        for record, _ in rows:
            wanted = definition_of_id(
                object_id, record.originator, (record.original_label, record.local_label)
            )
            if wanted is None or not sharing.holding_decision(node, reader, record).allowed:
                continue
            if not match.admits(wanted.object):
                return None
            return Handed(wanted.data, record.received_at, wanted.id, "")
        if len(rows) < want:
            return None
        scanned += len(rows)
        after = rows[-1][0].received_at, rows[-1][0].id
    return None


# Posting ------------------------------------------------------------------------------------


def post_objects(
    node: Node,
    user: UserRecord,
    found: Collection,
    objects: Sequence[object],
    *,
    default_level: str | None = None,
    status_id: str | None = None,
    presented: Presented | None = None,
) -> Posted:
    """Each of `objects` as a draft of this nation's for the collection's purpose, releasable
    to the agreement's other party, its STIX id kept; an object already taken in is a success
    and is not taken in twice. With `status_id`, the post's TAXII status is kept in the same
    transaction as the drafts (`posted_status` reads it), so it outlives a restart."""
    if not 1 <= len(objects) <= MAX_POSTED:
        raise InputError(f"post 1 to {MAX_POSTED} objects at a time")
    agreement = agreement_of(node, found.agreement_id)
    partner = agreement.other_party(node.nation)
    scheme = node.scheme(node.clock().date())
    posted = Posted()
    fresh: dict[str, Intake] = {}
    nations = _nations_of(node)
    for obj in objects:
        taken = take_in(obj, node.nation, default_level, nations=nations)
        if isinstance(taken, Refused):
            posted.failures.append((taken.stix_id, taken.reason))
            continue
        try:
            scheme.parse(taken.level)
        except Error as error:
            posted.failures.append((taken.stix_id, error.message))
            continue
        fresh.setdefault(f"{node.nation}-{taken.item_uuid}", taken)
        if isinstance(obj, dict):  # take_in took it, so it is one
            posted.versions.setdefault(taken.stix_id, version_of(obj))
    known, held, read = _read_for(node, fresh, nations, _feed(found))
    for item_id, taken in list(fresh.items()):
        # A partner's item held here, posted back under its own id: its originator label
        # rode in gsomia's extension, which a tool may drop (found by the attack, ADR 0148).
        # Said without whose: the poster may not be cleared to read it, and knowing its id
        # is not knowing whose it is (existence is said, as a refusal must be).
        if item_id not in known and any(f"{n}-{taken.item_uuid}" in held for n in nations):
            del fresh[item_id]
            posted.failures.append((taken.stix_id, _HELD_AS_PARTNERS))
            posted.versions.pop(taken.stix_id, None)
    for item_id in known:
        posted.successes.append(fresh.pop(item_id).stix_id)
        posted.item_ids.append(item_id)
    posted.successes.extend(taken.stix_id for taken in fresh.values())
    kept = None
    if status_id is not None:
        now = node.clock()
        posted.status.update(_status_body(status_id, posted, len(objects), now))
        kept = KeptStatus(status_id, found.agreement_id, user.name, now, posted.status)

    def keep(conn: Connection) -> None:
        if kept is not None:
            taxii_statuses.add(conn, kept)

    if fresh:
        drafts = [_draft(taken, partner, found) for taken in fresh.values()]
        try:
            published = publish.publish_batch(
                node, user, drafts, also=keep, read=read, presented=presented
            )
        except Conflict as error:  # a racing post took the same objects in first
            raise Conflict(
                error.message, hint="post again: what was taken in is a success"
            ) from error
        posted.item_ids.extend(p.id for p in published)
    elif kept is not None or presented is not None:
        _write_alone(node, user, presented, keep, subject=status_id or "batch")
    return posted


def _write_alone(
    node: Node,
    user: UserRecord,
    presented: Presented | None,
    keep: Callable[[Connection], None],
    *,
    subject: str,
) -> None:
    """A post that publishes nothing (its objects all taken in already): its status alone is
    written, held to its credentials and terms as publishing's write is (a status saying
    "taken in" by a revoked token is still a write by it)."""
    refused = admission.refused_when_withdrawn(
        node, actor=user.name, action=Action.PUBLISH.value, subject=subject
    )
    with refused, node.engine.begin() as conn:
        if presented is not None:
            # No log entry here takes the log row's lock, which orders a logged revocation
            # against the re-read on PostgreSQL (READ COMMITTED): taken for it, before it.
            MerkleLog(conn).hold()
            admission.held(node, conn, presented, user)
        keep(conn)


def _read_for(
    node: Node, fresh: dict[str, Intake], nations: frozenset[str], feed: str
) -> tuple[set[str], dict[str, str], publish.Standing | None]:
    """Which of `fresh` are taken in already, which are partners' items held here, and what
    publishing the rest reads: on one read connection (each connection was a checkout, BEGIN
    and ROLLBACK more: ADR 0149)."""
    with node.reader.connect() as conn:
        known = items.own_ids(conn, fresh, node.nation)
        held = holdings.ids_of_items(conn, _partners_ids(fresh, node.nation, nations))
        if not fresh.keys() - known:
            return known, held, None
        return known, held, publish.standing(conn, node, {feed}, node.clock())


def _partners_ids(fresh: dict[str, Intake], nation: str, nations: frozenset[str]) -> list[str]:
    """The item ids another nation's item of each of `fresh`'s UUIDs is held under."""
    return sorted(f"{n}-{t.item_uuid}" for t in fresh.values() for n in nations if n != nation)


_HELD_AS_PARTNERS = (
    "the object is a partner's item held here: a partner's item is not taken in as this "
    "nation's own (Art. 7.1(b))"
)


def _nations_of(node: Node) -> frozenset[str]:
    """Every nation the node knows: its schemes' and its agreements' parties (gsomia defines
    an identity for each as originator)."""
    parties = (party for agreement in node.agreements.all() for party in agreement.parties)
    return frozenset((node.nation, *node.schemes.nations(), *parties))


#: What a status keeps of a refused object's id (a STIX id is a type of at most 250
#: characters, "--" and a UUID) and of the reason.
_ID_KEPT, _WHY_KEPT = 300, 500


def stamp(moment: datetime) -> str:
    """A TAXII timestamp (UTC, microseconds)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _status_body(status_id: str, posted: Posted, total: int, now: datetime) -> dict[str, Any]:
    """The TAXII 2.1 status resource of a post taken in at once (section 4.3.1)."""
    when = stamp(now)
    return {
        "id": status_id,
        "status": "complete",
        "request_timestamp": when,
        "total_count": total,
        "success_count": len(posted.successes),
        # The object's version (its modified, else created: section 4.3.1), as a tool
        # compares it with what it posted.
        "successes": [
            {"id": i, "version": posted.versions.get(i) or when} for i in posted.successes
        ],
        "failure_count": len(posted.failures),
        "failures": [
            {"id": i[:_ID_KEPT], "message": why[:_WHY_KEPT]} for i, why in posted.failures
        ],
        "pending_count": 0,
    }


def posted_status(
    node: Node, user: UserRecord, agreement_id: str, status_id: str
) -> dict[str, Any]:
    """The status of a post to `agreement_id`'s root, for its poster or a security officer;
    NotFound for anyone else, as for a status that is not kept (it does not say it exists)."""
    agreement_of(node, agreement_id)
    with node.reader.connect() as conn:
        kept = taxii_statuses.get(conn, status_id)
    if kept is None or kept.api_root != agreement_id or not _may_read(user, kept.poster):
        raise NotFound(
            f"no status {status_id} of yours",
            hint=f"statuses are kept for the last {taxii_statuses.KEPT} posts",
        )
    return dict(kept.body)


def _may_read(user: UserRecord, poster: str) -> bool:
    """The poster reads their own status; a security officer, who answers for what the
    node takes in (R50), reads anyone's."""
    grants = frozenset().union(*(ROLE_GRANTS.get(role, frozenset()) for role in user.roles))
    return user.name == poster or SECURITY_OFFICER in grants


def _feed(found: Collection) -> str:
    return f"taxii:{found.agreement_id}:{found.purpose}"[:100]


def _draft(taken: Intake, partner: str, found: Collection) -> publish.Draft:
    return publish.Draft(
        title=taken.title,
        level=taken.level,
        releasable_to=(partner,),
        purpose=found.purpose,
        media_type=STIX_MEDIA_TYPE,
        content=taken.content,
        feed=_feed(found),
        item_uuid=taken.item_uuid,
    )
