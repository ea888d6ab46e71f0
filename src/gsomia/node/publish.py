"""Publish an item and release it to partners (R6, R50, Art. 4).

Nothing leaves on publication alone: an officer's release, or a standing rule an officer set
for the item's feed, is needed for each partner. On release, each allowed partner gets an
envelope sealed for its node alone; the decisions, the outbox rows and the item's new state
are written in one transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update

from gsomia.errors import Conflict, InputError, NotFound
from gsomia.exchange import outbox
from gsomia.labels import label_to_obj, make_label, national_policy
from gsomia.node import audit
from gsomia.node.people import to_person
from gsomia.node.runtime import CHANNEL, Node
from gsomia.seal import seal_envelope
from gsomia.store.tables import items
from gsomia.store.tables import outbox as outbox_table
from gsomia.store.users import UserRecord
from gsomia.treaty.decision import Decision
from gsomia.treaty.decisions import may_provide
from gsomia.treaty.items import Item, Precedence
from gsomia.treaty.people import Person
from gsomia.treaty.release import OfficerRelease
from gsomia.treaty.roles import Action, may_perform

ITEM_HEADER = "gsomia-item/1"
MAX_CONTENT = 32 << 20  # larger files go through the streaming envelope (`gsomia envelope`)


@dataclass(frozen=True)
class Draft:
    """What an analyst submits."""

    title: str
    level: str
    releasable_to: tuple[str, ...]
    purpose: str
    precedence: str = "ROUTINE"
    caveats: tuple[str, ...] = ()
    media_type: str = "text/plain; charset=utf-8"
    content: bytes = b""
    feed: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What became of a release to one partner; an envelope only if the decision allowed it."""

    nation: str
    decision: Decision
    message_id: str | None = None
    envelope: bytes | None = None
    agreement_id: str = ""
    agreement_version: int = 0


def priority(precedence: Precedence) -> int:
    """Outbox priority: 0 for FLASH … 3 for ROUTINE, so an ascending sort is most urgent first."""
    return int(Precedence.FLASH) - int(precedence)


def parse_precedence(text: str) -> Precedence:
    try:
        return Precedence[text.strip().upper()]
    except KeyError:
        raise InputError(
            f"unknown precedence {text!r}",
            hint="use FLASH, IMMEDIATE, PRIORITY or ROUTINE",
        ) from None


def _authorise(node: Node, user: UserRecord, action: Action, subject: str) -> Person:
    """The user as a treaty person, if their role allows `action` (the answer is logged)."""
    person = to_person(user, node.scheme())
    decision = may_perform(person, action)
    with node.engine.begin() as conn:
        audit.record(
            conn,
            actor=user.name,
            action=action.value,
            subject=subject,
            decision=decision,
            now=node.clock(),
        )
    decision.enforce()
    return person


def publish(node: Node, user: UserRecord, draft: Draft) -> str:
    """Store a new item as a draft in the originator's marking; return its id."""
    # The id doubles as the label's XML id (an NCName), so it starts with the nation code.
    item_id = f"{node.nation}-{uuid.uuid4()}"
    _authorise(node, user, Action.PUBLISH, item_id)
    now = node.clock()
    scheme = node.scheme(now.date())
    level = scheme.parse(draft.level)
    precedence = parse_precedence(draft.precedence)
    if not draft.title.strip() or not draft.purpose.strip():
        raise InputError("an item needs a title and a purpose (R6)")
    if len(draft.content) > MAX_CONTENT:
        raise InputError(
            f"content is {len(draft.content)} bytes; the API takes up to {MAX_CONTENT}",
            hint="seal larger files with `gsomia envelope seal`, which streams",
        )
    partners = tuple(sorted({n.strip().upper() for n in draft.releasable_to}))
    if not partners or node.nation in partners:
        raise InputError(
            "releasable-to must name the partner nations, not this node's own",
            hint="for example --rel JPN",
        )
    label = make_label(
        policy=national_policy(node.nation, scheme.effective or now.date()),
        classification=level.native,
        originator=node.nation,
        created_at=now,
        releasable_to=(node.nation, *partners),
        caveats=draft.caveats,
        purposes=(draft.purpose,),
        label_id=item_id,
    )
    with node.engine.begin() as conn:
        conn.execute(
            items.insert().values(
                id=item_id,
                title=draft.title.strip(),
                originator=node.nation,
                level=level.native,
                releasable_to=list(partners),
                purpose=draft.purpose,
                precedence=precedence.name,
                caveats=list(draft.caveats),
                feed=draft.feed,
                media_type=draft.media_type,
                content=draft.content,
                label=label_to_obj(label),
                author=user.name,
                created_at=now,
                state="draft",
            )
        )
    return item_id


