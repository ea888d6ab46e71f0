"""Release items to partners: an officer's decision or a standing rule, per partner (R50).

Each allowed partner gets an envelope sealed for its node alone. Sealing (the costly part)
happens before the write transaction; the decisions, the outbox rows and the item's new
state are then written together, under a lock on the item so no partner is sent it twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from gsomia.errors import Conflict, InputError, NotFound
from gsomia.exchange import outbox
from gsomia.exchange.kinds import Kind, item_header
from gsomia.exchange.outbox import priority
from gsomia.labels import ConfidentialityLabel
from gsomia.node import admission, audit
from gsomia.node.admission import Presented
from gsomia.node.authority import authorise
from gsomia.node.people import to_person
from gsomia.node.runtime import CHANNEL, Node
from gsomia.seal import POST_QUANTUM_PROFILES, IdentityCard
from gsomia.seal.held import queued
from gsomia.seal.origin import bind_all
from gsomia.seal.sealed import Plain
from gsomia.store import items, release_rules
from gsomia.store.items import ItemRecord
from gsomia.store.users import UserRecord, get_user
from gsomia.treaty.agreements import Agreement
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


def classic_crypto(*profiles: str) -> bool:
    """Whether an envelope between keys of these profiles would not be post-quantum: what an
    agreement must allow (R26, `may_provide` and `may_accept`)."""
    return any(profile not in POST_QUANTUM_PROFILES for profile in profiles)


def _provision(
    node: Node, item: Item, nation: str, release: Release | None, now: datetime
) -> tuple[Decision, Item, Agreement | None, IdentityCard | None]:
    """The treaty's decision on providing `item` to `nation` now, the item as it would be
    marked for that provision, the agreement and the card of the node to seal for."""
    agreement = node.agreement_with(nation, now)
    if agreement is not None:
        version = agreement.version_at(now.date()).number
        item = replace(item, agreement_id=agreement.id, agreement_version=version)
    card = node.peer_card(nation)
    decision = may_provide(
        item,
        nation,
        agreement,
        release,
        now,
        channel=CHANNEL,
        recipient_known=card is not None,
        classic_crypto=classic_crypto(node.keys.profile, *([card.profile] if card else [])),
    )
    return decision, item, agreement, card


def plan(
    node: Node,
    record: ItemRecord,
    nations: Iterable[str],
    release_for: Callable[[str], Release | None],
    now: datetime,
    *,
    binding: dict[str, Any] | None = None,
    label: ConfidentialityLabel | None = None,
) -> list[Outcome]:
    """Decide for each partner and queue for the allowed ones (no database writes).

    `binding` is the originator's binding of the item, when the caller bound several items
    released together under one signature (`bindings`); otherwise it is made here. `label` is
    the record's label parsed, when the caller has just made it."""
    own = items.to_item(record, node.schemes, label=label)
    outcomes: list[Outcome] = []
    for nation in nations:
        decision, item, agreement, card = _provision(node, own, nation, release_for(nation), now)
        if not decision.allowed or agreement is None or card is None:
            outcomes.append(Outcome(nation, decision))
            continue
        if binding is None:  # one signature, whichever partners it goes to
            [binding] = bindings(node, [record])
        message_id = uuid.uuid4().hex
        envelope = queued(
            node.keys,
            Plain(
                message_id,
                Kind.ITEM,
                item_header(
                    label=record.label,
                    item_id=record.id,
                    title=record.title,
                    agreement_id=item.agreement_id,
                    version=item.agreement_version,
                    precedence=item.precedence.name,
                    binding=binding,
                ),
                record.content,
                record.media_type,
            ),
            nation,
        )
        outcomes.append(
            Outcome(nation, decision, message_id, envelope, agreement.id, item.agreement_version)
        )
    return outcomes


def bindings(node: Node, records: Sequence[ItemRecord]) -> list[dict[str, Any]]:
    """The originator's binding of each of `records`, signed once for all (ADR 0070)."""
    return bind_all(node.keys, [(r.id, r.label, r.content) for r in records])


def _queued(record: ItemRecord, outcome: Outcome, now: datetime) -> dict[str, Any] | None:
    """The outbox row of an allowed outcome; None for a refusal."""
    if outcome.envelope is None or outcome.message_id is None:
        return None
    return outbox.row(
        message_id=outcome.message_id,
        kind=Kind.ITEM,
        peer=outcome.nation,
        priority=priority(Precedence[record.precedence]),
        body=outcome.envelope,
        now=now,
        item_id=record.id,
        agreement_id=outcome.agreement_id,
        agreement_version=outcome.agreement_version,
    )


