"""Nodes of KOR, JPN and USA in one process, wired as operators wire them (DESIGN.md's cast).

Messages go from the sender's outbox (`outbox.due`) straight to the receiver's `receive_batch`:
the wire and the worker are tested on their own, so these tests stay in-process and fast.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from typer.testing import CliRunner

from gsomia.exchange import outbox
from gsomia.exchange.answers import verify_answers
from gsomia.exchange.outgoing import sealed_batch
from gsomia.exchange.wire import CBOR, V2_PATH
from gsomia.node import publish, receive, release
from gsomia.node.acceptance import Accepted
from gsomia.node.assembly import assemble
from gsomia.node.home import init_home
from gsomia.node.peers import add_peer
from gsomia.node.publish import Draft
from gsomia.node.release import Outcome
from gsomia.node.runtime import Node
from gsomia.seal import DEFAULT_PROFILE, cbor
from gsomia.seal.held import unqueued
from gsomia.seal.sealed import Plain, open_sealed, seal_batch
from gsomia.store.tables import access_log
from gsomia.store.users import UserRecord, add_user, get_user, list_users

VALID = date(2099, 12, 31)
LAUNCH = "missile-warning"

#: (name, nationality, clearance, expires, communities, role, registered) per node.
PEOPLE: dict[str, tuple[tuple[str, str, str, date, tuple[str, ...], str, bool], ...]] = {
    "KOR": (
        ("kim", "KOR", "군사II급비밀", VALID, (LAUNCH,), "analyst", True),
        ("park", "KOR", "군사I급비밀", VALID, (LAUNCH,), "officer", True),
        ("yoon", "KOR", "군사I급비밀", VALID, (LAUNCH,), "auditor", True),
    ),
    "JPN": (
        ("sato", "JPN", "極秘", VALID, (LAUNCH,), "analyst", True),
        ("suzuki", "JPN", "秘", VALID, (LAUNCH,), "analyst", True),
        ("tanaka", "JPN", "機密", VALID, (LAUNCH,), "officer", True),
        # 機密 is above 極秘, but logistics duties give no need-to-know for a launch track.
        ("nakamura", "JPN", "機密", VALID, ("logistics",), "analyst", True),
        ("unlisted", "JPN", "機密", VALID, (LAUNCH,), "analyst", False),
        ("lapsed", "JPN", "機密", date(2020, 1, 1), (LAUNCH,), "analyst", True),
        # A US liaison officer on the JPN node: cleared and on the register, but not Japanese.
        ("miller", "USA", "機密", VALID, (LAUNCH,), "analyst", True),
    ),
    "USA": (
        ("smith", "USA", "TOP SECRET", VALID, (LAUNCH,), "analyst", True),
        ("jones", "USA", "TOP SECRET", VALID, (LAUNCH,), "officer", True),
    ),
}
NAMES = {"KOR": "ROK MND", "JPN": "Japan MOD", "USA": "US DoD"}


@dataclass
class Clock:
    """A clock a test sets: the nodes of a cast built with it read `now`."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now


def batch_of(sender: Node, receiver: Node, rows: Sequence[outbox.Pending]) -> bytes:
    """`rows` of `sender`'s outbox sealed for `receiver` as one v2 batch, as the worker does."""
    return sealed_batch(sender.keys, sender.nation, receiver.card, rows, sender.clock())[1]


def sealed(sender: Node, receiver: Node, *messages: Plain) -> bytes:
    """`messages`, whatever they say, sealed and signed by `sender`'s node for `receiver`'s."""
    return seal_batch(
        messages, keys=sender.keys, sender=sender.nation, recipient=receiver.card,
        now=sender.clock(),
    )  # fmt: skip


def held_by(
    sender: Node, receiver: Node, draft: Draft, *, author: str = "kim", officer: str = "park"
) -> Accepted:
    """`draft` published by `author` on `sender`, released by `officer` and received by
    `receiver` in this process (no courier): the receiver's acceptance of it."""
    with sender.engine.connect() as conn:
        writer, releaser = (
            get_user(conn, author, sender.vault),
            get_user(conn, officer, sender.vault),
        )
    item_id = publish.publish(sender, writer, draft)
    [outcome] = release.release(sender, releaser, item_id)
    assert outcome.envelope is not None
    assert outcome.message_id is not None
    plain = unqueued(sender.keys, outcome.message_id, outcome.envelope, outcome.nation)
    _, [accepted] = receive.receive_batch(receiver, sender.nation, sealed(sender, receiver, plain))
    return accepted


def post_batch(client: Any, data: bytes) -> Any:
    """POST a v2 batch to a peer API `client` (httpx or Starlette's test client)."""
    return client.post(V2_PATH, content=data, headers={"Content-Type": CBOR})


def opened_answers(sender: Node, data: bytes, response: Any) -> dict[str, Any]:
    """The signed answer document of `response` to batch `data`, opened as `sender`'s worker
    opens it (sealed back to the sender under the batch id, ADR 0070)."""
    assert response.status_code == 200, response.text
    batch_id = cbor.loads(data, what="batch", limit=1 << 28)["head"]["batch"]
    document: dict[str, Any] = json.loads(open_sealed(sender.keys, response.content, batch_id))
    return document