def _already_released(conn: Connection, item_id: str) -> set[str]:
    """Partners that have, or are owed, this item: they are not sent it again."""
    query = select(outbox_table.c.peer).where(
        outbox_table.c.item_id == item_id, outbox_table.c.state != "rejected"
    )
    return set(conn.execute(query).scalars())


def release(node: Node, officer: UserRecord, item_id: str) -> list[Outcome]:
    """An officer releases a drafted item to each partner it is releasable to (R50)."""
    person = _authorise(node, officer, Action.RELEASE, item_id)
    now = node.clock()
    with node.engine.connect() as conn:
        row = conn.execute(select(items).where(items.c.id == item_id)).first()
        already = _already_released(conn, item_id)
    if row is None:
        raise NotFound(f"no item {item_id}", hint="`gsomia item list` shows this node's items")
    item = row._mapping
    remaining = [nation for nation in item["releasable_to"] if nation not in already]
    if not remaining:
        raise Conflict(
            f"item {item_id} is already released to {', '.join(sorted(already))}",
            hint="`gsomia transfers` shows where it stands",
        )
    level = node.schemes.scheme(node.nation, at=item["created_at"].date()).parse(item["level"])
    precedence = Precedence[item["precedence"]]
    outcomes: list[Outcome] = []
    for nation in remaining:
        agreement = node.agreement_with(nation, now)
        if agreement is None:
            decision = Decision.deny(
                f"{node.nation} has no agreement with {nation}", "Art. 1", "R1"
            )
            outcomes.append(Outcome(nation, decision))
            continue
        version = agreement.version_at(now.date()).number
        treaty_item = Item(
            id=item_id,
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
            treaty_item,
            nation,
            agreement,
            OfficerRelease(item_id, nation, person, now),
            now,
            channel=CHANNEL,
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
        header: dict[str, Any] = {
            "type": ITEM_HEADER,
            "label": item["label"],
            "item": {
                "id": item_id,
                "title": item["title"],
                "agreement": agreement.id,
                "version": version,
                "precedence": precedence.name,
            },
        }
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
    with node.engine.begin() as conn:
        # Lock the item, then look again: a release racing this one must not send it twice.
        conn.execute(select(items.c.id).where(items.c.id == item_id).with_for_update())
        raced = _already_released(conn, item_id) - already
        outcomes = [o for o in outcomes if o.nation not in raced]
        for outcome in outcomes:
            audit.record(
                conn,
                actor=officer.name,
                action=f"provide:{outcome.nation}",
                subject=item_id,
                decision=outcome.decision,
                now=now,
            )
            if outcome.envelope is not None and outcome.message_id is not None:
                outbox.enqueue(
                    conn,
                    message_id=outcome.message_id,
                    kind="item",
                    peer=outcome.nation,
                    priority=priority(precedence),
                    body=outcome.envelope,
                    now=now,
                    item_id=item_id,
                    agreement_id=outcome.agreement_id,
                    agreement_version=outcome.agreement_version,
                )
        if any(outcome.envelope for outcome in outcomes):
            conn.execute(
                update(items)
                .where(items.c.id == item_id)
                .values(state="released", released_by=officer.name, released_at=now)
            )
    node.worker.wake(priority(precedence))
    return outcomes
