"""Publish items in the originator's marking (R6); a feed's standing rule releases at once.

Nothing leaves on publication alone (R50): an item waits as a draft for an officer's release
(`gsomia.node.release`), unless it belongs to a feed for which an officer set a standing
release rule. A batch of items is one transaction: the items, the decisions, the outbox rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection

from gsomia.errors import InputError
from gsomia.exchange.outbox import priority
from gsomia.labels import (
    TAG_COPY_LIMIT,
    TAG_HANDLING,
    TAG_PURPOSE_ENDS,
    ConfidentialityLabel,
    label_to_obj,
    make_label,
    national_policy,
)
from gsomia.labels.media import check_media_type
from gsomia.node import admission, audit
from gsomia.node.admission import Presented
from gsomia.node.authority import authorise, refuse
from gsomia.node.release import Outcome, bindings, commit, plan, standing_releases
from gsomia.node.runtime import Node
from gsomia.store import items, users
from gsomia.store.items import ItemRecord
from gsomia.store.users import UserRecord
from gsomia.treaty.decision import Decision
from gsomia.treaty.items import Precedence
from gsomia.treaty.names import nation_code
from gsomia.treaty.people import Person
from gsomia.treaty.release import StandingRelease
from gsomia.treaty.roles import Action, may_originate

MAX_CONTENT = 32 << 20  # larger files go through the streaming envelope (`gsomia envelope`)
MAX_BATCH = 1000


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
    #: The originator's handling terms, carried in the signed label to every holder:
    #: restrictions such as NO REPRODUCTION or PATENT (R15, R29), the most copies a holder
    #: may make (R29), and when the purpose ends, after which the holder returns or destroys
    #: it (R18).
    handling: tuple[str, ...] = ()
    copy_limit: int | None = None
    purpose_ends: datetime | None = None
    #: When the originator reviews the marking (the label's ReviewDateTime, R9); the node sets
    #: it `REVIEW_YEARS` after creation when the analyst names none (ADR 0105).
    review_at: datetime | None = None
    #: The UUID the item id keeps: a STIX object's, taken in from a partner tool, so the item
    #: is served back under the same STIX id (`gsomia.stix.intake`). A fresh one otherwise.
    item_uuid: str | None = None
    #: Security categories the nation's SPIF defines (tag set, 4774 type, values), checked
    #: against every rule of that SPIF; a reader must hold them (ADR 0104).
    categories: tuple[tuple[str, str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class Published:
    """A stored item, and what its feed's standing rule released (nothing for a draft)."""

    id: str
    state: str
    outcomes: tuple[Outcome, ...] = ()


def parse_precedence(text: str) -> Precedence:
    try:
        return Precedence[text.strip().upper()]
    except KeyError:
        raise InputError(
            f"unknown precedence {text!r}",
            hint="use FLASH, IMMEDIATE, PRIORITY or ROUTINE",
        ) from None


#: Years after marking at which the originator reviews a classification it set no review for:
#: the node's own default (ADR 0105), as the US order's 10-year default declassification date.
REVIEW_YEARS = 10


def _review_time(draft: Draft, now: datetime) -> datetime:
    """The label's ReviewDateTime: the analyst's, if after now, else `REVIEW_YEARS` on."""
    if draft.review_at is not None:
        if draft.review_at.tzinfo is None or draft.review_at <= now:
            raise InputError(
                "the review time is a moment after now, with its time zone",
                hint="for example 2031-12-01T00:00:00+00:00",
            )
        return draft.review_at
    try:
        return now.replace(year=now.year + REVIEW_YEARS)
    except ValueError:  # 29 February
        return now.replace(year=now.year + REVIEW_YEARS, day=28)


