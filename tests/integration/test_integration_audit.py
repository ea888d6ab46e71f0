"""The log between real node processes: cosigned checkpoints, receipts, tamper and fork tests.

After a real exchange over HTTP, `gsomia audit verify` (run as a subprocess, as an auditor
would) passes, then fails naming the first bad index after any row of `log_leaves` is edited,
deleted or reordered; and a partner that cosigned a checkpoint refuses a log rebuilt otherwise.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from sqlalchemy import delete, insert, select, update
from tests.integration.conftest import MakeNet

from gsomia.devnet import DevNet
from gsomia.exchange import outbox as queue
from gsomia.exchange.witness import RECEIPT_MEMBER
from gsomia.ledger.bundle import ProofBundle
from gsomia.ledger.events import EventKind, LogEvent
from gsomia.node.assembly import assemble
from gsomia.node.home import load_home, read_config
from gsomia.node.runtime import Node
from gsomia.store import checkpoints, witnessing
from gsomia.store.checkpoints import log_checkpoints, log_cosignatures
from gsomia.store.ledger import SqlLog
from gsomia.store.merkle_log import log_leaves, log_state
from gsomia.store.tables import outbox

pytestmark = pytest.mark.integration


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def _fast_checkpoints(net: DevNet) -> None:
    """Checkpoints and witnessing every second rather than every five."""
    for proc in net.nodes.values():
        config = read_config(proc.home).to_toml()
        config["log"]["checkpoint_seconds"] = 1.0
        (proc.home / "config.toml").write_text(tomli_w.dumps(config), encoding="utf-8")


def _node(net: DevNet, nation: str) -> Node:
    return assemble(load_home(net.nodes[nation].home, net.passphrase))


def _audit(net: DevNet, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gsomia", "audit", *args],
        env=net.env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _cosigned(node: Node, witness: Node) -> int:
    with node.engine.connect() as conn:
        return SqlLog(conn).status().cosigned_by.get(witness.ledger.origin, 0)


def _exchange(net: DevNet, count: int = 3) -> list[dict[str, Any]]:
    """Items from KOR to JPN over HTTP; KOR's stored answers once all are settled."""
    kim, park = net.client("KOR", "kim"), net.client("KOR", "park")
    for n in range(count):
        item = kim.publish(
            title=f"track {n}",
            level="군사III급비밀",
            releasable_to=["JPN"],
            purpose="missile-warning",
            precedence="FLASH" if n == 0 else "ROUTINE",
            text=f"report {n}",
        )
        park.release(item)
    kor = _node(net, "KOR")
    try:

        def answers() -> list[dict[str, Any]]:
            with kor.engine.connect() as conn:
                rows = conn.execute(select(outbox.c.id, outbox.c.answer)).all()
                opened = (queue.opened_answer(kor.keys, r.id, r.answer) for r in rows)
                return [a for a in opened if a]

        _wait(lambda: len(answers()) == count, 60, "JPN's answers")
        return answers()
    finally:
        kor.engine.dispose()


def test_partners_cosign_each_other_and_receipts_prove_delivery(
    make_net: MakeNet, tmp_path: Path
) -> None:
    net = make_net(("KOR", "JPN"))
    _fast_checkpoints(net)
    net.start_all()
    stored = _exchange(net)
    kor, jpn = _node(net, "KOR"), _node(net, "JPN")
    try:
        # Each holds the other's cosignature of a checkpoint covering the exchange.
        with jpn.engine.connect() as conn:
            jpn_size = SqlLog(conn).size()
        _wait(lambda: _cosigned(jpn, kor) >= jpn_size, 30, "KOR's cosignature of JPN's log")
        _wait(lambda: _cosigned(kor, jpn) > 0, 30, "JPN's cosignature of KOR's log")
    finally:
        kor.engine.dispose()
        jpn.engine.dispose()
    status = _audit(net, "status", "--home", str(net.nodes["KOR"].home))
    assert status.returncode == 0, status.stderr
    assert "JPN" in status.stdout
    # The receipt KOR keeps proves, offline and with JPN's card only, that JPN logged it.
    receipt = stored[0]["answer"][RECEIPT_MEMBER]
    proof = tmp_path / "receipt.json"
    proof.write_text(ProofBundle.from_json(json.dumps(receipt)).to_json())
    card = net.nodes["JPN"].home / "identity.json"
    checked = _audit(net, "check-proof", str(proof), "--card", str(card))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "receipt" in checked.stdout
    for nation in ("KOR", "JPN"):
        verified = _audit(net, "verify", "--home", str(net.nodes[nation].home))
        assert verified.returncode == 0, verified.stdout + verified.stderr


Row = dict[str, Any]


def _rows(node: Node) -> dict[int, Row]:
    with node.engine.connect() as conn:
        return {r.idx: dict(r._mapping) for r in conn.execute(select(log_leaves))}


def _restore(node: Node, rows: dict[int, Row]) -> None:
    with node.engine.begin() as conn:
        conn.execute(delete(log_leaves))
        conn.execute(insert(log_leaves), list(rows.values()))


