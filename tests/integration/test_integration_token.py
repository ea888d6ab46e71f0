"""A node whose keys are in a PKCS#11 token (SoftHSM2, ADR 0091) serves and exchanges with a
node whose keys are files: real processes, real mutual TLS, both directions."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gsomia.devnet import DevNet
from gsomia.node.home import KEYS
from gsomia.seal.keys import TOKEN_FILES
from gsomia.store.tables import holdings, outbox

pytestmark = pytest.mark.integration


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def _count(net: DevNet, nation: str, query: object) -> int:
    with net.node(nation).engine.connect() as conn:
        return int(conn.execute(query).scalar_one())  # type: ignore[call-overload]


def test_a_node_with_token_keys_exchanges_with_a_software_node(
    hsm_uri: str, tmp_path: Path
) -> None:
    net = DevNet(tmp_path / "net", ("KOR", "JPN"), keys_uris={"KOR": hsm_uri})
    with net:
        net.setup()
        assert not any((net.nodes["KOR"].home / KEYS / name).exists() for name in TOKEN_FILES)
        assert all((net.nodes["JPN"].home / KEYS / name).exists() for name in TOKEN_FILES)
        assert "pin-source=file:" in (net.nodes["KOR"].home / "config.toml").read_text("utf-8")
        net.start_all()
        kim, park = net.client("KOR", "kim"), net.client("KOR", "park")
        item = kim.publish(
            title="launch track from the token node",
            level="군사III급비밀",
            releasable_to=["JPN"],
            purpose="missile-warning",
            precedence="IMMEDIATE",
            text="signed by the token, sealed to a software node",
        )
        assert park.release(item)[0]["decision"]["allowed"]
        # KOR signs with the token; JPN's answer is sealed to KOR and opened through the token
        received = select(func.count()).where(outbox.c.state == "received")
        _wait(lambda: _count(net, "KOR", received) == 1, 90, "JPN's answer, opened by KOR")
        assert _count(net, "JPN", select(func.count()).select_from(holdings)) == 1
        sato = net.client("JPN", "sato")
        held = sato.page("/api/v1/holdings", limit=10).rows
        assert [h["item_id"] for h in held] == [item]
