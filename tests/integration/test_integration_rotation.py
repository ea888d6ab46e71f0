"""KOR rotates its node keys between two real node processes (issue 16, ADR 0093): KOR stops,
`gsomia identity rotate` runs, KOR starts; JPN pins the new card (and its TLS certificate) on
the old card's word; an item sent after arrives, one sent before still opens, and
`gsomia audit verify` passes on both nodes."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import tomli_w
from sqlalchemy import select

from gsomia.devnet import DevNet
from gsomia.exchange import outbox as queue
from gsomia.node.assembly import assemble
from gsomia.node.home import load_home, read_config
from gsomia.seal import parse_card
from gsomia.store.tables import outbox

pytestmark = pytest.mark.integration


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def _gsomia(net: DevNet, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gsomia", *args],
        env=net.env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def net(tmp_path: Path) -> Iterator[DevNet]:
    with DevNet(tmp_path / "net", ("KOR", "JPN")) as net:
        net.setup()
        for proc in net.nodes.values():  # checkpoints every second, so both logs are cosigned
            config = read_config(proc.home).to_toml()
            config["log"]["checkpoint_seconds"] = 1.0
            (proc.home / "config.toml").write_text(tomli_w.dumps(config), encoding="utf-8")
        net.start_all()
        yield net


def _send(net: DevNet, title: str) -> str:
    kim, park = net.client("KOR", "kim"), net.client("KOR", "park")
    item = kim.publish(
        title=title,
        level="군사III급비밀",
        releasable_to=["JPN"],
        purpose="missile-warning",
        precedence="ROUTINE",
        text=f"{title} report",
    )
    park.release(item)
    return item


def _answered(net: DevNet) -> dict[str, str]:
    """KOR's settled outbox rows: kind of each message → status of JPN's answer."""
    kor = assemble(load_home(net.nodes["KOR"].home, net.passphrase))
    try:
        with kor.engine.connect() as conn:
            rows = conn.execute(select(outbox.c.id, outbox.c.kind, outbox.c.answer)).all()
        found = {}
        for row in rows:
            answer = queue.opened_answer(kor.keys, row.id, row.answer)
            if answer:
                found[f"{row.kind}:{row.id}"] = answer["answer"]["status"]
        return found
    finally:
        kor.engine.dispose()


def _held(net: DevNet) -> dict[str, str]:
    return {h["item_id"]: h["id"] for h in net.client("JPN", "sato").holdings()}


def test_kor_rotates_its_keys_and_jpn_follows(net: DevNet) -> None:
    before = _send(net, "before")
    _wait(lambda: before in _held(net), 60, "the item sent before the rotation")
    kor_home, jpn_home = net.nodes["KOR"].home, net.nodes["JPN"].home
    old = parse_card((kor_home / "identity.json").read_bytes())

    net.stop("KOR")
    rotated = _gsomia(net, "identity", "rotate", "--home", str(kor_home))
    assert rotated.returncode == 0, rotated.stdout + rotated.stderr
    assert "announced to JPN" in rotated.stdout
    new = parse_card((kor_home / "identity.json").read_bytes())
    assert new.key_id != old.key_id
    assert new.tls_pin != old.tls_pin
    net.start("KOR")

    def jpn_pins_the_new_card() -> bool:
        jpn = assemble(load_home(jpn_home, net.passphrase))
        try:
            card = jpn.peer_card("KOR")
            return card is not None and card.fingerprint == new.fingerprint
        finally:
            jpn.engine.dispose()

    _wait(jpn_pins_the_new_card, 60, "JPN to pin KOR's new card")
    after = _send(net, "after")  # sealed and signed with the new keys, over the new TLS pin
    _wait(lambda: after in _held(net), 60, "the item sent after the rotation")
    statuses = _answered(net)
    assert set(statuses.values()) == {"received"}, statuses
    assert any(kind.startswith("key_rotation:") for kind in statuses)

    sato = net.client("JPN", "sato")
    for item, text in ((before, b"before report"), (after, b"after report")):
        content, _ = sato.read(_held(net)[item])
        assert content == text

    # Both logs verify: KOR's checkpoints under the old card's origin and the new one's.
    for home in (kor_home, jpn_home):
        verified = _gsomia(net, "audit", "verify", "--home", str(home))
        assert verified.returncode == 0, verified.stdout + verified.stderr