def _edit(node: Node, rows: dict[int, Row], k: int) -> None:
    """A denial turned into an allowance, or any other change of the entry's bytes."""
    entry = rows[k]["entry"]
    edited = entry.replace(b'"allowed":true', b'"allowed":false')
    with node.engine.begin() as conn:
        conn.execute(
            update(log_leaves)
            .where(log_leaves.c.idx == k)
            .values(entry=edited if edited != entry else entry.replace(b'"', b"'", 1))
        )


def _delete(node: Node, rows: dict[int, Row], k: int) -> None:
    with node.engine.begin() as conn:
        conn.execute(delete(log_leaves).where(log_leaves.c.idx == k))


def _reorder(node: Node, rows: dict[int, Row], k: int) -> None:
    """Entries k and k + 1 change places, each keeping its own leaf hash."""
    with node.engine.begin() as conn:
        for a, b in ((k, k + 1), (k + 1, k)):
            conn.execute(
                update(log_leaves)
                .where(log_leaves.c.idx == a)
                .values(
                    entry=rows[b]["entry"], leaf_hash=rows[b]["leaf_hash"], kind=rows[b]["kind"]
                )
            )


TAMPERS: dict[str, Callable[[Node, dict[int, Row], int], None]] = {
    "edit": _edit,
    "delete": _delete,
    "reorder": _reorder,
}


def test_any_edited_deleted_or_reordered_row_is_named_by_audit_verify(make_net: MakeNet) -> None:
    net = make_net(("KOR", "JPN"))
    _fast_checkpoints(net)
    net.start_all()
    _exchange(net)
    net.stop("KOR")
    net.stop("JPN")
    home = str(net.nodes["KOR"].home)
    assert _audit(net, "verify", "--home", home).returncode == 0
    kor = _node(net, "KOR")
    try:
        rows = _rows(kor)
        allowed = [i for i, r in rows.items() if b'"allowed":true' in r["entry"]]
        # An early entry (under many checkpoints) and one near the end, for each tampering.
        # Even indices: swapping entries 2j and 2j + 1 is named 2j; swapping 2j + 1 and 2j + 2
        # is named 2j, the start of the smallest stored subtree over both (ADR 0033).
        for (name, tamper), k in zip(
            sorted(TAMPERS.items()) * 2,
            [allowed[0] & ~1] * 3 + [(len(rows) - 2) & ~1] * 3,
            strict=True,
        ):
            tamper(kor, rows, k)
            result = _audit(net, "verify", "--home", home)
            _restore(kor, rows)
            assert result.returncode == 3, f"{name} {k}: {result.stdout}{result.stderr}"
            assert f"first bad index: {k}" in result.stderr, f"{name} {k}: {result.stderr}"
        assert _audit(net, "verify", "--home", home).returncode == 0
    finally:
        kor.engine.dispose()


def test_a_partner_refuses_a_log_rebuilt_differently(make_net: MakeNet) -> None:
    net = make_net(("KOR", "JPN"))
    _fast_checkpoints(net)
    net.start_all()
    _exchange(net)
    kor, jpn = _node(net, "KOR"), _node(net, "JPN")
    try:
        _wait(lambda: _cosigned(kor, jpn) > 0, 30, "JPN's cosignature of KOR's log")
        net.stop("KOR")
        with jpn.engine.connect() as conn:
            before = witnessing.state(conn, kor.ledger.origin, for_update=False)
        assert before is not None
        # KOR rewrites its history with its own key: every row and checkpoint consistent.
        with kor.engine.begin() as conn:
            for table in (log_cosignatures, log_checkpoints, log_leaves, log_state):
                conn.execute(delete(table))
            log = SqlLog(conn)
            forged = [
                LogEvent(EventKind.DECISION, kor.clock(), "nobody", (f"e{i}",), {})
                for i in range(before.size + 5)
            ]
            log.append(forged)
            assert kor.ledger.signer is not None
            checkpoints.issue(conn, kor.ledger.signer, origin=kor.ledger.origin, now=1)
        # Its own audit tells too: the home keeps the checkpoint JPN cosigned (issue 13).
        own = _audit(net, "verify", "--home", str(net.nodes["KOR"].home))
        assert own.returncode == 3, own.stdout + own.stderr
        said = " ".join(own.stderr.split())
        assert "no longer extends the checkpoint" in said
        assert "cosigned by JPN" in said
        net.start("KOR")

        def refused() -> list[str]:
            with jpn.engine.connect() as conn:
                return [r.reason for r in SqlLog(conn).refusals()]

        _wait(lambda: "fork" in refused(), 30, "JPN to refuse KOR's rebuilt log")
        with jpn.engine.connect() as conn:
            state = witnessing.state(conn, kor.ledger.origin, for_update=False)
        assert state is not None
        assert state == before  # the witness did not move
        status = _audit(net, "status", "--home", str(net.nodes["JPN"].home))
        assert "fork" in status.stdout
    finally:
        kor.engine.dispose()
        jpn.engine.dispose()
