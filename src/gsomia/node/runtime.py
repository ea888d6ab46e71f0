"""One running node: its home, database, registries, peers, worker and live alerts."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from gsomia.errors import InputError
from gsomia.exchange import claimants, outbox
from gsomia.exchange.bulk import BulkCrypto
from gsomia.exchange.kinds import Kind
from gsomia.exchange.links import PeerLinks
from gsomia.exchange.outbox import Pending, Sent
from gsomia.exchange.precedence import PrecedenceGate
from gsomia.exchange.worker import DeliveryWorker, PeerAddress
from gsomia.ledger.policy import LogPolicy
from gsomia.node import at_rest
from gsomia.node.alerts import RECHECK, AlertBroker
from gsomia.node.backup import backup
from gsomia.node.fanout import Fanout
from gsomia.node.flash_budget import FlashBudgets
from gsomia.node.home import NodeHome
from gsomia.node.ledger import NodeLedger
from gsomia.node.metrics import Metrics
from gsomia.node.outward import Outward
from gsomia.seal import IdentityCard, NodeKeys, parse_card, parse_held_card
from gsomia.seal.at_rest import Vault
from gsomia.store import agreement_events, peers, rotations
from gsomia.store.db import behind, check_integrity, make_engine, migrate, reach, reader
from gsomia.treaty.agreements import Agreement, AgreementRegistry, amended, load_agreements
from gsomia.treaty.flash import FlashBudget
from gsomia.treaty.items import Precedence
from gsomia.treaty.lifecycle import Event
from gsomia.treaty.schemes import Scheme, SchemeRegistry, load_schemes

log = logging.getLogger("gsomia.node")

#: What the node's processes tell each other (`Node.fanout`): a stream to recheck its
#: credentials, new outbox work for the delivery processes, a partner back up.
RECHECKS = "recheck"
OUTBOX_WORK = "outbox"
PEER_BACK = "peer-back"

#: The channel every transfer of this software uses: node to node over the agreement's network.
CHANNEL = "gsomia-node"


def utcnow() -> datetime:
    return datetime.now(UTC)


#: What the node makes of a partner's settled answers, in the transaction that settles them
#: (`gsomia.node.settlement.settle`, wired in by `gsomia.node.assembly`); whether a workflow
#: queued a reply.
Settle = Callable[["Node", Connection, str, Sequence[tuple[Pending, dict[str, Any]]]], bool]


class Node:
    """Everything a use case needs, built once per process (by `gsomia.node.assembly`)."""

    def __init__(
        self, home: NodeHome, *, settle: Settle, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.home = home
        self.nation = home.config.nation
        self.keys = home.keys
        self.vault = Vault(home.keys.storage_key)  # items at rest (ADR 0075)
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
        self._agreements: dict[str, Agreement] = {}  # as `agreement` built them, until a step
        self._shipped: AgreementRegistry = load_agreements()
        self.alerts = AlertBroker()
        self.metrics = Metrics()
        #: Alerts sent outward too: webhook and syslog, from `[alerts]` (issue 16).
        self.outward = Outward(
            self.nation, webhook=home.config.alert_webhook, syslog=home.config.alert_syslog
        )
        self._peers: dict[str, tuple[IdentityCard, str | None]] | None = None
        self._retired: dict[str, list[IdentityCard]] | None = None
        #: Partners known to have answered this node's latest key rotation statement.
        self._confirmed: set[str] = set()
        self._recorded: dict[str, list[Event]] | None = None
        #: What the partners and recorded agreement steps looked like when last read
        #: (`notice_changes`): other processes (`gsomia peer add`) change them too.
        self._generation: tuple[Any, Any] | None = None
        #: FLASH messages queued after a failed try, by message id (`gsomia.node.watch`).
        self.undelivered: dict[str, Sent] = {}
        #: Pinned mutual-TLS contexts to call partners with (gsomia.exchange.links).
        self.links = PeerLinks(self.keys.tls_files)
        #: CCEB precedence in this process: bulk work yields while FLASH is handled.
        self.precedence = PrecedenceGate()
        #: Each partner's FLASH budget (`gsomia.treaty.flash`): past it, FLASH is IMMEDIATE.
        #: Shared by the node's processes on PostgreSQL (ADR 0127), in this one's on SQLite.
        self.flash_budgets = FlashBudgets(
            self.metrics.flash_demoted,
            shared=self.engine if self.engine.dialect.name == "postgresql" else None,
        )
        #: Bulk batches sealed and opened in child processes below FLASH (ADR 0122).
        self.bulk = BulkCrypto(self.keys)
        self.worker = DeliveryWorker(
            self.engine,
            sender=self.nation,
            resolve=self.peer_address,
            clock=clock,
            on_failure=lambda peer: self.metrics.delivery_failures.labels(peer).inc(),
            on_settled=lambda conn, peer, settled: settle(self, conn, peer, settled),
            peers=lambda: sorted(self._load_peers()),
            links=self.links,
            keys=self.keys,
            gate=self.precedence,
            speak_as=self.speaking_keys,
            bulk=self.bulk,
        )
        #: The node's other processes, when several serve it on PostgreSQL (ADR 0111):
        #: started by `share_with_other_processes`; until then everything acts here only.
        self.fanout = Fanout(self.keys, clock)
        self.fanout.on(RECHECKS, lambda users: self.alerts.publish(set(users), RECHECK))
        self.fanout.on(OUTBOX_WORK, lambda level: self.worker.wake_here(int(level)))
        self.fanout.on(PEER_BACK, lambda peer: self.worker.rest_over(str(peer)))
        #: Whether this process keeps the log and raises undelivered FLASH: the only one
        #: serving, or the one of several holding the keeper's lock (`gsomia.node.keeping`).
        self.keeper = True

        self._claim_rows()

    def _claim_rows(self) -> None:
        # On PostgreSQL another process may deliver from the same outbox (`gsomia serve
        # --delivery-only`, on this machine or another): rows are claimed before they are
        # sent, under a name of this process's own (ADR 0111).
        if self.engine.dialect.name == "postgresql":
            self.worker.claimant = claimants.name_for_this_process()

    def share_with_other_processes(self) -> None:
        """Serve as one of several processes on this PostgreSQL (ADR 0111): alerts, rechecks
        and outbox work are told to the others and heard from them. Returns once listening."""
        self.fanout.start(self.engine)
        if not self.fanout.shared:
            return
        self.alerts.elsewhere = lambda users: self.fanout.share(RECHECKS, sorted(users), here=False)
        self.worker.elsewhere = lambda level: self.fanout.share(OUTBOX_WORK, level, here=False)
        self.worker.elsewhere_back = lambda peer: self.fanout.share(PEER_BACK, peer, here=False)

    def after_fork(self) -> None:
        """In a process forked from the one that built this node: database connections of
        its own (a pooled connection is never shared across processes), and a claimant name
        of its own."""
        self.engine.dispose(close=False)
        self.flash_budgets.after_fork()
        self.fanout.origin = secrets.token_hex(8)  # its words are not its parent's
        self._claim_rows()
        self.keeper = False  # until it holds the keeper's lock (`gsomia.node.keeping`)

    def migrate(self) -> Path | None:
        """The newest schema, then the rows and outbox answers kept in clear from before
        sealed, once each (ADR 0088). A database made by an older version is backed up first
        (into the home's `backups/`, said in the log): a migration is one way. Where the
        backup went, if one was taken."""
        taken = None
        pending = behind(self.engine)
        if pending is not None:
            stamp = self.clock().strftime("%Y%m%dT%H%M%SZ")
            taken = self.home.path / "backups" / f"before-{pending[1]}-{stamp}.tar.gz"
            taken.parent.mkdir(mode=0o700, exist_ok=True)
            backup(self.home.path, taken, self.keys, now=self.clock())
            log.warning(
                "database at schema %s, this version needs %s: backed up first to %s",
                *pending,
                taken,
            )
        migrate(self.engine)
        at_rest.seal_clear_rows(self.engine, self.vault, self.home.path, self.clock)
        at_rest.seal_clear_answers(self.engine, self.keys, self.home.path, self.clock)
        at_rest.seal_clear_steps(self.engine, self.keys, self.home.path, self.clock)
        at_rest.seal_clear_cases(self.engine, self.keys, self.home.path, self.clock)
        at_rest.bind_outbox_peers(self.engine, self.keys, self.home.path, self.clock)
        at_rest.bind_decided_columns(self.engine, self.vault, self.keys, self.home.path, self.clock)
        at_rest.bind_copies(self.engine, self.vault, self.home.path, self.clock)
        at_rest.bind_users(self.engine, self.vault, self.home.path, self.clock)
        at_rest.bind_credentials(self.engine, self.vault, self.home.path, self.clock)
        return taken

    def check_store(self) -> None:
        """`Unavailable` if the database does not answer, `StoreDamaged` if it does not read
        back whole (`gsomia serve` at start, before anything is served)."""
        reach(self.engine)
        check_integrity(self.engine)

    def scheme(self, day: date | None = None) -> Scheme:
        """This node's national scheme in force on `day` (today by default)."""
        return self.schemes.scheme(self.nation, at=day or self.clock().date())

    # Peers ---------------------------------------------------------------------------------

    def forget_peers(self) -> None:
        self._peers = None
        self._retired = None

    def _load_peers(self) -> dict[str, tuple[IdentityCard, str | None]]:
        if self._peers is None:
            with self.reader.connect() as conn:
                found = peers.pinned(conn)
            self._peers = {}
            for peer in found:
                try:
                    self._peers[peer.nation] = (parse_card(peer.card), peer.endpoint)
                except InputError as error:  # a v1 card: `gsomia peer add` its new one
                    log.error("partner %s not loaded: %s", peer.nation, error.message)
        return self._peers

    def peer_card(self, nation: str) -> IdentityCard | None:
        entry = self._load_peers().get(nation)
        return entry[0] if entry else None

    def speaking_keys(self, nation: str) -> NodeKeys:
        """The keys to speak to `nation`'s node with: the retired keys that signed this node's
        key rotation statement while `nation` has not answered it (it pins only the old card
        until it does), this node's keys otherwise (ADR 0093).

        Read from the outbox while `nation` has not answered, so every process sending to it
        sees the answer whichever settled it; once answered, remembered for good."""
        if not self.keys.retired or nation in self._confirmed:
            return self.keys
        with self.reader.connect() as conn:
            waiting = outbox.awaits(conn, Kind.KEY_ROTATION, nation)
        if not waiting:
            self._confirmed.add(nation)
            return self.keys
        return self.keys.retired[0]

    def rotated_for(self, nation: str) -> None:
        """`nation` answered this node's key rotation statement: speak to it with the new keys
        (it pinned the new card before it answered)."""
        self._confirmed.add(nation)

    def known_cards(self, nation: str) -> list[IdentityCard]:
        """`nation`'s pinned card, then each card its key rotations replaced, newest first:
        what it signed under any of them (a binding, a consent) stays verifiable (ADR 0093)."""
        if self._retired is None:
            with self.reader.connect() as conn:
                found = rotations.retired_cards(conn)
            self._retired = {
                partner: [parse_held_card(card) for card in cards]
                for partner, cards in found.items()
            }
        pinned = self.peer_card(nation)
        return [*([pinned] if pinned else []), *self._retired.get(nation, [])]

    def peer_cards(self) -> list[IdentityCard]:
        return [card for card, _ in self._load_peers().values()]

    def peer_address(self, nation: str) -> PeerAddress | None:
        entry = self._load_peers().get(nation)
        if entry is None or not entry[1]:
            return None
        return PeerAddress(nation, entry[1], entry[0])

    def notice_changes(self) -> set[str]:
        """Drop what this process cached of partners and agreements if another process
        changed them since the last call; the partners whose pin or endpoint changed.

        `gsomia peer add` and `gsomia agreement …` run in their own process on the same
        database: the serving node calls this every second (`gsomia.node.watch`), so what
        they change takes effect within one, without a restart (issue 16)."""
        with self.reader.connect() as conn:
            now = (peers.generation(conn), agreement_events.generation(conn))
        before, self._generation = self._generation, now
        if before is None or before == now:
            return set()
        if before[1] != now[1]:
            self.forget_agreements()
        if before[0] == now[0]:
            return set()
        self.forget_peers()
        return {entry[0] for entry in set(before[0]) ^ set(now[0])}

    # Agreements ----------------------------------------------------------------------------

    @property
    def agreements(self) -> AgreementRegistry:
        """The agreements as shipped with this version of gsomia (steps recorded since are
        applied by `agreement`)."""
        return self._shipped

    @agreements.setter
    def agreements(self, registry: AgreementRegistry) -> None:
        # what `agreement` built from the registry it replaces must not outlive it
        self._shipped = registry
        self._agreements = {}

    def forget_agreements(self) -> None:
        self._recorded = None
        self._agreements = {}

    def _recorded_events(self) -> dict[str, list[Event]]:
        if self._recorded is None:
            recorded: dict[str, list[Event]] = {}
            with self.reader.connect() as conn:
                steps = agreement_events.recorded(conn)
            for step in steps:
                recorded.setdefault(step.agreement_id, []).append(step.event)
            self._recorded = recorded
        return self._recorded

    def agreement(self, agreement_id: str) -> Agreement:
        """An agreement as this node knows it: shipped history plus every step recorded since.

        Kept until a step is recorded (`forget_agreements`), not replayed for each item."""
        cache = self._agreements  # `forget_agreements` replaces it: a late write is let go
        known = cache.get(agreement_id)
        if known is not None:
            return known
        recorded = self._recorded_events()
        agreement = self.agreements.get(agreement_id)
        for event in recorded.get(agreement_id, ()):
            agreement = agreement.record(event)
        agreement = amended(agreement, self.schemes)  # versions both parties consented to (R45)
        if self._recorded is recorded:  # no step recorded meanwhile: still the agreement
            cache[agreement_id] = agreement
        return agreement

    def flash_precedence(self, partner: str) -> Precedence:
        """How a lone message `partner` marked FLASH is handled now: FLASH within the budget
        of this node's agreement with it (the default budget without one), else IMMEDIATE."""
        now = self.clock()
        agreement = self.agreement_with(partner, now)
        budget = (
            FlashBudget()
            if agreement is None
            else FlashBudget(agreement.flash_per_hour, agreement.flash_burst)
        )
        return self.flash_budgets.precedence(partner, budget, now)

    def agreement_with(self, nation: str, now: datetime) -> Agreement | None:
        """This node's agreement with `nation`: the one in force now, else the newest."""
        found = [self.agreement(a.id) for a in self.agreements.between(self.nation, nation)]
        if not found:
            return None
        for agreement in found:
            if agreement.status_at(now.date()).state.in_force:
                return agreement
        return found[-1]
