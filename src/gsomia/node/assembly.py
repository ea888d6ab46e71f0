"""Where a node's parts meet: the one place that wires what the runtime must not import.

The runtime (`gsomia.node.runtime.Node`) is below every use case, so it cannot import what it
hands its partners' answers to; the workflows import the runtime. Faces, tests and the demo
build a node here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from gsomia.node.home import NodeHome
from gsomia.node.live import FLASH_ALERTS, show_flash
from gsomia.node.officer_alerts import OFFICER_ALERTS, show_officers
from gsomia.node.runtime import Node, utcnow
from gsomia.node.settlement import settle


def assemble(home: NodeHome, *, clock: Callable[[], datetime] = utcnow) -> Node:
    """A node for `home`, its answers settled by `gsomia.node.settlement`, its alerts shown
    on the screens of whichever of its processes they are open on (`Node.fanout`)."""
    node = Node(home, settle=settle, clock=clock)
    node.fanout.on(FLASH_ALERTS, lambda alerts: show_flash(node, alerts))
    node.fanout.on(OFFICER_ALERTS, lambda event: show_officers(node, event))
    return node
