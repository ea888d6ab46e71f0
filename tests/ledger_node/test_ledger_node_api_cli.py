"""The log over HTTP (partners' proofs, the witness, auditors) and `gsomia audit`, in process."""

from __future__ import annotations

import base64
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from tests.api.api_fixtures import peer_client
from tests.node.node_fixtures import Cast, build_cast
from typer.testing import CliRunner

from gsomia.app import create_app
from gsomia.cli import app
from gsomia.exchange.witness import ADD_CHECKPOINT_PATH, log_verifier
from gsomia.ledger.bundle import ProofBundle
from gsomia.ledger.checkpoint import open_checkpoint
from gsomia.ledger.merkle import hash_leaf, verify_consistency, verify_inclusion
from gsomia.node.cosigning import checkpoint_offer, store_cosignatures
from gsomia.store import checkpoints
from gsomia.store.ledger import SqlLog
from gsomia.store.merkle_log import log_leaves
from gsomia.store.users import issue_token


@dataclass
class Site:
    cast: Cast
    root: Path
    clients: dict[str, TestClient]
    tokens: dict[str, str]
    peers: dict[str, TestClient]  # each node's peer API, as its partner reaches it

    def auth(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[name]}"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("log-api")
    cast = build_cast(root, ("KOR", "JPN"))
    tokens = {}
    with cast["KOR"].engine.begin() as conn:
        for name in ("kim", "yoon", "park"):
            tokens[name] = issue_token(conn, name, cast["KOR"].clock(), cast["KOR"].vault)
    clients = {n: TestClient(create_app(node, run_worker=False)) for n, node in cast.nodes.items()}
    peers = {"KOR": peer_client(cast["KOR"], cast["JPN"].card)}
    peers["JPN"] = peer_client(cast["JPN"], cast["KOR"].card)
    for client in [*clients.values(), *peers.values()]:
        client.__enter__()
    # Some history: an item published, released, received by JPN; a checkpoint; JPN cosigns.
    item = cast.publish("KOR", "kim")
    cast.send("KOR", "JPN", cast.release("KOR", "park", item))
    kor = cast["KOR"]
    with kor.engine.begin() as conn:
        checkpoints.issue(
            conn,
            kor.ledger.signer,  # type: ignore[arg-type]
            origin=kor.ledger.origin,
            now=int(kor.clock().timestamp()),
        )
    offer = checkpoint_offer(kor, cast["JPN"].card)
    assert offer is not None
    answer = peers["JPN"].post(ADD_CHECKPOINT_PATH, content=offer[2])
    assert answer.status_code == 200, answer.text
    store_cosignatures(kor, cast["JPN"].card, offer[0], offer[1], answer.content)
    try:
        yield Site(cast, root, clients, tokens, peers)
    finally:
        for client in [*clients.values(), *peers.values()]:
            client.__exit__(None, None, None)
        for node in cast.nodes.values():
            node.engine.dispose()


def _checkpoint(site: Site) -> tuple[int, bytes]:
    response = site.peers["KOR"].get("/peer/v1/log/checkpoint")
    assert response.status_code == 200, response.text
    signed, _ = open_checkpoint(response.content, log_verifier(site.cast["KOR"].card))
    return signed.checkpoint.size, signed.checkpoint.root


def test_the_checkpoint_is_signed_by_the_key_on_the_card_and_cosigned(site: Site) -> None:
    text = site.peers["KOR"].get("/peer/v1/log/checkpoint").text
    assert text.startswith(site.cast["KOR"].ledger.origin + "\n")
    assert f"— {site.cast['JPN'].ledger.origin} " in text  # JPN's cosignature line
    _checkpoint(site)


def test_partners_get_inclusion_and_consistency_proofs(site: Site) -> None:
    size, root = _checkpoint(site)
    kor = site.peers["KOR"]
    with site.cast["KOR"].engine.connect() as conn:
        leaf = hash_leaf(_entry(conn, 1))
    proof = kor.get("/peer/v1/log/proof/inclusion", params={"index": 1, "size": size}).json()
    verify_inclusion(1, size, leaf, [base64.b64decode(p) for p in proof["proof"]], root)
    with site.cast["KOR"].engine.connect() as conn:
        old_root = SqlLog(conn).root(2)
    proof = kor.get("/peer/v1/log/proof/consistency", params={"old": 2, "new": size}).json()
    verify_consistency(2, size, old_root, root, [base64.b64decode(p) for p in proof["proof"]])


