"""The operator's list of partner nodes: pinning a partner's identity card, and reading it.

`gsomia.node.peers` keeps the cards; pinning one is a key administration event in the node's
log (R16), like registering a person, whoever pins it: `gsomia peer add` or a dev network.
"""

from __future__ import annotations

from gsomia.errors import UsageError
from gsomia.exchange.links import check_endpoint
from gsomia.ledger.events import EventKind
from gsomia.node import audit, peers
from gsomia.node.audit import admin_event
from gsomia.node.database import Database
from gsomia.node.runtime import Node
from gsomia.node.users import OPERATOR
from gsomia.seal import IdentityCard, parse_card
from gsomia.store.peers import Peer, pinned

__all__ = ["Peer", "list_partners", "pin_partner"]


def pin_partner(
    node: Node,
    card: bytes,
    endpoint: str | None = None,
    *,
    actor: str = OPERATOR,
    plain_http: bool = False,
    without_endpoint: bool = False,
) -> IdentityCard:
    """Trust the partner node whose identity card is `card`, and log it with its fingerprint.

    Its endpoint must be https (mutual TLS) unless `plain_http`, the development flag; a
    partner's card of the first version is refused, saying what to do (`parse_card`). A
    partner with no endpoint at all is refused unless `without_endpoint`: nothing could be
    delivered to it, and a FLASH item would wait unseen (issue 16)."""
    parsed = parse_card(card)
    address = endpoint or (parsed.endpoints[0] if parsed.endpoints else None)
    if address is not None:
        check_endpoint(parsed.nation, address, plain_http=plain_http)
    elif not without_endpoint:
        raise UsageError(
            f"{parsed.nation}'s card names no endpoint and none was given: nothing could be "
            f"delivered to {parsed.nation}",
            hint=f"add --endpoint https://HOST:PORT ({parsed.nation}'s peer listener), or "
            "--without-endpoint to pin it now and give the endpoint later with `peer add`",
        )
    pinned = peers.add_peer(node, card, endpoint)
    # Logged just after the pin, in its own transaction: `add_peer` owns the pin's.
    with node.engine.begin() as conn:
        audit.record_event(
            conn,
            admin_event(
                EventKind.KEY_ADMIN,
                actor=actor,
                action="peer:add",
                subject=pinned.nation,
                now=node.clock(),
                fingerprint=pinned.fingerprint,
                endpoint=endpoint or (pinned.endpoints[0] if pinned.endpoints else ""),
            ),
        )
    return pinned


def list_partners(db: Database) -> list[Peer]:
    """The partner nodes this node trusts, by nation."""
    with db.reader.connect() as conn:
        return pinned(conn)
