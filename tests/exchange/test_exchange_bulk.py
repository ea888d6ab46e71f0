"""Bulk batches are sealed and opened in the node's child processes, below FLASH (ADR 0122):
what the children make is what the node's own process makes; they hold the node's keys from
one hand-over and run at a lower OS priority; a child that dies costs a computation only."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gsomia.exchange.bulk import NICE, BulkCrypto
from gsomia.exchange.incoming import Refusal, Verified, verify_sealed
from gsomia.exchange.kinds import ITEM_HEADER
from gsomia.exchange.outbox import Pending
from gsomia.seal import generate_node_keys, make_card
from gsomia.seal.handover import handed_over, taken_over
from gsomia.seal.held import queued
from gsomia.seal.keys import NodeKeys
from gsomia.seal.sealed import Plain, open_batch, verify_batch
from gsomia.seal.token import TokenX25519

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
KOR_KEYS, JPN_KEYS = generate_node_keys(nation="KOR"), generate_node_keys(nation="JPN")
KOR = make_card(KOR_KEYS, nation="KOR", name="KOR node", created=NOW)
JPN = make_card(JPN_KEYS, nation="JPN", name="JPN node", created=NOW)


def _rows(keys: NodeKeys, count: int) -> list[Pending]:
    header = {"type": ITEM_HEADER, "title": "radar plot"}
    return [
        Pending(
            n + 1,
            f"m-{n}",
            "item",
            "JPN",
            3,
            queued(keys, Plain(f"m-{n}", "item", header, bytes([n]) * 1024), "JPN"),
            0,
            None,
            NOW,
        )
        for n in range(count)
    ]


@pytest.fixture
def children() -> Any:
    crypto = BulkCrypto(KOR_KEYS, workers=1)
    yield crypto
    crypto.close()


def test_keys_handed_over_are_the_same_keys_retired_ones_too() -> None:
    old = generate_node_keys(nation="KOR")
    keys = replace(KOR_KEYS, retired=(old,))
    data = handed_over(keys)
    assert data is not None
    back = taken_over(data)
    assert back.key_id == keys.key_id
    assert [k.key_id for k in back.retired] == [old.key_id]
    assert back.storage_key == keys.storage_key
    assert back.tls_files is None  # a child opens no link


def test_keys_in_a_token_stay_in_the_process_logged_in_to_it() -> None:
    held = object.__new__(TokenX25519)  # a token's key: only its type matters here
    in_token = replace(KOR_KEYS, kem=(KOR_KEYS.kem[0], held))
    assert handed_over(in_token) is None
    assert handed_over(replace(KOR_KEYS, retired=(in_token,))) is None
    assert not BulkCrypto(in_token).in_children


def test_a_batch_sealed_in_a_child_opens_at_the_partner(children: BulkCrypto) -> None:
    assert children.in_children
    rows = _rows(KOR_KEYS, 5)
    batch_id, data = asyncio.run(children.seal(KOR_KEYS, "KOR", JPN, rows, NOW))
    parsed, opened = open_batch(data, keys=JPN_KEYS, sender=KOR, recipient="JPN")
    assert parsed.head["batch"] == batch_id
    assert [o.plain.id for o in opened] == [r.message_id for r in rows]  # type: ignore[union-attr]
    assert [o.plain.content for o in opened] == [bytes([n]) * 1024 for n in range(5)]  # type: ignore[union-attr]


def test_a_child_seals_with_the_retired_keys_the_node_still_speaks_with() -> None:
    old = generate_node_keys(nation="KOR")
    old_card = make_card(old, nation="KOR", name="KOR node", created=NOW)
    crypto = BulkCrypto(replace(KOR_KEYS, retired=(old,)), workers=1)
    try:
        _, data = asyncio.run(crypto.seal(old, "KOR", JPN, _rows(old, 1), NOW))
    finally:
        crypto.close()
    parsed = verify_batch(data, keys=JPN_KEYS, sender=old_card)
    assert parsed.head["from"] == old.key_id


def test_messages_opened_in_a_child_are_what_the_node_would_open(children: BulkCrypto) -> None:
    jpn = BulkCrypto(JPN_KEYS, workers=1)
    try:
        _, data = asyncio.run(children.seal(KOR_KEYS, "KOR", JPN, _rows(KOR_KEYS, 4), NOW))
        parsed = verify_batch(data, keys=JPN_KEYS, sender=KOR, recipient="JPN")
        # One message damaged after signing: refused on its own, its neighbours open.
        damaged = dict(parsed.messages[2])
        damaged["ct"] = bytes(len(damaged["ct"]))
        parsed = replace(parsed, messages=[*parsed.messages[:2], damaged, parsed.messages[3]])
        here = [
            verify_sealed(parsed, i, keys=JPN_KEYS, card=KOR, classic_allowed=False)
            for i in (0, 2, 3)
        ]
        there = jpn.open(JPN_KEYS, parsed, [0, 2, 3], KOR, classic_allowed=False)
    finally:
        jpn.close()
    assert [type(r) for r in there] == [Verified, Refusal, Verified]
    for mine, theirs in zip(here, there, strict=True):
        if isinstance(mine, Verified):
            assert isinstance(theirs, Verified)
            assert (theirs.id, theirs.kind, theirs.content) == (mine.id, mine.kind, mine.content)
            assert theirs.card is KOR  # the parent's card, put back
            assert theirs.signed == mine.signed
        else:
            assert theirs == mine


def test_bulk_children_run_below_the_node(children: BulkCrypto) -> None:
    ours = os.nice(0)
    assert children._submit(os.nice, 0).result() == min(19, ours + NICE)


def test_a_child_that_dies_costs_a_computation_not_a_batch(children: BulkCrypto) -> None:
    rows = _rows(KOR_KEYS, 2)
    asyncio.run(children.seal(KOR_KEYS, "KOR", JPN, rows, NOW))
    pool = children._started()
    for pid in list(pool._processes):  # the test plays the OOM killer
        os.kill(pid, signal.SIGKILL)
    _, data = asyncio.run(children.seal(KOR_KEYS, "KOR", JPN, rows, NOW))
    assert len(open_batch(data, keys=JPN_KEYS, sender=KOR)[1]) == 2
    assert children._started() is not pool


def test_children_end_with_the_node(tmp_path: Path) -> None:
    """A node killed with -9 leaves no bulk child running."""
    script = (
        "import asyncio, sys\n"
        "from tests.exchange.test_exchange_bulk import KOR_KEYS, JPN, NOW, _rows\n"
        "from gsomia.exchange.bulk import BulkCrypto\n"
        "crypto = BulkCrypto(KOR_KEYS, workers=1)\n"
        "asyncio.run(crypto.seal(KOR_KEYS, 'KOR', JPN, _rows(KOR_KEYS, 1), NOW))\n"
        "print(*crypto._started()._processes, flush=True)\n"
        "sys.stdin.read()\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    ) as node:
        assert node.stdout is not None
        children = [int(pid) for pid in node.stdout.readline().split()]
        assert children
        node.kill()
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in children)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"
