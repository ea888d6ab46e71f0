"""One running node: its home, database, registries, peers, worker and live alerts."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, select

from gsomia.api.metrics import Metrics
from gsomia.exchange.outbox import Pending
from gsomia.exchange.wire import RECEIVED
from gsomia.exchange.witness import RECEIPT_MEMBER
from gsomia.exchange.worker import DeliveryWorker, PeerAddress
from gsomia.node import audit
from gsomia.node.alerts import AlertBroker
from gsomia.node.home import NodeHome
from gsomia.node.ledger import LogPolicy, NodeLedger
from gsomia.seal import IdentityCard, parse_card
from gsomia.store.db import make_engine, migrate, reader
from gsomia.store.tables import agreement_events, outbox, peers, transfers
from gsomia.treaty.agreements import Agreement, AgreementRegistry, load_agreements
from gsomia.treaty.decision import Decision
from gsomia.treaty.lifecycle import Event
from gsomia.treaty.records import event_from_json
from gsomia.treaty.schemes import Scheme, SchemeRegistry, load_schemes

#: The channel every transfer of this software uses: node to node over the agreement's network.
CHANNEL = "gsomia-node"


def utcnow() -> datetime:
    return datetime.now(UTC)


class Node:
    """Everything a use case needs, built once per process."""

    def __init__(self, home: NodeHome, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.home = home
        self.nation = home.config.nation
        self.keys = home.keys
        self.card = home.card
        self.clock = clock
        #: The node's Merkle log: origin, checkpoint keys and policy (gsomia.node.ledger).
        self.ledger = NodeLedger(
            self.keys,
            self.card,
            LogPolicy(home.config.checkpoint_events, home.config.checkpoint_seconds),
        )
        self.engine = make_engine(home.config.database_url)
        #: The same database for reads: `engine.begin()` writes, `reader.connect()` reads.
        self.reader = reader(self.engine)
        self.schemes: SchemeRegistry = load_schemes()
        self.agreements: AgreementRegistry = load_agreements()
        self.alerts = AlertBroker()
        self.metrics = Metrics()
        self._peers: dict[str, tuple[IdentityCard, str | None]] | None = None
        self._recorded: dict[str, list[Event]] | None = None
        self.worker = DeliveryWorker(
            self.engine,
            sender=self.nation,
            resolve=self.peer_address,
            clock=clock,
            on_failure=lambda peer: self.metrics.delivery_failures.labels(peer).inc(),
            on_settled=self._settled,
            peers=lambda: sorted(self._load_peers()),
        )

    def _settled(
        self, conn: Connection, peer: str, settled: list[tuple[Pending, dict[str, Any]]]
    ) -> bool:
        """Log each partner's answer on this side too (a refusal is logged by both, R39) and
        hand it to the workflow that sent the message, in the transaction that settles it;
        whether a workflow queued a reply."""
        now = self.clock()
        entries = []
        for row, entry in settled:
            answer = entry["answer"]
            received = answer["status"] == RECEIVED
            self.metrics.deliveries.labels(peer, answer["status"]).inc()
            self.metrics.delivery_latency.labels(str(row.priority)).observe(
                max(0.0, (now - row.created_at).total_seconds())
            )
            marked = f", marked {answer['marked']}" if answer.get("marked") else ""
            decision = (
                Decision.allow(f"{peer} received it{marked}", "Art. 12", "R28")
                if received
                else Decision.deny(
                    f"{peer} refused it: {answer.get('reason')}",
                    str(answer.get("article", "")),
                    "R28",
                )
            )
            receipt = answer.get(RECEIPT_MEMBER) or {}
            entries.append(
                audit.Entry(
                    peer,
                    f"answer:{row.kind}",
                    row.item_id or row.message_id,
                    decision,
                    also=(row.message_id,) if row.item_id else (),
                    details={"receipt_index": receipt["index"]} if receipt else {},
                )
            )
        # Imported here: the workflow modules import this one.
        from gsomia.node.control import workflows  # noqa: PLC0415

        audit.record_all(conn, entries, now)
        # The workflow that sent each message learns its answer (custody of an onward release
        # passes now, R28). Before `record_provisions`: an onward item's hook records its
        # transfer with the consent, and `record_provisions` then knows it.
        followed = workflows.settled(conn, self, peer, settled)
        record_provisions(conn, self.nation, peer, settled)
        return followed

    def migrate(self) -> None:
        migrate(self.engine)

    def scheme(self, day: date | None = None) -> Scheme:
        """This node's national scheme in force on `day` (today by default)."""
        return self.schemes.scheme(self.nation, at=day or self.clock().date())

    # Peers ---------------------------------------------------------------------------------

    def forget_peers(self) -> None:
        self._peers = None

    def _load_peers(self) -> dict[str, tuple[IdentityCard, str | None]]:
        if self._peers is None:
            with self.reader.connect() as conn:
                rows = conn.execute(select(peers.c.nation, peers.c.card, peers.c.endpoint))
                self._peers = {
                    nation: (parse_card(_card_bytes(card)), endpoint)
                    for nation, card, endpoint in rows
                }
        return self._peers

    def peer_card(self, nation: str) -> IdentityCard | None:
        entry = self._load_peers().get(nation)
        return entry[0] if entry else None

    def peer_cards(self) -> list[IdentityCard]:
        return [card for card, _ in self._load_peers().values()]

    def peer_address(self, nation: str) -> PeerAddress | None:
        entry = self._load_peers().get(nation)
        if entry is None or not entry[1]:
            return None
        return PeerAddress(nation, entry[1], entry[0])

    # Agreements ----------------------------------------------------------------------------

    def forget_agreements(self) -> None:
        self._recorded = None

    def _recorded_events(self) -> dict[str, list[Event]]:
        if self._recorded is None:
            recorded: dict[str, list[Event]] = {}
            with self.reader.connect() as conn:
                rows = conn.execute(
                    select(agreement_events.c.agreement_id, agreement_events.c.event).order_by(
                        agreement_events.c.id
                    )
                )
                for agreement_id, event in rows:
                    recorded.setdefault(agreement_id, []).append(event_from_json(event))
            self._recorded = recorded
        return self._recorded

    def agreement(self, agreement_id: str) -> Agreement:
        """An agreement as this node knows it: shipped history plus every step recorded since."""
        agreement = self.agreements.get(agreement_id)
        for event in self._recorded_events().get(agreement_id, ()):
            agreement = agreement.record(event)
        return agreement

    def agreement_with(self, nation: str, now: datetime) -> Agreement | None:
        """This node's agreement with `nation`: the one in force now, else the newest."""
        found = [self.agreement(a.id) for a in self.agreements.between(self.nation, nation)]
        if not found:
            return None
        for agreement in found:
            if agreement.status_at(now.date()).state.in_force:
                return agreement
        return found[-1]


