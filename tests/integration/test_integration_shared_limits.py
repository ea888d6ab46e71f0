"""What the node's processes must share, tried with two real API processes of one node on one
PostgreSQL (ADR 0127): a partner's FLASH budget, and an outsider's sign-in tries. Each was
kept per process, so N processes gave N times as much."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from tests.node.node_fixtures import Cast, sealed

from gsomia.devnet import DevNet, free_port
from gsomia.exchange.links import client_context
from gsomia.exchange.wire import CBOR, PRECEDENCE_HEADER, V2_PATH
from gsomia.store.scratch import drop_postgres_database, fresh_postgres_database

pytestmark = pytest.mark.integration

WAIT = 120.0  # a bound on a loaded shared machine, never a measurement
BURST = 10  # the shipped KOR-JPN-2016 FLASH budget: 10 at once, 60 an hour


@dataclass
class Second:
    """Another API process of JPN's node, on ports of its own (as another machine runs it)."""

    url: str
    peer_url: str


@pytest.fixture
def net(postgres_admin_url: str, tmp_path: Path) -> Iterator[tuple[DevNet, Second]]:
    made = [fresh_postgres_database(postgres_admin_url) for _ in range(2)]
    net = DevNet(
        tmp_path / "net", ("KOR", "JPN"), database_urls={"KOR": made[0][0], "JPN": made[1][0]}
    )
    net.setup()
    jpn = net.nodes["JPN"]
    port, peer_port = free_port(), free_port()
    log = (tmp_path / "jpn-second.log").open("ab")
    second = subprocess.Popen(
        [
            sys.executable, "-m", "gsomia", "serve", "--home", str(jpn.home),
            "--listen", f"127.0.0.1:{port}", "--peer-listen", f"127.0.0.1:{peer_port}",
            "--delivery", "0", "--log-level", "warning",
        ],
        env=net.env(),
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    log.close()
    try:
        net.start("JPN", serve=["--delivery", "0"])
        url = f"http://127.0.0.1:{port}"
        _wait(lambda: _ready(url), "the second JPN process")
        yield net, Second(url, f"https://127.0.0.1:{peer_port}")
    finally:
        second.terminate()
        second.wait(30)
        net.close()
        for _, name in made:
            drop_postgres_database(postgres_admin_url, name)


def _wait(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def _demoted(url: str, token: str) -> float:
    """`gsomia_flash_demoted_total{peer="KOR"}` as one process counts it."""
    text = httpx.get(
        f"{url}/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=30
    ).text
    for line in text.splitlines():
        if line.startswith('gsomia_flash_demoted_total{peer="KOR"}'):
            return float(line.split()[-1])
    return 0.0


def test_a_partners_flash_budget_is_one_across_two_api_processes(
    net: tuple[DevNet, Second],
) -> None:
    devnet, second = net
    kor, jpn = devnet.node("KOR"), devnet.node("JPN")
    cast = Cast({"KOR": kor, "JPN": jpn})
    batches = []
    for _ in range(2 * BURST):
        item_id = cast.publish("KOR", "kim", precedence="FLASH")
        [message] = cast.queued("KOR", cast.release("KOR", "park", item_id), "JPN")
        batches.append(sealed(kor, jpn, message))
    assert kor.keys.tls_files is not None
    link = client_context(kor.keys.tls_files, jpn.card)
    processes = [devnet.nodes["JPN"].peer_url, second.peer_url]
    started = time.monotonic()
    with (
        httpx.Client(base_url=processes[0], verify=link, timeout=60) as first,
        httpx.Client(base_url=processes[1], verify=link, timeout=60) as other,
    ):
        for n, batch in enumerate(batches):  # alternately to each process
            answer = (first, other)[n % 2].post(
                V2_PATH, content=batch, headers={"Content-Type": CBOR, PRECEDENCE_HEADER: "FLASH"}
            )
            assert answer.status_code == 200, answer.text  # received: never dropped
    minutes = (time.monotonic() - started) / 60  # the budget refills one FLASH a minute
    tanaka = devnet.nodes["JPN"].tokens["tanaka"]
    demoted = _demoted(devnet.nodes["JPN"].url, tanaka) + _demoted(second.url, tanaka)
    # Per process, each would have let its 10 through: nothing demoted. Shared, 10 of 20.
    assert BURST - (minutes + 1) <= demoted <= BURST
    assert demoted > 0


def test_an_outsiders_guesses_are_counted_once_across_two_api_processes(
    net: tuple[DevNet, Second],
) -> None:
    """ADR 0089 lets a (name, source) pair 5 wrong passwords before it waits. Counted after
    each check, guesses sent at once all read "no failures yet" and were all checked: more so
    with each process. Each try is now counted before its password is checked."""
    devnet, second = net
    urls = [devnet.nodes["JPN"].url, second.url]
    wrong = httpx.BasicAuth("sato", "not-her-password")

    def guess(n: int) -> int:
        with httpx.Client(timeout=120) as client:
            return client.get(f"{urls[n % 2]}/taxii2/", auth=wrong).status_code

    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(guess, range(24)))
    checked = statuses.count(401)  # a password checked and found wrong
    # ADR 0089's five at most, not five per process or per thread. Fewer may be checked: the
    # node runs two checks at once in all (ADR 0130), a try that waited too long for one is
    # refused unchecked (429) and uncounted, and tries that saw it counted meanwhile wait.
    assert 1 <= checked <= 5, statuses
    assert set(statuses) <= {401, 403, 429}, statuses  # 403: wait; 429: too many at once


@pytest.fixture
def pair(postgres_admin_url: str, tmp_path: Path) -> Iterator[DevNet]:
    made = [fresh_postgres_database(postgres_admin_url) for _ in range(2)]
    net = DevNet(
        tmp_path / "pair", ("KOR", "JPN"), database_urls={"KOR": made[0][0], "JPN": made[1][0]}
    )
    net.setup()
    try:
        yield net
    finally:
        net.close()
        for _, name in made:
            drop_postgres_database(postgres_admin_url, name)


def _sample(text: str, name: str) -> float:
    """The value of the sample `name` (with its labels) in a scrape, 0 if absent."""
    for line in text.splitlines():
        parts = line.split()
        if parts and parts[0] == name:
            return float(parts[-1])
    return 0.0


def test_metrics_count_every_process_of_the_node_whichever_is_scraped(pair: DevNet) -> None:
    """Each process counted its own: deliveries and their latencies happen in the delivery
    process, which has no port, so no scrape of `serve --workers 2 --delivery 1` showed any;
    two scrapes reaching two API processes differed. Now every process counts into the
    node's shared directory and each scrape answers for all (ADR 0127)."""
    pair.start("JPN")
    pair.start("KOR", serve=["--workers", "2", "--delivery", "1"])
    kim, park = pair.client("KOR", "kim"), pair.client("KOR", "park")
    for n in range(3):
        item_id = kim.publish(
            title=f"track {n}", level="군사III급비밀", releasable_to=["JPN"],
            purpose="missile-warning", precedence="ROUTINE", text=f"report {n}",
        )  # fmt: skip
        assert park.release(item_id)[0]["decision"]["allowed"]
    park_token = pair.nodes["KOR"].tokens["park"]
    delivered = 'gsomia_deliveries_total{outcome="received",peer="JPN"}'
    counted = 'gsomia_delivery_latency_seconds_count{precedence="ROUTINE"}'

    def scrape() -> str:
        with httpx.Client(timeout=30) as fresh:  # a new connection: either API process
            answer = fresh.get(
                f"{pair.nodes['KOR'].url}/metrics",
                headers={"Authorization": f"Bearer {park_token}"},
            )
        assert answer.status_code == 200, answer.text
        return answer.text

    _wait(lambda: _sample(scrape(), delivered) == 3, "three deliveries counted")
    for _ in range(8):  # whichever process answers, the same sums
        text = scrape()
        assert _sample(text, delivered) == 3
        assert _sample(text, counted) == 3