@dataclass
class Cast:
    """The nodes and a few helpers to move their messages."""

    nodes: dict[str, Node]
    delivered: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def __getitem__(self, nation: str) -> Node:
        return self.nodes[nation]

    def user(self, nation: str, name: str) -> UserRecord:
        with self.nodes[nation].engine.connect() as conn:
            return get_user(conn, name, self.nodes[nation].vault)

    def publish(self, nation: str, author: str, **fields: Any) -> str:
        draft = Draft(
            **{
                "title": "DPRK launch track",
                "level": "군사II급비밀",
                "releasable_to": ("JPN",),
                "purpose": LAUNCH,
                "precedence": "FLASH",
                "content": b"track 1",
                **fields,
            }
        )
        return publish.publish(self.nodes[nation], self.user(nation, author), draft)

    def release(self, nation: str, officer: str, item_id: str) -> list[Outcome]:
        return release.release(self.nodes[nation], self.user(nation, officer), item_id)

    def queued(self, sender: str, outcomes: Iterable[Outcome], peer: str) -> list[Plain]:
        """The messages for `peer` among `outcomes`, as the sender's outbox holds them."""
        wanted = {o.message_id for o in outcomes if o.nation == peer and o.message_id}
        node = self.nodes[sender]
        with node.engine.begin() as conn:
            due = outbox.due(conn, node.clock(), 10_000)
        return [
            unqueued(node.keys, p.message_id, p.body, peer) for p in due if p.message_id in wanted
        ]

    def send(
        self, sender: str, receiver: str, outcomes: Iterable[Outcome]
    ) -> tuple[dict[str, Any], list[Accepted]]:
        messages = self.queued(sender, outcomes, receiver)
        assert messages, f"nothing queued from {sender} to {receiver}"
        data = sealed(self.nodes[sender], self.nodes[receiver], *messages)
        return receive.receive_batch(self.nodes[receiver], sender, data)

    def deliver(self, sender: str, receiver: str | None = None) -> int:
        """Hand everything due in `sender`'s outbox (for `receiver`, or for every peer of the
        cast) to the receiving node, and settle the signed answers as the worker does.
        The number of messages delivered."""
        node = self.nodes[sender]
        with node.engine.begin() as conn:
            due = outbox.due(conn, node.clock(), 10_000)
        count = 0
        for peer in sorted({p.peer for p in due}):
            if peer not in self.nodes or receiver not in (None, peer):
                continue
            rows = [p for p in due if p.peer == peer]
            document, _ = receive.receive_batch(
                self.nodes[peer], sender, batch_of(node, self.nodes[peer], rows)
            )
            node.worker.settle(peer, rows, verify_answers(document, signer=self.nodes[peer].card))
            count += len(rows)
        return count

    def settle_all(self, rounds: int = 10) -> int:
        """Deliver between every pair until nothing is due (a reply may cause a reply)."""
        total = 0
        for _ in range(rounds):
            moved = sum(self.deliver(nation) for nation in self.nodes)
            total += moved
            if not moved:
                return total
        raise AssertionError(f"messages still flowing after {rounds} rounds")

    def log(self, nation: str, subject: str) -> list[dict[str, Any]]:
        with self.nodes[nation].engine.connect() as conn:
            rows = conn.execute(
                select(access_log).where(access_log.c.subject == subject).order_by(access_log.c.id)
            )
            return [dict(row._mapping) for row in rows]


def give_community(node: Node, community: str) -> None:
    """A person of `node` with `community` as need-to-know, so items can be published for
    it (a purpose no one has is refused at publication, issue 16)."""
    name = f"ntk-{community}"
    with node.engine.begin() as conn:
        if any(u.name == name for u in list_users(conn, node.vault)):
            return
        clearance = node.scheme().levels[-1].native
        record = UserRecord(name, node.nation, clearance, VALID, (community,), ("analyst",), True)
        add_user(conn, record, node.clock(), node.vault)


def build_cast(
    root: Path,
    nations: tuple[str, ...] = ("KOR", "JPN", "USA"),
    *,
    pin: bool = True,
    profile: str = DEFAULT_PROFILE,
    clock: Callable[[], datetime] | None = None,
    database_urls: dict[str, str] | None = None,
) -> Cast:
    """Homes under `root` (keys of `profile`), the people of `PEOPLE`, and (if `pin`) every
    pair of cards pinned; the nodes read `clock` (a `Clock` a test moves) if given, and keep
    their records in `database_urls[nation]` if given (else SQLite in the home)."""
    nodes = {}
    for nation in nations:
        home = init_home(
            root / nation.lower(),
            nation,
            NAMES[nation],
            f"pw-{nation}-0123456789",
            profile,
            database_url=(database_urls or {}).get(nation),
        )
        node = assemble(home) if clock is None else assemble(home, clock=clock)
        node.migrate()
        with node.engine.begin() as conn:
            for name, nationality, clearance, expires, communities, role, registered in PEOPLE[
                nation
            ]:
                record = UserRecord(
                    name, nationality, clearance, expires, communities, (role,), registered
                )
                add_user(conn, record, node.clock(), node.vault)
        nodes[nation] = node
    if pin:
        for nation, node in nodes.items():
            for other, peer in nodes.items():
                if other != nation:
                    add_peer(node, peer.card.to_bytes(), f"https://{other.lower()}.invalid")
    return Cast(nodes)


@contextmanager
def own_cast(root: Path, nations: tuple[str, ...]) -> Iterator[Cast]:
    """A cast of `nations` under `root` for one test alone (the conftest's is shared by a
    module): for tests that write behind the node's back, as a writer of its database does.
    Its engines are disposed after."""
    built = build_cast(root, nations)
    try:
        yield built
    finally:
        for node in built.nodes.values():
            node.engine.dispose()


def audit_verify(home: Path) -> Any:
    """`gsomia audit verify` of the node whose home is `home`, as its operator runs it."""
    # Here, not at the top: the many tests that import this module and run no command do not
    # load the whole CLI (a second and a half).
    from gsomia.cli import app  # noqa: PLC0415

    return CliRunner().invoke(app, ["audit", "verify", "--home", str(home)])
