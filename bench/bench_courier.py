"""Courier bundles (R27): a bundle out and in, beside the online path's own work in the same run.

Workload: 2,000 ROUTINE items of 4 KiB, published by KOR under a standing rule for JPN (so they
sit queued, as for a partner off the network). Figures:

* `courier_export_items_per_s`: `gsomia bundle export` of all of them (read from the outbox,
  sealed as 64-message v2 batches, written to a file under the signed transport envelope).
  Anchor: the delivery worker's sealing of the same rows into the same batches in memory.
* `courier_import_items_per_s`: `gsomia bundle import` on JPN (the whole file verified, each
  batch applied by `receive_batch`, the receipt bundle written). Anchor: the same batches handed
  straight to `receive_batch` on a second, fresh JPN node, as the peer API does.
* `courier_receipt_items_per_s`: KOR taking the receipt in (answers verified, outbox settled as
  the worker settles). Anchor: the worker's own `settle` of the same answers on a copy of KOR's
  outbox is not separable from it, so the anchor is the import figure above.

Everything runs in this one process on SQLite homes in a temporary directory, on a machine
shared with other work: read the ratios, not the absolute rates.
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.figures import Figure
from gsomia.exchange import outbox
from gsomia.exchange.outgoing import cut, sealed_batch
from gsomia.exchange.worker import BULK_BATCH
from gsomia.node import courier
from gsomia.node.assembly import assemble
from gsomia.node.home import init_home
from gsomia.node.peers import add_peer
from gsomia.node.publish import MAX_BATCH, Draft, publish_batch
from gsomia.node.receive import receive_batch
from gsomia.node.release import RuleDraft, set_release_rule
from gsomia.node.runtime import Node
from gsomia.store.users import UserRecord, add_user, get_user

ITEMS = 2_000
SIZE = 4 << 10
VALID = datetime(2099, 12, 31, tzinfo=UTC).date()
PEOPLE = {
    "KOR": (("kim", "군사II급비밀", "analyst"), ("park", "군사I급비밀", "officer")),
    "JPN": (("tanaka", "機密", "officer"),),
}


def _node(root: Path, nation: str, name: str) -> Node:
    home = init_home(root / name, nation, name, f"pw-{nation}-0123456789")
    node = assemble(home)
    node.migrate()
    with node.engine.begin() as conn:
        for person, clearance, role in PEOPLE[nation]:
            record = UserRecord(
                person, nation, clearance, VALID, ("missile-warning",), (role,), True
            )
            add_user(conn, record, node.clock(), node.vault)
    return node


def _pin(a: Node, b: Node) -> None:
    add_peer(a, b.card.to_bytes(), f"https://{b.nation.lower()}.invalid")
    add_peer(b, a.card.to_bytes(), f"https://{a.nation.lower()}.invalid")


def _user(node: Node, name: str) -> UserRecord:
    with node.engine.connect() as conn:
        return get_user(conn, name, node.vault)


def _queue(kor: Node) -> None:
    park, kim = _user(kor, "park"), _user(kor, "kim")
    until = kor.clock() + timedelta(days=1)
    set_release_rule(
        kor, park, RuleDraft("survey", ("JPN",), "군사II급비밀", "missile-warning", until)
    )
    draft = Draft(
        title="survey",
        level="군사III급비밀",
        releasable_to=("JPN",),
        purpose="missile-warning",
        content=b"x" * SIZE,
        feed="survey",
    )
    for start in range(0, ITEMS, MAX_BATCH):
        publish_batch(kor, kim, [draft] * min(MAX_BATCH, ITEMS - start))


def _rate(seconds: float) -> float:
    return ITEMS / seconds


def run() -> dict[str, Figure]:
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        kor, jpn = _node(root, "KOR", "kor"), _node(root, "JPN", "jpn")
        fresh = _node(root, "JPN", "jpn-anchor")  # takes the anchor's batches
        _pin(kor, jpn)
        _queue(kor)
        with kor.reader.connect() as conn:
            queued = outbox.queued_for(conn, "JPN")
        assert len(queued) == ITEMS, len(queued)

        # Anchor: the worker's sealing of the same rows, in memory.
        started = time.perf_counter()
        batches = []
        for chunk in cut(queued, BULK_BATCH):
            with kor.reader.connect() as conn:
                rows = outbox.with_bodies(conn, chunk)
            batches.append(sealed_batch(kor.keys, "KOR", fresh.card, rows, kor.clock())[1])
        sealing = time.perf_counter() - started

        started = time.perf_counter()
        sent = courier.export_bundle(
            kor, _user(kor, "park"), to="JPN", path=root / "out.bundle",
            channel="diplomatic-courier", courier="bench",
        )  # fmt: skip
        export = time.perf_counter() - started
        assert sent["messages"] == ITEMS

        # Anchor: the same batches applied by receive_batch on a fresh JPN node, which knows
        # KOR (KOR keeps the first JPN node as its partner).
        add_peer(fresh, kor.card.to_bytes(), "https://kor.invalid")
        started = time.perf_counter()
        for data in batches:
            receive_batch(fresh, "KOR", data)
        applying = time.perf_counter() - started

        started = time.perf_counter()
        taken = courier.import_bundle(
            jpn, _user(jpn, "tanaka"), root / "out.bundle", receipt=root / "back.bundle"
        )
        imported = time.perf_counter() - started
        assert taken["answers"] == {"received": ITEMS}, taken["answers"]

        started = time.perf_counter()
        settled = courier.import_bundle(kor, _user(kor, "park"), root / "back.bundle")
        receipt = time.perf_counter() - started
        assert settled["answers"] == {"received": ITEMS}
        size_mb = sent["bytes"] / 1e6
        for node in (kor, jpn, fresh):
            node.engine.dispose()

    note = (
        f"{ITEMS} items of {SIZE} bytes, {sent['batches']} batches, a {size_mb:.1f} MB bundle; "
        "one process, SQLite, on a machine shared with other work; higher is better"
    )
    return {
        "courier_export_items_per_s": Figure(
            _rate(export), "items/s",
            f"the worker's sealing of the same batches in memory ({_rate(sealing):,.0f}/s)",
            _rate(sealing), note,
        ),
        "courier_import_items_per_s": Figure(
            _rate(imported), "items/s",
            f"the same batches through receive_batch directly ({_rate(applying):,.0f}/s)",
            _rate(applying), note,
        ),
        "courier_receipt_items_per_s": Figure(
            _rate(receipt), "items/s",
            f"the import of the same bundle, same run ({_rate(imported):,.0f}/s)",
            _rate(imported), note,
        ),
    }  # fmt: skip
