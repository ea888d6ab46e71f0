"""Several processes serving one node on one PostgreSQL (ADR 0111), as real `gsomia serve`
processes over real HTTP: every item delivered once, the log one order that verifies, and a
FLASH alert received by one process shown on a screen another process serves."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from gsomia.client import AlertWatcher
from gsomia.devnet import DevNet, free_port
from gsomia.ledger.events import LogEvent
from gsomia.node import log_console
from gsomia.store.merkle_log import leaf_rows
from gsomia.store.scratch import drop_postgres_database, fresh_postgres_database
from gsomia.store.tables import outbox

pytestmark = pytest.mark.integration

WAIT = 120.0  # a bound on a loaded shared machine, never a measurement


@pytest.fixture
def net(postgres_admin_url: str, tmp_path: Path) -> Iterator[DevNet]:
    """KOR and JPN, each on a PostgreSQL database of its own."""
    made = [fresh_postgres_database(postgres_admin_url) for _ in range(2)]
    net = DevNet(
        tmp_path / "net",
        ("KOR", "JPN"),
        database_urls={"KOR": made[0][0], "JPN": made[1][0]},
    )
    net.setup()
    try:
        yield net
    finally:
        net.close()
        for _, name in made:
            drop_postgres_database(postgres_admin_url, name)


def _wait(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def _publish(net: DevNet, count: int, precedence: str) -> list[str]:
    kim, park = net.client("KOR", "kim"), net.client("KOR", "park")

    def one(n: int) -> str:
        item_id = kim.publish(
            title=f"track {precedence} {n}",
            level="군사III급비밀",
            releasable_to=["JPN"],
            purpose="missile-warning",
            precedence=precedence,
            text=f"report {n}",
        )
        assert park.release(item_id)[0]["decision"]["allowed"]
        return item_id

    with ThreadPoolExecutor(4) as pool:  # over both API processes, as the kernel spreads them
        return list(pool.map(one, range(count)))


def _answers_logged(net: DevNet) -> dict[str, int]:
    """How many answers of JPN's the KOR log holds per item: a row sent twice is answered and
    settled twice, and each settling logs the answer."""
    counted: dict[str, int] = {}
    with net.node("KOR").engine.connect() as conn:
        for _index, entry, _leaf, _subtrees in leaf_rows(conn):
            event = LogEvent.decode(entry)
            if event.body.get("action") == "answer:item":
                counted[event.subjects[0]] = counted.get(event.subjects[0], 0) + 1
    return counted


def test_two_api_and_two_delivery_processes_deliver_each_item_once(net: DevNet) -> None:
    net.start("JPN")
    net.start("KOR", serve=["--workers", "2", "--delivery", "2"])
    items = _publish(net, 24, "ROUTINE") + _publish(net, 6, "FLASH")
    kor = net.node("KOR")

    def settled() -> bool:
        with kor.engine.connect() as conn:
            waiting = conn.execute(
                select(func.count()).where(outbox.c.kind == "item", outbox.c.state == "queued")
            ).scalar_one()
        return waiting == 0

    _wait(settled, "every item settled")
    assert _answers_logged(net) == dict.fromkeys(items, 1)
    holdings = net.client("JPN", "sato").holdings()
    assert sorted(h["item_id"] for h in holdings) == sorted(items)
    # Four processes appended to one log: one order, and it verifies.
    report = log_console.verify(net.nodes["KOR"].home)
    assert report.size > 2 * len(items)
    # A stop by signal ends every process of the node, cleanly.
    assert net.stop("KOR") == 0


def test_an_alert_received_by_one_process_reaches_a_screen_another_serves(
    net: DevNet,
) -> None:
    net.start("KOR")
    net.start("JPN", serve=["--delivery", "1"])  # one API process, hearing the others
    # A second API process of the same node on the same database, on ports of its own, as
    # another machine would run it: it serves sato's screen, the first receives the item.
    jpn = net.nodes["JPN"]
    port = free_port()
    log = (jpn.home.parent / "jpn-second.log").open("ab")
    second = subprocess.Popen(
        [
            sys.executable, "-m", "gsomia", "serve", "--home", str(jpn.home),
            "--listen", f"127.0.0.1:{port}", "--peer-listen", f"127.0.0.1:{free_port()}",
            "--delivery", "0", "--log-level", "warning",
        ],
        env=net.env(),
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    log.close()
    watcher = None
    try:
        url = f"http://127.0.0.1:{port}"
        _wait(lambda: _ready(url), "the second JPN process")
        watcher = AlertWatcher(url, jpn.tokens["sato"])
        assert watcher.ready.wait(WAIT)
        [item_id] = _publish(net, 1, "FLASH")
        assert watcher.wait_for(1, WAIT)
        [(_, alert)] = watcher.events
        assert alert["item"] == item_id
        assert alert["title"] == "track FLASH 0"
        # A child that ends on its own ends the node's unit, for systemd to start it whole.
        parent = jpn.process
        assert parent is not None
        children = _children(parent.pid)
        assert len(children) == 2  # one API process, one delivery process
        os.kill(children[-1], signal.SIGKILL)
        assert parent.wait(60) == 1
        assert not any(Path(f"/proc/{pid}").exists() for pid in children)
    finally:
        if watcher is not None:
            watcher.close()
        second.terminate()
        second.wait(30)


def _children(pid: int) -> list[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return sorted(int(child) for child in found)


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False