def record_provisions(
    conn: Connection,
    nation: str,
    peer: str,
    settled: list[tuple[Pending, dict[str, Any]]],
) -> None:
    """Custody passes when the partner records receipt (R28): each item it received becomes a
    link of the item's chain of custody (R17), once, whatever the number of deliveries."""
    received = {
        row.message_id: (row.item_id, entry["answer"])
        for row, entry in settled
        if row.kind == "item" and row.item_id and entry["answer"]["status"] == RECEIVED
    }
    if not received:
        return
    basis = dict(
        conn.execute(
            select(outbox.c.message_id, outbox.c.agreement_id).where(
                outbox.c.message_id.in_(received)
            )
        ).all()
    )
    known = {
        item_id
        for (item_id,) in conn.execute(
            select(transfers.c.item_id).where(
                transfers.c.item_id.in_({item for item, _ in received.values()}),
                transfers.c.from_nation == nation,
                transfers.c.to_nation == peer,
            )
        )
    }
    rows = []
    for message_id, (item_id, answer) in received.items():
        if item_id in known:
            continue
        known.add(item_id)
        rows.append(
            {
                "item_id": item_id,
                "from_nation": nation,
                "to_nation": peer,
                "at": datetime.fromisoformat(answer["at"]),
                "level": str(answer.get("marked", "")),
                "basis": basis.get(message_id) or "",
                "message_id": message_id,
                "reported_by": nation,
            }
        )
    if rows:
        conn.execute(transfers.insert(), rows)


def _card_bytes(card: object) -> bytes:
    return json.dumps(card, ensure_ascii=False).encode()