def _record(
    node: Node,
    user: UserRecord,
    draft: Draft,
    now: datetime,
    communities: set[str],
    *,
    known: set[str],
) -> tuple[ItemRecord, ConfidentialityLabel]:
    """The item `draft` describes, validated and labelled in this nation's scheme, and its
    label (kept so that planning its release does not parse the label object again)."""
    scheme = node.scheme(now.date())
    level = scheme.parse(draft.level)
    precedence = parse_precedence(draft.precedence)
    if not draft.title.strip() or not draft.purpose.strip():
        raise InputError("an item needs a title and a purpose (R6)")
    _check_purpose(draft.purpose, communities)
    if len(draft.content) > MAX_CONTENT:
        raise InputError(
            f"content is {len(draft.content)} bytes; the API takes up to {MAX_CONTENT}",
            hint="seal larger files with `gsomia envelope seal`, which streams",
        )
    partners = _partners(draft.releasable_to, known)
    if not partners or node.nation in partners:
        raise InputError(
            "releasable-to must name the partner nations, not this node's own",
            hint="for example --rel JPN",
        )
    terms = _handling_terms(draft, now)
    problems = scheme.category_problems(level.native, draft.categories)
    if problems:
        raise InputError(
            f"the {scheme.label} SPIF refuses the label's categories: {'; '.join(problems)}",
            hint="give only the categories and values the scheme's SPIF defines "
            f"({', '.join(t.name for t in scheme.tag_sets) or 'it defines none'})",
        )
    # The id doubles as the label's XML id (an NCName), so it starts with the nation code.
    item_id = f"{node.nation}-{uuid.UUID(draft.item_uuid) if draft.item_uuid else uuid.uuid4()}"
    label = make_label(
        policy=national_policy(node.nation, scheme.effective or now.date()),
        classification=level.native,
        originator=node.nation,
        created_at=now,
        releasable_to=(node.nation, *partners),
        caveats=draft.caveats,
        purposes=(draft.purpose,),
        informative=terms,
        extra=draft.categories,
        label_id=item_id,
        review_at=_review_time(draft, now),
    )
    record = ItemRecord(
        id=item_id,
        title=draft.title.strip(),
        originator=node.nation,
        level=level.native,
        releasable_to=partners,
        purpose=draft.purpose,
        precedence=precedence.name,
        caveats=tuple(draft.caveats),
        feed=draft.feed,
        media_type=check_media_type(draft.media_type),
        content=draft.content,
        label=label_to_obj(label),
        author=user.name,
        created_at=now,
        state="draft",
    )
    return record, label


def _known_partners(node: Node) -> set[str]:
    """The nations this node has an agreement with, whatever its state (once per batch: the
    agreements' replay was 6 % of publishing a 1 KiB item when made per item)."""
    known = {p for a in node.agreements.all() if node.nation in a.parties for p in a.parties}
    known.discard(node.nation)
    return known


def _partners(named: Sequence[str], known: set[str]) -> tuple[str, ...]:
    """The nations `named`, as ISO codes; a typo (`JNP`) refused naming this node's partners
    (`known`). A real nation without an agreement passes here and is refused at release (R1,
    Art. 1)."""
    return tuple(sorted({nation_code(n, "releasable-to", known=known) for n in named}))


def _check_purpose(purpose: str, known: set[str]) -> None:
    """InputError unless some person of this node has `purpose` as a need-to-know community
    (`known`): an item for a purpose no community has is published, delivered and then read
    by no one."""
    if purpose not in known:
        raise InputError(
            f"no one here has a need-to-know for the purpose {purpose!r}",
            hint="use a community of this node's people: " + ", ".join(sorted(known))
            if known
            else "register people with --community first",
        )


