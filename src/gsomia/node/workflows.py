"""The workflow message kinds this node understands: the table of contents of issue 5.

Each workflow module registers the kinds it receives in its `HANDLERS`; `receive_batch`
routes every message whose kind is listed here to `gsomia.node.messages.receive_messages`.
"""

from __future__ import annotations

from gsomia.node import compromise, consent, custody, disposal, notices, onward, visits
from gsomia.node.messages import Handler

HANDLERS: dict[str, Handler] = {
    **consent.HANDLERS,
    **onward.HANDLERS,
    **notices.HANDLERS,
    **custody.HANDLERS,
    **disposal.HANDLERS,
    **compromise.HANDLERS,
    **visits.HANDLERS,
}
