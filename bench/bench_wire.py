"""Envelope v2 on the real code path (issue 12, ADR 0070): bytes on the wire and PQ signatures.

Two nodes in process (homes, databases and keys as `gsomia serve` uses them, no HTTP): KOR
publishes 64 ROUTINE items of 1 KiB under a standing release rule for JPN, in one publication,
as a feed does. The delivery worker's own function seals the 64 outbox rows as one batch;
JPN's `receive_batch` verifies and applies it and signs its answers, which are sealed back to
KOR as the peer API does.

* `wire_bytes_per_item_1k`: the batch's bytes plus the sealed answers' bytes, per item (HTTP
  and TLS framing, a few hundred bytes per batch, not counted). Anchor: 23,000, what v1 put on
  the wire per item (issue 12). Goal ≤ 6,000.
* `sender_signatures_per_item` / `receiver_verifications_per_item`: ML-DSA operations as
  counted where they happen (`gsomia.seal.counts`): KOR's while publishing, binding and sealing;
  JPN's while receiving. Anchor: v1's 2 signatures (binding + envelope) per item. Goal ≤ 0.05.
* `seal_open_batch_1k_per_s`: 1 KiB messages per second through `seal_batch` and `open_batch`
  in batches of 64, against the one-message raw-crypto floor measured in the same run (the
  floor `seal_open_1k_per_s` of bench_seal is measured against).
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.figures import Figure
from bench.floors import rate, seal_open_floor
from gsomia.devnet import DevNet
from gsomia.exchange import outbox
from gsomia.exchange.outgoing import sealed_batch
from gsomia.node.publish import Draft, publish_batch
from gsomia.node.receive import receive_batch
from gsomia.node.release import RuleDraft, set_release_rule
from gsomia.seal import generate_node_keys, make_card
from gsomia.seal.counts import PQ_SIGNATURES
from gsomia.seal.sealed import Plain, open_batch, seal_batch, seal_to
from gsomia.store.users import get_user

BATCH = 64
SIZE = 1 << 10
V1_WIRE_BYTES = 23_000.0  # per 1 KiB item, issue 12
V1_SIGNATURES = 2.0  # binding + envelope, per item
FEED = "wire-bench"


def _exchange(workdir: Path) -> tuple[float, float, float]:
    net = DevNet(workdir, ("KOR", "JPN"))
    net.setup()
    kor, jpn = net.node("KOR"), net.node("JPN")
    try:
        with kor.engine.connect() as conn:
            kim, park = get_user(conn, "kim", kor.vault), get_user(conn, "park", kor.vault)
        until = kor.clock() + timedelta(days=30)
        set_release_rule(
            kor, park, RuleDraft(FEED, ("JPN",), "군사II급비밀", "missile-warning", until)
        )
        drafts = [
            Draft(
                title=f"radar plot {n}",
                level="군사III급비밀",
                releasable_to=("JPN",),
                purpose="missile-warning",
                content=os.urandom(SIZE),
                feed=FEED,
            )
            for n in range(BATCH)
        ]
        signed = PQ_SIGNATURES["sign"]
        publish_batch(kor, kim, drafts)
        with kor.engine.connect() as conn:
            rows = outbox.due(conn, kor.clock(), 10 * BATCH)
        assert len(rows) == BATCH, len(rows)
        card = kor.peer_card("JPN")
        assert card is not None
        batch_id, data = sealed_batch(kor.keys, "KOR", card, rows, kor.clock())
        sender = PQ_SIGNATURES["sign"] - signed
        verified = PQ_SIGNATURES["verify"]
        document, accepted = receive_batch(jpn, "KOR", data)
        receiver = PQ_SIGNATURES["verify"] - verified
        assert len(accepted) == BATCH
        kor_card = jpn.peer_card("KOR")
        assert kor_card is not None
        answers = seal_to(kor_card, json.dumps(document, separators=(",", ":")).encode(), batch_id)
        return (len(data) + len(answers)) / BATCH, sender / BATCH, receiver / BATCH
    finally:
        for node in (kor, jpn):
            node.engine.dispose()


def _batch_rate() -> float:
    now = datetime(2026, 11, 27, tzinfo=UTC)
    kor, jpn = generate_node_keys("pq"), generate_node_keys("pq")
    kor_card = make_card(kor, nation="KOR", name="bench", created=now)
    jpn_card = make_card(jpn, nation="JPN", name="bench", created=now)
    header = {"type": "gsomia-item/1", "label": {"classification": "군사II급비밀"}}
    plains = [Plain(f"m{i}", "item", header, os.urandom(SIZE)) for i in range(BATCH)]

    def once() -> object:
        data = seal_batch(plains, keys=kor, sender="KOR", recipient=jpn_card, now=now)
        return open_batch(data, keys=jpn, sender=kor_card)

    return rate(once, 6.0) * BATCH


def run() -> dict[str, Figure]:
    with tempfile.TemporaryDirectory() as tmp:
        wire, sender, receiver = _exchange(Path(tmp))
    goal = "lower is better; goal ≤ 0.05 in a full batch"
    return {
        "wire_bytes_per_item_1k": Figure(
            value=wire,
            unit="bytes/item",
            anchor="envelope v1 on the wire per 1 KiB item (issue 12)",
            anchor_value=V1_WIRE_BYTES,
            note=f"batch of {BATCH} ROUTINE 1 KiB items plus its sealed answers, HTTP/TLS "
            "framing excluded; lower is better; goal ≤ 6,000",
        ),
        "sender_signatures_per_item": Figure(
            value=sender,
            unit="ML-DSA signatures/item",
            anchor="envelope v1: binding + envelope per item",
            anchor_value=V1_SIGNATURES,
            note=f"KOR publishing {BATCH} items under a standing rule and sealing them; {goal}",
        ),
        "receiver_verifications_per_item": Figure(
            value=receiver,
            unit="ML-DSA verifications/item",
            anchor="envelope v1: binding + envelope per item",
            anchor_value=V1_SIGNATURES,
            note=f"JPN receiving the batch of {BATCH}; {goal}",
        ),
        "seal_open_batch_1k_per_s": Figure(
            value=_batch_rate(),
            unit="messages/s",
            anchor="raw crypto floor for one message (GCM + hybrid HPKE + Ed25519 + ML-DSA-65)",
            anchor_value=rate(seal_open_floor(SIZE), 6.0),
            note=f"1 KiB messages through seal_batch and open_batch, {BATCH} per batch; "
            "higher is better",
        ),
    }