def _handling_terms(draft: Draft, now: datetime) -> dict[str, tuple[str, ...]]:
    """The label's informative categories for `draft`'s handling terms, checked."""
    terms: dict[str, tuple[str, ...]] = {}
    handling = tuple(sorted({h.strip().upper() for h in draft.handling if h.strip()}))
    if handling:
        terms[TAG_HANDLING] = handling
    if draft.copy_limit is not None:
        if draft.copy_limit < 0:
            raise InputError("a copy limit is 0 (no reproduction) or more copies")
        terms[TAG_COPY_LIMIT] = (str(draft.copy_limit),)
    if draft.purpose_ends is not None:
        ends = draft.purpose_ends
        if ends.tzinfo is None:
            raise InputError("the purpose end needs a time zone", hint="e.g. 2027-06-30T00:00Z")
        if ends <= now:
            raise InputError("the purpose end has already passed")
        terms[TAG_PURPOSE_ENDS] = (ends.astimezone(UTC).isoformat(),)
    return terms


def _authorised(
    rules: Mapping[str, Mapping[str, StandingRelease]],
    planned: Sequence[tuple[ItemRecord, Sequence[Outcome]]],
) -> dict[str, str]:
    """Who released each item of a feed: the officers whose standing rules allowed it (R50),
    not the analyst who published it."""
    found = {}
    for record, outcomes in planned:
        rule = rules[record.feed or ""]
        officers = sorted(
            {
                f"{rule[o.nation].approved_by.id} (standing rule {rule[o.nation].rule_id})"
                for o in outcomes
                if o.envelope is not None and o.nation in rule
            }
        )
        if officers:
            found[record.id] = ", ".join(officers)
    return found


def _check_markings(
    node: Node, person: Person, user: UserRecord, records: Sequence[ItemRecord], now: datetime
) -> None:
    """Each item is marked at a level `person` may originate (R6); a refusal is logged and
    raised, and nothing is stored."""
    scheme = node.scheme(now.date())
    for record in records:
        marking = may_originate(person, scheme.parse(record.level), now)
        if not marking.allowed:
            refuse(
                node,
                actor=user.name,
                action=Action.PUBLISH.value,
                subject=record.id,
                decision=marking,
            )


def _plans(
    node: Node,
    records: Sequence[ItemRecord],
    labels: Sequence[ConfidentialityLabel],
    rules: Mapping[str, Mapping[str, StandingRelease]],
    now: datetime,
) -> list[list[Outcome]]:
    """Per item, what the standing `rules` of its feed release (R50)."""
    ruled = [r for r in records if r.feed and rules[r.feed]]
    # One signature binds every item the rules may release, not one per item (ADR 0070).
    bound = dict(zip((r.id for r in ruled), bindings(node, ruled), strict=True)) if ruled else {}
    return [
        plan(node, r, r.releasable_to, rules[r.feed].get, now, binding=bound[r.id], label=label)
        if r.feed and r.id in bound
        else []
        for r, label in zip(records, labels, strict=True)
    ]


def _store(  # noqa: PLR0917 - what one publication writes together
    node: Node,
    user: UserRecord,
    records: Sequence[ItemRecord],
    plans: Sequence[list[Outcome]],
    rules: Mapping[str, Mapping[str, StandingRelease]],
    allowed: Decision,
    now: datetime,
    *,
    also: Callable[[Connection], None] | None = None,
    presented: Presented | None = None,
) -> dict[str, list[Outcome]]:
    """Store the items, their publication decisions and what their standing rules released,
    and what `also` writes, in one transaction; what was recorded per released item. With
    `presented`, the transaction reads the request's credentials and the person's terms again
    once its log entries are appended, and rolls back unless they still hold (ADR 0154)."""
    with node.engine.begin() as conn:
        items.add_all(conn, records, node.vault)
        audit.record_all(
            conn,
            [audit.Entry(user.name, Action.PUBLISH.value, r.id, allowed) for r in records],
            now,
        )
        if presented is not None:
            admission.held(node, conn, presented, user)
        if also is not None:
            also(conn)
        planned = [(r, outcomes) for r, outcomes in zip(records, plans, strict=True) if outcomes]
        if not planned:
            return {}
        released_by = _authorised(rules, planned)
        kept = commit(conn, planned, actor=user.name, now=now, released_by=released_by)
    return {record.id: outcomes for (record, _), outcomes in zip(planned, kept, strict=True)}