def _entry(conn: object, index: int) -> bytes:
    entry: bytes = conn.execute(  # type: ignore[attr-defined]
        log_leaves.select().with_only_columns(log_leaves.c.entry).where(log_leaves.c.idx == index)
    ).scalar_one()
    return entry


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/peer/v1/log/proof/inclusion", {"index": 0, "size": 10**6}),
        ("/peer/v1/log/proof/inclusion", {"index": 5, "size": 5}),
        ("/peer/v1/log/proof/consistency", {"old": 3, "new": 10**6}),
        ("/peer/v1/log/proof/consistency", {"old": 4, "new": 3}),
        ("/peer/v1/log/proof/inclusion", {"index": -1, "size": 3}),
    ],
)
def test_proofs_beyond_the_log_are_refused(site: Site, path: str, params: dict[str, int]) -> None:
    assert site.peers["KOR"].get(path, params=params).status_code in (400, 422)


def test_auditors_see_status_and_events(site: Site) -> None:
    kor = site.clients["KOR"]
    status = kor.get("/api/v1/audit/status", headers=site.auth("yoon")).json()
    assert status["origin"] == site.cast["KOR"].ledger.origin
    assert status["cosigned_by"] == {site.cast["JPN"].ledger.origin: status["checkpoint_size"]}
    events = kor.get(
        "/api/v1/audit/events", params={"from": 0, "limit": 5}, headers=site.auth("yoon")
    ).json()["events"]
    assert [e["index"] for e in events] == list(range(len(events)))
    assert {"kind", "time", "actor", "subjects", "body"} <= set(events[0])


@pytest.mark.parametrize("path", ["/api/v1/audit/status", "/api/v1/audit/events"])
def test_an_analyst_may_not_read_the_audit_log_and_the_refusal_is_logged(
    site: Site, path: str
) -> None:
    kor = site.cast["KOR"]
    with kor.engine.connect() as conn:
        before = SqlLog(conn).size()
    assert site.clients["KOR"].get(path, headers=site.auth("kim")).status_code == 403
    with kor.engine.connect() as conn:
        event = SqlLog(conn).entry(before)
    assert event.actor == "kim"
    assert event.body["allowed"] is False


# --- gsomia audit ----------------------------------------------------------------------------

runner = CliRunner()


def test_audit_verify_prove_and_check_proof(site: Site, tmp_path: Path) -> None:
    home = site.root / "kor"
    result = runner.invoke(app, ["audit", "verify", "--home", str(home)])
    assert result.exit_code == 0, result.output
    assert "log verified" in result.output
    proof = tmp_path / "proof.json"
    proof.write_text("an older file, world-readable")
    proof.chmod(0o644)
    result = runner.invoke(app, ["audit", "prove", "1", "--home", str(home), "-o", str(proof)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(proof.stat().st_mode) == 0o600  # the trail is not everyone's to read
    assert ProofBundle.from_json(proof.read_text()).index == 1
    card, witness = home / "identity.json", site.root / "jpn" / "identity.json"
    result = runner.invoke(
        app, ["audit", "check-proof", str(proof), "--card", str(card), "--witness", str(witness)]
    )
    assert result.exit_code == 0, result.output
    assert "proof verified" in result.output
    assert "JPN (at" in result.output
    # The wrong card: the proof does not verify.
    result = runner.invoke(app, ["audit", "check-proof", str(proof), "--card", str(witness)])
    assert result.exit_code != 0


def test_audit_status_names_partners(site: Site) -> None:
    result = runner.invoke(app, ["audit", "status", "--home", str(site.root / "kor")])
    assert result.exit_code == 0, result.output
    assert "JPN" in result.output
    assert "refused checkpoints: none" in result.output


def test_audit_verify_names_the_first_altered_entry(site: Site) -> None:
    kor = site.cast["KOR"]
    with kor.engine.begin() as conn:
        original = _entry(conn, 2)
        conn.execute(update(log_leaves).where(log_leaves.c.idx == 2).values(entry=original + b" "))
    try:
        result = runner.invoke(app, ["audit", "verify", "--home", str(site.root / "kor")])
        assert result.exit_code == 3, result.output
        assert "first bad index: 2" in result.output
    finally:
        with kor.engine.begin() as conn:
            conn.execute(update(log_leaves).where(log_leaves.c.idx == 2).values(entry=original))
