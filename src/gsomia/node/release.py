"""Release items to partners: an officer's decision or a standing rule, per partner (R50).

Each allowed partner gets an envelope sealed for its node alone. Sealing (the costly part)
happens before the write transaction; the decisions, the outbox rows and the item's new
state are then written together, under a lock on the item so no partner is sent it twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from gsomia.errors import Conflict, InputError, NotFound
from gsomia.exchange import outbox
from gsomia.exchange.kinds import Kind, item_header
from gsomia.exchange.outbox import priority
from gsomia.node import audit
from gsomia.node.authority import authorise
from gsomia.node.people import to_person
from gsomia.node.runtime import CHANNEL, Node
from gsomia.seal import bind, seal_envelope
from gsomia.store.tables import items, release_rules
from gsomia.store.tables import outbox as outbox_table
from gsomia.store.users import UserRecord, get_user
from gsomia.treaty.decision import Decision
from gsomia.treaty.decisions import may_provide
from gsomia.treaty.items import Item, Precedence
from gsomia.treaty.release import OfficerRelease, Release, StandingRelease
from gsomia.treaty.roles import Action


@dataclass(frozen=True)
class Outcome:
    """What became of a release to one partner; an envelope only if the decision allowed it."""

    nation: str
    decision: Decision
    message_id: str | None = None
    envelope: bytes | None = None
    agreement_id: str = ""
    agreement_version: int = 0


def plan(
    node: Node,
    item: Mapping[str, Any],
    nations: Iterable[str],
    release_for: Callable[[str], Release | None],
    now: datetime,
) -> list[Outcome]:
    """Decide for each partner and seal for the allowed ones (no database writes)."""
    level = node.schemes.scheme(node.nation, at=item["created_at"].date()).parse(item["level"])
    precedence = Precedence[item["precedence"]]
    outcomes: list[Outcome] = []
    binding: dict[str, Any] | None = None
    for nation in nations:
        agreement = node.agreement_with(nation, now)
        if agreement is None:
            decision = Decision.deny(
                f"{node.nation} has no agreement with {nation}", "Art. 1", "R1"
            )
            outcomes.append(Outcome(nation, decision))
            continue
        version = agreement.version_at(now.date()).number
        treaty_item = Item(
            id=item["id"],
            originator=node.nation,
            level=level,
            purpose=item["purpose"],
            agreement_id=agreement.id,
            agreement_version=version,
            releasable_to=frozenset(item["releasable_to"]),
            precedence=precedence,
            caveats=frozenset(item["caveats"]),
            created_at=item["created_at"],
        )
        decision = may_provide(
            treaty_item, nation, agreement, release_for(nation), now, channel=CHANNEL
        )
        card = node.peer_card(nation)
        if decision.allowed and card is None:
            decision = Decision.deny(
                f"no identity card of a {nation} node is registered here", "Art. 9", "R25"
            )
        if not decision.allowed or card is None:
            outcomes.append(Outcome(nation, decision))
            continue
        message_id = uuid.uuid4().hex
        if binding is None:  # one signature per item, whichever partners it goes to
            binding = bind(node.keys, item["id"], item["label"], item["content"])
        header = item_header(
            label=item["label"],
            item_id=item["id"],
            title=item["title"],
            agreement_id=agreement.id,
            version=version,
            precedence=precedence.name,
            binding=binding,
        )
        envelope = seal_envelope(
            item["content"],
            label=header,
            keys=node.keys,
            recipients=[card],
            now=now,
            media_type=item["media_type"],
            envelope_id=message_id,
        )
        outcomes.append(Outcome(nation, decision, message_id, envelope, agreement.id, version))
    return outcomes


def released_to(conn: Connection, item_ids: Sequence[str]) -> dict[str, set[str]]:
    """Per item, the partners that have or are owed it: they are not sent it again."""
    query = select(outbox_table.c.item_id, outbox_table.c.peer).where(
        outbox_table.c.item_id.in_(item_ids), outbox_table.c.state != "rejected"
    )
    found: dict[str, set[str]] = {item_id: set() for item_id in item_ids}
    for item_id, peer in conn.execute(query).all():
        found[item_id].add(peer)
    return found


def commit(
    conn: Connection,
    planned: Sequence[tuple[Mapping[str, Any], list[Outcome]]],
    *,
    actor: str,
    now: datetime,
    released_by: Mapping[str, str] | None = None,
) -> list[list[Outcome]]:
    """Write the decisions and outbox rows of `planned` items; per item, what was recorded.

    The items are locked first and looked at again: a release racing this one must not send
    an item to a partner twice. An item is recorded as released by `actor` unless
    `released_by` names who authorised it (the officer of a standing rule).
    """
    ids = [item["id"] for item, _ in planned]
    conn.execute(select(items.c.id).where(items.c.id.in_(ids)).with_for_update())
    raced = released_to(conn, ids)
    entries: list[audit.Entry] = []
    queued: list[dict[str, Any]] = []
    kept_all: list[list[Outcome]] = []
    for item, outcomes in planned:
        kept = [o for o in outcomes if not (o.envelope and o.nation in raced[item["id"]])]
        kept_all.append(kept)
        for o in kept:
            entries.append(audit.Entry(actor, f"provide:{o.nation}", item["id"], o.decision))
            if o.envelope is not None and o.message_id is not None:
                queued.append(
                    outbox.row(
                        message_id=o.message_id,
                        kind=Kind.ITEM,
                        peer=o.nation,
                        priority=priority(Precedence[item["precedence"]]),
                        body=o.envelope,
                        now=now,
                        item_id=item["id"],
                        agreement_id=o.agreement_id,
                        agreement_version=o.agreement_version,
                    )
                )
    audit.record_all(conn, entries, now)
    outbox.enqueue_all(conn, queued)
    released = [
        item["id"]
        for (item, _), kept in zip(planned, kept_all, strict=True)
        if any(o.envelope for o in kept)
    ]
    by_releaser: dict[str, list[str]] = {}
    for item_id in released:
        by_releaser.setdefault((released_by or {}).get(item_id, actor), []).append(item_id)
    for releaser, ids_released in by_releaser.items():
        conn.execute(
            update(items)
            .where(items.c.id.in_(ids_released))
            .values(state="released", released_by=releaser[:100], released_at=now)
        )
    return kept_all


def release(node: Node, officer: UserRecord, item_id: str) -> list[Outcome]:
    """An officer releases an item to each partner it is releasable to and not yet sent."""
    person, allowed = authorise(node, officer, Action.RELEASE, item_id)
    now = node.clock()
    with node.reader.connect() as conn:
        row = conn.execute(select(items).where(items.c.id == item_id)).first()
        already = released_to(conn, [item_id])[item_id]
    if row is None:
        raise NotFound(f"no item {item_id}", hint="`gsomia item list` shows this node's items")
    item = dict(row._mapping)
    remaining = [nation for nation in item["releasable_to"] if nation not in already]
    if not remaining:
        raise Conflict(
            f"item {item_id} is already released to {', '.join(sorted(already))}",
            hint="`gsomia transfers` shows where it stands",
        )
    outcomes = plan(
        node, item, remaining, lambda nation: OfficerRelease(item_id, nation, person, now), now
    )
    with node.engine.begin() as conn:
        audit.record(
            conn,
            actor=officer.name,
            action=Action.RELEASE.value,
            subject=item_id,
            decision=allowed,
            now=now,
        )
        [kept] = commit(conn, [(item, outcomes)], actor=officer.name, now=now)
    node.worker.wake(priority(Precedence[item["precedence"]]))
    return kept


# Standing rules ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleDraft:
    feed: str
    to_nations: tuple[str, ...]
    ceiling: str
    purpose: str
    valid_until: datetime


def set_release_rule(node: Node, officer: UserRecord, draft: RuleDraft) -> int:
    """An officer sets a standing release rule for a feed (R50); its id."""
    _, allowed = authorise(node, officer, Action.SET_RELEASE_RULE, f"feed:{draft.feed}")
    now = node.clock()
    ceiling = node.scheme(now.date()).parse(draft.ceiling)
    nations = tuple(sorted({n.strip().upper() for n in draft.to_nations}))
    if not nations or node.nation in nations:
        raise InputError("a standing rule names the partner nations it releases to")
    if draft.valid_until <= now:
        raise InputError("a standing rule must end in the future")
    with node.engine.begin() as conn:
        audit.record(
            conn,
            actor=officer.name,
            action=Action.SET_RELEASE_RULE.value,
            subject=f"feed:{draft.feed}",
            decision=allowed,
            now=now,
        )
        result = conn.execute(
            release_rules.insert().values(
                feed=draft.feed,
                to_nations=list(nations),
                max_level=ceiling.native,
                purpose=draft.purpose,
                officer=officer.name,
                created_at=now,
                expires_at=draft.valid_until,
            )
        )
    key = result.inserted_primary_key
    assert key is not None  # an INSERT with an autoincrement key always has one
    return int(key[0])


def standing_releases(
    conn: Connection, node: Node, feed: str, now: datetime
) -> dict[str, StandingRelease]:
    """The standing release per partner nation for `feed` in force now (newest unexpired wins)."""
    rows = conn.execute(
        select(release_rules)
        .where(release_rules.c.feed == feed, release_rules.c.expires_at > now)
        .order_by(release_rules.c.id)
    ).mappings()
    scheme = node.scheme(now.date())
    found: dict[str, StandingRelease] = {}
    for rule in rows:
        officer = to_person(get_user(conn, rule["officer"]), scheme)
        for nation in rule["to_nations"]:
            found[nation] = StandingRelease(
                rule_id=str(rule["id"]),
                originator=node.nation,
                to_nation=nation,
                purpose=rule["purpose"],
                ceiling=scheme.parse(rule["max_level"]),
                valid_from=rule["created_at"],
                valid_until=rule["expires_at"],
                approved_by=officer,
            )
    return found
