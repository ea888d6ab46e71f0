"""Two real node processes on loopback: items per second publish-to-receipt, FLASH latency.

`exchange_items_per_s`: 1 KiB ROUTINE items of a feed with a standing release rule, published
in bursts of 250 by a KOR client, until the last of them is answered by JPN (received, with a
signed receipt) — sustained over 10,000 items. `flash_latency_*`: a FLASH item published on
KOR, to the Server-Sent Event on a JPN reader's open screen, while 10,000 ROUTINE items are
queued ahead of it. The anchor is the seal+open floor of one item measured in the same run:
raw AES-256-GCM, hybrid HPKE and Ed25519 + ML-DSA-65, no format, no network, no database.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bench.figures import Figure
from bench.floors import rate, seal_open_floor
from gsomia.client import AlertWatcher
from gsomia.devnet import DevNet
from gsomia.node.runtime import Node, utcnow
from gsomia.store.scratch import (
    drop_postgres_database,
    fresh_postgres_database,
    postgres_admin_url_or_none,
)
from gsomia.store.tables import outbox

ITEMS = int(os.environ.get("GSOMIA_BENCH_ITEMS", "10000"))  # smaller only while developing
BURST = 250
FLASH_SAMPLES = 40
FEED = "radar-bench"


def _item(n: int, precedence: str = "ROUTINE") -> dict[str, object]:
    return {
        "title": f"radar plot {n}",
        "level": "군사III급비밀",
        "releasable_to": ["JPN"],
        "purpose": "missile-warning",
        "precedence": precedence,
        "feed": FEED,
        "text": f"{n:08d} " + "x" * 1015,
    }


def _settled(node: Node) -> int:
    with node.engine.connect() as conn:
        return int(
            conn.execute(select(func.count()).where(outbox.c.state != "queued")).scalar_one()
        )


def _network(root: Path, urls: dict[str, str] | None = None) -> DevNet:
    net = DevNet(root, ("KOR", "JPN"), database_urls=urls)
    net.setup()
    net.start_all()
    net.client("KOR", "park").set_release_rule(
        feed=FEED,
        to_nations=["JPN"],
        ceiling="군사II급비밀",
        purpose="missile-warning",
        valid_until=(utcnow() + timedelta(days=1)).isoformat(),
    )
    return net


def _throughput(net: DevNet) -> float:
    kor = net.node("KOR")
    kim = net.client("KOR", "kim")
    start = time.perf_counter()
    for first in range(0, ITEMS, BURST):
        kim.publish_batch([_item(n) for n in range(first, first + BURST)])
    while _settled(kor) < ITEMS:
        time.sleep(0.05)
    elapsed = time.perf_counter() - start
    return ITEMS / elapsed


def _flash_latencies(net: DevNet) -> list[float]:
    kim = net.client("KOR", "kim")
    screen = AlertWatcher(net.nodes["JPN"].url, net.nodes["JPN"].tokens["sato"])
    screen.ready.wait(10)
    for first in range(0, ITEMS, BURST):  # the backlog the FLASH items must overtake
        kim.publish_batch([_item(ITEMS + n) for n in range(first, first + BURST)])
    latencies = []
    for sample in range(FLASH_SAMPLES):
        started = time.perf_counter()
        kim.publish_batch([_item(2 * ITEMS + sample, "FLASH")])
        if not screen.wait_for(sample + 1, 10):
            break
        latencies.append((screen.events[sample][0] - started) * 1000)
        time.sleep(0.1)
    screen.close()
    return latencies


def run() -> dict[str, Figure]:
    floor = rate(seal_open_floor(1024), 3.0)
    anchor = f"seal+open floor, 1 KiB, same run ({floor:,.0f}/s)"
    figures: dict[str, Figure] = {}
    with tempfile.TemporaryDirectory() as root, _network(Path(root) / "sqlite") as net:
        per_s = _throughput(net)
        figures["exchange_items_per_s"] = Figure(
            per_s,
            "items/s",
            anchor,
            floor,
            f"{ITEMS} ROUTINE 1 KiB items, bursts of {BURST}, publish to signed receipt, two "
            "node processes on SQLite; goal ≥ 1,000/s; higher is better",
        )
        latencies = _flash_latencies(net)
    p50 = statistics.median(latencies)
    p99 = statistics.quantiles(latencies, n=100)[98] if len(latencies) > 2 else max(latencies)
    per_item_ms = 1000 / floor
    for name, value in (("flash_latency_p50_ms", p50), ("flash_latency_p99_ms", p99)):
        figures[name] = Figure(
            value,
            "ms",
            f"one seal+open at the floor ({per_item_ms:.2f} ms)",
            per_item_ms,
            f"{len(latencies)} FLASH items, publish on KOR to the SSE event on JPN, with "
            f"{ITEMS} ROUTINE queued ahead; goal p99 ≤ 50 ms; lower is better",
        )
    admin = postgres_admin_url_or_none()
    if admin is not None:
        made = {nation: fresh_postgres_database(admin) for nation in ("KOR", "JPN")}
        try:
            urls = {nation: url for nation, (url, _) in made.items()}
            with tempfile.TemporaryDirectory() as root, _network(Path(root), urls) as net:
                figures["exchange_items_per_s_postgres"] = Figure(
                    _throughput(net),
                    "items/s",
                    anchor,
                    floor,
                    "as exchange_items_per_s, on PostgreSQL; higher is better",
                )
        finally:
            for _, name in made.values():
                drop_postgres_database(admin, name)
    return figures