def commit(
    conn: Connection,
    planned: Sequence[tuple[ItemRecord, list[Outcome]]],
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
    ids = [record.id for record, _ in planned]
    items.lock(conn, ids)
    raced = items.released_to(conn, ids)
    entries: list[audit.Entry] = []
    queued: list[dict[str, Any]] = []
    kept_all: list[list[Outcome]] = []
    by_releaser: dict[str, list[str]] = {}
    for record, outcomes in planned:
        kept = [o for o in outcomes if not (o.envelope and o.nation in raced[record.id])]
        kept_all.append(kept)
        entries += [audit.Entry(actor, f"provide:{o.nation}", record.id, o.decision) for o in kept]
        rows = [row for row in (_queued(record, o, now) for o in kept) if row is not None]
        queued += rows
        if rows:
            releaser = (released_by or {}).get(record.id, actor)
            by_releaser.setdefault(releaser, []).append(record.id)
    audit.record_all(conn, entries, now)
    outbox.enqueue_all(conn, queued)
    for releaser, released in by_releaser.items():
        items.mark_released(conn, released, by=releaser, at=now)
    return kept_all


def release(
    node: Node, officer: UserRecord, item_id: str, *, presented: Presented | None = None
) -> list[Outcome]:
    """An officer releases an item to each partner it is releasable to and not yet sent."""
    person, allowed = authorise(node, officer, Action.RELEASE, item_id)
    now = node.clock()
    with node.reader.connect() as conn:
        record = items.get(conn, item_id, node.vault)
        already = items.released_to(conn, [item_id])[item_id]
    if record is None:
        raise NotFound(f"no item {item_id}", hint="`gsomia item list` shows this node's items")
    remaining = [nation for nation in record.releasable_to if nation not in already]
    if not remaining:
        raise Conflict(
            f"item {item_id} is already released to {', '.join(sorted(already))}",
            hint="`gsomia transfers` shows where it stands",
        )
    outcomes = plan(
        node, record, remaining, lambda nation: OfficerRelease(item_id, nation, person, now), now
    )
    withdrawn = admission.refused_when_withdrawn(
        node, actor=officer.name, action=Action.RELEASE.value, subject=item_id
    )
    with withdrawn, node.engine.begin() as conn:
        audit.record(
            conn,
            actor=officer.name,
            action=Action.RELEASE.value,
            subject=item_id,
            decision=allowed,
            now=now,
        )
        if presented is not None:
            admission.held(node, conn, presented, officer)
        [kept] = commit(conn, [(record, outcomes)], actor=officer.name, now=now)
    node.worker.wake(priority(Precedence[record.precedence]))
    return kept


# Standing rules ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleDraft:
    feed: str
    to_nations: tuple[str, ...]
    ceiling: str
    purpose: str
    valid_until: datetime


def set_release_rule(
    node: Node, officer: UserRecord, draft: RuleDraft, *, presented: Presented | None = None
) -> int:
    """An officer sets a standing release rule for a feed (R50); its id. With `presented`,
    the write holds itself to what admitted the request and to the officer's terms (ADR
    0154): a rule releases every later item of its feed."""
    _, allowed = authorise(node, officer, Action.SET_RELEASE_RULE, f"feed:{draft.feed}")
    now = node.clock()
    ceiling = node.scheme(now.date()).parse(draft.ceiling)
    nations = tuple(sorted({n.strip().upper() for n in draft.to_nations}))
    if not nations or node.nation in nations:
        raise InputError("a standing rule names the partner nations it releases to")
    if draft.valid_until <= now:
        raise InputError("a standing rule must end in the future")
    withdrawn = admission.refused_when_withdrawn(
        node, actor=officer.name, action=Action.SET_RELEASE_RULE.value, subject=f"feed:{draft.feed}"
    )
    with withdrawn, node.engine.begin() as conn:
        audit.record(
            conn,
            actor=officer.name,
            action=Action.SET_RELEASE_RULE.value,
            subject=f"feed:{draft.feed}",
            decision=allowed,
            now=now,
        )
        if presented is not None:
            admission.held(node, conn, presented, officer)
        return release_rules.add(
            conn,
            feed=draft.feed,
            to_nations=nations,
            max_level=ceiling.native,
            purpose=draft.purpose,
            officer=officer.name,
            created_at=now,
            expires_at=draft.valid_until,
        )


def standing_releases(
    conn: Connection, node: Node, feed: str, now: datetime
) -> dict[str, StandingRelease]:
    """The standing release per partner nation for `feed` in force now (newest unexpired wins)."""
    scheme = node.scheme(now.date())
    found: dict[str, StandingRelease] = {}
    for rule in release_rules.unexpired(conn, feed, now):
        officer = to_person(get_user(conn, rule.officer, node.vault), scheme)
        for nation in rule.to_nations:
            found[nation] = StandingRelease(
                rule_id=str(rule.id),
                originator=node.nation,
                to_nation=nation,
                purpose=rule.purpose,
                ceiling=scheme.parse(rule.max_level),
                valid_from=rule.created_at,
                valid_until=rule.expires_at,
                approved_by=officer,
            )
    return found
