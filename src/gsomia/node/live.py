"""Push received FLASH items to the open screens of the users allowed to read them.

`push_flash` decides who may see each alert (the treaty's access decision per user);
`alert_events` is one screen's stream of them in the Server-Sent Events format.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gsomia.node import sessions, tokens
from gsomia.node.acceptance import Accepted
from gsomia.node.alerts import RECHECK
from gsomia.node.authority import refuse
from gsomia.node.contractor_access import contractor_decision, works_for_a_contractor
from gsomia.node.people import to_person
from gsomia.node.runtime import Node
from gsomia.store import holdings
from gsomia.store.users import UserRecord, get_user
from gsomia.treaty.decision import Decision
from gsomia.treaty.items import Precedence
from gsomia.treaty.reading import may_read_holding
from gsomia.treaty.roles import clearance_in_force


def _contractor_allows(decision: Decision | None) -> bool:
    return decision is None or decision.allowed


#: The node's processes tell each other of FLASH items received (`Node.fanout`).
FLASH_ALERTS = "flash"


def push_flash(node: Node, accepted: Sequence[Accepted]) -> None:
    """Alert each connected user whom the access decision allows, for each FLASH item: on
    this process's screens and, through `Node.fanout`, on every other process's (each
    decides for its own screens, `show_flash`)."""
    flash = [a for a in accepted if a.item.precedence is Precedence.FLASH]
    for item in flash:  # outward: identifiers only, never the title (`gsomia.node.outward`)
        event = {"alert": "flash", "item": item.item.id, "holding": item.holding_id}
        node.outward.send({**event, "partner": item.item.originator}, node.clock())
    if not flash:
        return
    now = node.clock()
    alerts = [
        {
            "holding": accepted_item.holding_id,
            "item": accepted_item.item.id,
            "title": accepted_item.title,
            "marking": accepted_item.local_level,
            "original_marking": accepted_item.item.level.native,
            "originator": accepted_item.item.originator,
            "precedence": "FLASH",
            "received_at": now.isoformat(),
        }
        for accepted_item in flash
    ]
    node.fanout.share(FLASH_ALERTS, alerts)


def show_flash(node: Node, alerts: Sequence[dict[str, Any]]) -> None:
    """`alerts` (made by `push_flash`) to those of this process's watchers whom the access
    decision allows to read each holding, decided now."""
    watching = node.alerts.users
    if not alerts or not watching:
        return
    now = node.clock()
    scheme = node.scheme(now.date())
    with node.reader.connect() as conn:
        people = [to_person(get_user(conn, name, node.vault), scheme) for name in sorted(watching)]
        held = holdings.by_ids(conn, [a["holding"] for a in alerts], node.vault)
    contractors = {name for name in watching if works_for_a_contractor(node, name)}
    for alert in alerts:
        record = held.get(alert["holding"])
        if record is None:  # destroyed meanwhile: no one hears of it
            continue
        # Mapped once, decided per person: the read decision `read.access_decision` takes.
        holding = holdings.to_readable(record, node.schemes, node.nation)
        allowed = {p.id for p in people if may_read_holding(p, holding, now).allowed}
        # A contractor's staff hear only of what their facility may have (R33–R34), as every
        # other way out asks; a holding just received was released to no contractor yet.
        allowed = {
            name
            for name in allowed
            if name not in contractors
            or _contractor_allows(contractor_decision(node, name, record, now))
        }
        if allowed:
            node.alerts.publish(allowed, dict(alert))


KEEPALIVE_SECONDS = 15.0


@dataclass(frozen=True)
class Standing:
    """Whether an open stream still stands: `ended` says why not ("" while it does), `until`
    when it stops at the latest (a token's expiry, the clearance's), if known."""

    ended: str = ""
    until: datetime | None = None


def open_alerts(node: Node, user: UserRecord) -> None:
    """Refuse, logged, to open an alerts stream for a person whose clearance is not in force:
    they may read no FLASH item, and the stream is an act like the others (Art. 7.2, R19)."""
    now = node.clock()
    decision = clearance_in_force(to_person(user, node.scheme(now.date())), now)
    if not decision.allowed:
        refuse(node, actor=user.name, action="alerts_open", subject=user.name, decision=decision)


def _person(node: Node, name: str, until: datetime | None) -> Standing:
    """The stream's person still active with a clearance in force, until it expires."""
    now = node.clock()
    with node.reader.connect() as conn:
        user = get_user(conn, name, node.vault)
    if user.disabled_at is not None:
        return Standing(ended=f"{name} is disabled")
    person = to_person(user, node.scheme(now.date()))
    decision = clearance_in_force(person, now)
    if not decision.allowed:
        return Standing(ended=decision.reason)
    ends = [t for t in (until, person.clearance_expires) if t is not None]
    return Standing(until=min(ends) if ends else None)


def token_standing(node: Node, name: str, token: str) -> Callable[[], Standing]:
    """What a stream opened with `token` asks: the token stands (its lifetime, its issuer's,
    not revoked) and so does its person."""

    def check() -> Standing:
        until = tokens.standing_until(node, token)
        if until is None:
            return Standing(ended="the token no longer stands")
        return _person(node, name, until)

    return check


def session_standing(node: Node, name: str, sid: str) -> Callable[[], Standing]:
    """What the pages' stream asks: the signed-in session stands (not logged out, no password
    change, not disabled, not idle; ADR 0082), untouched by the asking, and so does its person."""

    def check() -> Standing:
        decision = sessions.standing(node, sid, name)
        if not decision.allowed:
            return Standing(ended=decision.reason)
        return _person(node, name, None)

    return check


async def alert_events(
    node: Node,
    user: str,
    is_disconnected: Callable[[], Awaitable[bool]],
    stands: Callable[[], Standing],
) -> AsyncIterator[str]:
    """`user`'s alerts as `text/event-stream` chunks, with keep-alives, until disconnected or
    until `stands` says the stream no longer stands: its token or session ended (a revocation
    over the API wakes the stream at once; anything else is seen at the next keep-alive), or
    its person was disabled or holds no clearance in force. Then an `end` event says why, and
    the stream closes (ADR 0086)."""
    async with node.alerts.subscribe(user) as queue:
        yield "event: ready\ndata: {}\n\n"
        while not await is_disconnected():
            standing = await asyncio.to_thread(stands)
            if standing.ended:
                yield f"event: end\ndata: {json.dumps({'reason': standing.ended})}\n\n"
                return
            wait = KEEPALIVE_SECONDS
            if standing.until is not None:
                wait = min(wait, max((standing.until - node.clock()).total_seconds(), 0.0))
            try:
                event = await asyncio.wait_for(queue.get(), timeout=wait)
            except TimeoutError:
                yield ": keep-alive\n\n"
                continue
            if event is not RECHECK:
                yield f"event: flash\ndata: {json.dumps(event, ensure_ascii=False)}\n\n"
