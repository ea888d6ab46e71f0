"""The serving node's watch, once a second: what other processes changed, and FLASH that
has not gone out.

Each second it asks only whether the database changed (`gsomia.store.changes`: a few
microseconds, no table read); when it did, by whichever process, it reads what follows and
wakes the delivery lanes, which otherwise sleep until their next due time (ADR 0142). So what
another process commits is acted on within a second, as when everything was read each second.

- `gsomia peer add`, `gsomia agreement …` run in their own process on the node's database;
  the watch notices (`Node.notice_changes`) and the node uses the new partner set at once.
  A partner whose pin or endpoint changed is tried again at once, without its back-off.
- A FLASH message still queued after a failed try is raised the moment it is seen: one log
  line (error), `gsomia_flash_undelivered_total{peer}`, a live alert on officers' open pages,
  and a banner on every officer's page while it stays undelivered (`Node.undelivered`).
  An early warning no one receives is the failure that matters most (issue 16).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from gsomia.errors import Error
from gsomia.exchange import outbox
from gsomia.exchange.worker import FLASH
from gsomia.node.officer_alerts import alert_officers
from gsomia.node.runtime import Node
from gsomia.store.changes import Changes

log = logging.getLogger("gsomia.delivery")

TICK = 1.0  # seconds between looks; "within seconds" is the promise


def look(node: Node) -> list[outbox.Sent]:
    """One look: reload what changed, and the FLASH messages newly found undelivered."""
    for nation in sorted(node.notice_changes()):
        log.info("partner %s changed by another process: in use now", nation)
        if node.keeper and node.peer_address(nation) is not None:
            node.worker.peer_is_back(nation)
    with node.reader.connect() as conn:
        failing = outbox.failing(conn, node.keys, FLASH)
    fresh = [sent for sent in failing if sent.message_id not in node.undelivered]
    node.undelivered = {sent.message_id: sent for sent in failing}  # every process's banner
    if not node.keeper:  # one of several processes: the keeper raises it, once (ADR 0111)
        return []
    for sent in fresh:
        raise_undelivered(node, sent)
    return fresh


def raise_undelivered(node: Node, sent: outbox.Sent) -> None:
    """Say, everywhere an operator looks, that a FLASH message did not reach its partner."""
    log.error(
        "FLASH %s to %s not delivered after %d attempt(s): %s",
        sent.item_id or sent.kind,
        sent.peer,
        sent.attempts,
        sent.last_error,
        extra={"reason": sent.last_error or ""},
    )
    node.metrics.flash_undelivered.labels(sent.peer).inc()
    alert_officers(
        node,
        {
            "alert": "flash-undelivered",
            "key": sent.message_id,
            "partner": sent.peer,
            "item": sent.item_id,
            "attempts": sent.attempts,
            "message": sent.last_error or "",
        },
    )


async def watch(node: Node, stop: asyncio.Event) -> None:
    """Every `TICK` seconds until `stop`: if the database changed, wake the delivery lanes and
    `look`; a failed look is logged and tried again at the next tick."""
    changes = Changes(node.engine)
    try:
        while not stop.is_set():
            try:
                if await asyncio.to_thread(changes.seen):
                    node.worker.wake_lanes()
                    await asyncio.to_thread(look, node)
            except (Error, OSError, ValueError) as exc:
                changes.close()  # the next tick looks again, changed or not
                log.warning("node watch: %s", exc)
            except Exception:  # the database went away under us: the next look tries again
                changes.close()
                log.exception("node watch failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=TICK)
    finally:
        changes.close()