@dataclass(frozen=True)
class Standing:
    """What publishing reads before it makes the items, at `now`: the need-to-know
    communities (a purpose must be one) and each feed's standing release rules (R50)."""

    now: datetime
    communities: set[str]
    rules: dict[str, dict[str, StandingRelease]]


def standing(conn: Connection, node: Node, feeds: set[str], now: datetime) -> Standing:
    """`Standing` at `now` for items of `feeds`, read on `conn`: a caller that reads before it
    publishes reads these on its own connection (a TAXII post: ADR 0149)."""
    rules = {feed: standing_releases(conn, node, feed, now) for feed in feeds}
    return Standing(now, users.communities(conn), rules)


def publish_batch(
    node: Node,
    user: UserRecord,
    drafts: Sequence[Draft],
    *,
    also: Callable[[Connection], None] | None = None,
    read: Standing | None = None,
    presented: Presented | None = None,
) -> list[Published]:
    """Store `drafts` as items; release those whose feed has a standing rule, in one go;
    `also` writes what belongs with them in the same transaction (a TAXII post's status).
    `read` is what the caller read of `standing` for these drafts' feeds just before (else
    it is read here). `presented` is what admitted the request `user` made, if it came from
    outside: the write commits only if it still stands and `user`'s terms are unchanged
    (`gsomia.node.admission`), every route that publishes alike.

    A batch with a FLASH item is FLASH work (`gsomia.exchange.precedence`): bulk work of this
    node yields to it; any other batch yields to FLASH work in hand before it writes.
    """
    if not 1 <= len(drafts) <= MAX_BATCH:
        raise InputError(f"publish 1 to {MAX_BATCH} items at a time")
    if any(d.precedence.strip().upper() == Precedence.FLASH.name for d in drafts):
        with node.precedence.flash():
            return _publish(
                node, user, drafts, flash=True, also=also, read=read, presented=presented
            )
    return _publish(node, user, drafts, flash=False, also=also, read=read, presented=presented)


def _publish(
    node: Node,
    user: UserRecord,
    drafts: Sequence[Draft],
    *,
    flash: bool,
    also: Callable[[Connection], None] | None,
    read: Standing | None,
    presented: Presented | None,
) -> list[Published]:
    subject = "batch" if len(drafts) > 1 else "item"
    person, allowed = authorise(node, user, Action.PUBLISH, subject)
    feeds = {draft.feed for draft in drafts if draft.feed}
    if read is None or not feeds <= read.rules.keys():
        # One read connection for both (each its own was a checkout, BEGIN and ROLLBACK more:
        # ADR 0145); the rules are read before the items are made, as a feed names them.
        with node.reader.connect() as conn:
            read = standing(conn, node, feeds, node.clock())
    now, communities, rules = read.now, read.communities, read.rules
    known = _known_partners(node)
    made = [_record(node, user, draft, now, communities, known=known) for draft in drafts]
    records = [record for record, _ in made]
    _check_markings(node, person, user, records, now)
    plans = _plans(node, records, [label for _, label in made], rules, now)
    if not flash:
        node.precedence.yield_to_flash()
    with admission.refused_when_withdrawn(
        node, actor=user.name, action=Action.PUBLISH.value, subject=subject
    ):
        kept = _store(
            node, user, records, plans, rules, allowed, now, also=also, presented=presented
        )
    published = []
    for record in records:
        outcomes = tuple(kept.get(record.id, ()))
        state = "released" if any(o.envelope for o in outcomes) else "draft"
        published.append(Published(record.id, state, outcomes))
    for precedence in {r.precedence for r, p in zip(records, plans, strict=True) if p}:
        node.worker.wake(priority(Precedence[precedence]))
    return published


def publish(
    node: Node, user: UserRecord, draft: Draft, *, presented: Presented | None = None
) -> str:
    """Store one item (released at once only under a standing rule for its feed); its id."""
    return publish_batch(node, user, [draft], presented=presented)[0].id
