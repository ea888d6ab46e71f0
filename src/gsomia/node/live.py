"""Push received FLASH items to the open screens of the users allowed to read them.

`push_flash` decides who may see each alert (the treaty's access decision per user);
`alert_events` is one screen's stream of them in the Server-Sent Events format.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from gsomia.node import tokens
from gsomia.node.acceptance import Accepted
from gsomia.node.alerts import RECHECK
from gsomia.node.contractor_access import contractor_decision, works_for_a_contractor
from gsomia.node.people import to_person
from gsomia.node.runtime import Node
from gsomia.store import holdings
from gsomia.store.users import get_user
from gsomia.treaty.decision import Decision
from gsomia.treaty.items import Precedence
from gsomia.treaty.reading import may_read_holding


def _contractor_allows(decision: Decision | None) -> bool:
    return decision is None or decision.allowed


def push_flash(node: Node, accepted: Sequence[Accepted]) -> None:
    """Alert each connected user whom the access decision allows, for each FLASH item."""
    flash = [a for a in accepted if a.item.precedence is Precedence.FLASH]
    for item in flash:  # outward: identifiers only, never the title (`gsomia.node.outward`)
        event = {"alert": "flash", "item": item.item.id, "holding": item.holding_id}
        node.outward.send({**event, "partner": item.item.originator}, node.clock())
    watching = node.alerts.users
    if not flash or not watching:
        return
    now = node.clock()
    scheme = node.scheme(now.date())
    with node.reader.connect() as conn:
        people = [to_person(get_user(conn, name), scheme) for name in sorted(watching)]
        held = holdings.by_ids(conn, [a.holding_id for a in flash], node.vault)
    contractors = {name for name in watching if works_for_a_contractor(node, name)}
    for accepted_item in flash:
        # Mapped once, decided per person: the read decision `read.access_decision` takes.
        holding = holdings.to_readable(held[accepted_item.holding_id], node.schemes, node.nation)
        allowed = {p.id for p in people if may_read_holding(p, holding, now).allowed}
        # A contractor's staff hear only of what their facility may have (R33–R34), as every
        # other way out asks; a holding just received was released to no contractor yet.
        record = held[accepted_item.holding_id]
        allowed = {
            name
            for name in allowed
            if name not in contractors
            or _contractor_allows(contractor_decision(node, name, record, now))
        }
        if allowed:
            node.alerts.publish(
                allowed,
                {
                    "holding": accepted_item.holding_id,
                    "item": accepted_item.item.id,
                    "title": accepted_item.title,
                    "marking": accepted_item.local_level,
                    "original_marking": accepted_item.item.level.native,
                    "originator": accepted_item.item.originator,
                    "precedence": "FLASH",
                    "received_at": now.isoformat(),
                },
            )


KEEPALIVE_SECONDS = 15.0


async def alert_events(
    node: Node,
    user: str,
    is_disconnected: Callable[[], Awaitable[bool]],
    token: str | None = None,
) -> AsyncIterator[str]:
    """`user`'s alerts as `text/event-stream` chunks, with keep-alives, until disconnected or,
    for a stream opened with `token`, until it no longer stands: it expires (its own lifetime
    or its issuer's), or it is revoked (at once over the API, which wakes the stream; at the
    next keep-alive otherwise). Then an `end` event says why, and the stream closes (ADR 0086).
    The pages' stream (no token) is the signed-in session's, checked when the page loads."""
    async with node.alerts.subscribe(user) as queue:
        yield "event: ready\ndata: {}\n\n"
        while not await is_disconnected():
            wait = KEEPALIVE_SECONDS
            if token is not None:
                until = await asyncio.to_thread(tokens.standing_until, node, token)
                if until is None:
                    yield 'event: end\ndata: {"reason": "the token no longer stands"}\n\n'
                    return
                wait = min(wait, max((until - node.clock()).total_seconds(), 0.0))
            try:
                event = await asyncio.wait_for(queue.get(), timeout=wait)
            except TimeoutError:
                yield ": keep-alive\n\n"
                continue
            if event is not RECHECK:
                yield f"event: flash\ndata: {json.dumps(event, ensure_ascii=False)}\n\n"
