"""Alerts for this node's security officers alone: a compromise reported or its findings, a
partner's log that did not verify. Who sees them is decided here, once: the officers, the
competent authority, among the users whose screens are open (R37, Art. 6(f)).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gsomia.node.runtime import Node
from gsomia.store.users import get_user
from gsomia.treaty.roles import OFFICER

#: The node's processes tell each other of officers' alerts (`Node.fanout`).
OFFICER_ALERTS = "officers"


def alert_officers(node: Node, event: Mapping[str, Any]) -> None:
    """Push `event`, stamped with the time, to the open screens of this node's officers, on
    every process serving the node (`Node.fanout`), and send it outward (webhook, syslog)
    if the home says where."""
    node.outward.send(event, node.clock())
    node.fanout.share(OFFICER_ALERTS, {**event, "at": node.clock().isoformat()})


def show_officers(node: Node, event: Mapping[str, Any]) -> None:
    """`event` to the officers among this process's watchers."""
    watching = node.alerts.users
    if not watching:
        return
    with node.reader.connect() as conn:
        officers = {u for u in sorted(watching) if OFFICER in get_user(conn, u, node.vault).roles}
    if officers:
        node.alerts.publish(officers, dict(event))
