"""Two real node processes on loopback: items per second publish-to-receipt, FLASH latency.

`exchange_items_per_s`: 1 KiB ROUTINE items of a feed with a standing release rule, published
in bursts of 250 by a KOR client, until the last of them is answered by JPN — sustained over
10,000 items; only the items JPN accepted (answered "received") count. `flash_latency_*`: a
FLASH item published on KOR, to the Server-Sent Event on a JPN reader's open screen, with at
least 9,000 ROUTINE items queued on KOR at every sample: the backlog is built before the first
sample and topped up between samples, and each sample records the ROUTINE depth just before
the FLASH item is published and just after its alert arrives (the smaller counts); the run
fails if one sample saw fewer than 9,000.

The anchors are floors of raw `cryptography`, measured in the same run (`bench.floors`): for the
throughput, the slower side's crypto per item at the product's own signature count (the two
sides run in two processes, so the slower one bounds the pair); for FLASH latency, one item's
crypto on both sides in sequence, at a batch of one.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bench import exchange_world
from bench.figures import Figure, machine_load
from bench.floors import operation_seconds, side_seconds
from gsomia.client import AlertWatcher
from gsomia.devnet import DevNet
from gsomia.exchange.outbox import priority
from gsomia.exchange.worker import BULK_BATCH
from gsomia.node.runtime import Node, utcnow
from gsomia.store.scratch import (
    drop_postgres_database,
    fresh_postgres_database,
    postgres_admin_url_or_none,
)
from gsomia.store.tables import outbox
from gsomia.treaty.items import Precedence

ITEMS = int(os.environ.get("GSOMIA_BENCH_ITEMS", "10000"))  # smaller only while developing
BACKLOG = int(os.environ.get("GSOMIA_BENCH_BACKLOG", "9000"))  # the floor: 9,000
FLASH_SAMPLES = int(os.environ.get("GSOMIA_BENCH_FLASH_SAMPLES", "200"))
BURST = 250
FEED = "radar-bench"
ROUTINE = priority(Precedence.ROUTINE)


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


def _states(node: Node) -> dict[str, int]:
    with node.engine.connect() as conn:
        rows = conn.execute(select(outbox.c.state, func.count()).group_by(outbox.c.state))
        return {state: int(count) for state, count in rows}


def _routine_depth(node: Node) -> int:
    with node.engine.connect() as conn:
        query = select(func.count()).where(outbox.c.state == "queued", outbox.c.priority == ROUTINE)
        return int(conn.execute(query).scalar_one())


def _network(root: Path, urls: dict[str, str] | None = None) -> DevNet:
    exchange_world.install()  # the nodes this process opens read the budget the servers do
    net = DevNet(
        root, ("KOR", "JPN"), database_urls=urls, launcher=("bench.exchange_world", "gsomia")
    )
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


def _throughput(net: DevNet) -> tuple[float, int, int]:
    """Accepted items per second; how many JPN accepted and how many it refused."""
    kor = net.node("KOR")
    kim = net.client("KOR", "kim")
    start = time.perf_counter()
    for first in range(0, ITEMS, BURST):
        kim.publish_batch([_item(n) for n in range(first, first + BURST)])
    while (states := _states(kor)).get("queued", 0) or sum(states.values()) < ITEMS:
        time.sleep(0.05)
    elapsed = time.perf_counter() - start
    received, refused = states.get("received", 0), states.get("rejected", 0)
    return received / elapsed, received, refused


class _Backlog:
    """KOR's ROUTINE queue, kept at `BACKLOG` items or more by publishing bursts."""

    def __init__(self, net: DevNet) -> None:
        self._kor = net.node("KOR")
        self._kim = net.client("KOR", "kim")
        self._next = 10 * ITEMS

    def depth(self) -> int:
        return _routine_depth(self._kor)

    def top_up(self, target: int) -> int:
        """Publish bursts until `target` are queued; the depth then."""
        while (depth := self.depth()) < target:
            self._kim.publish_batch([_item(self._next + n) for n in range(BURST)])
            self._next += BURST
        return depth


def _flash_latencies(net: DevNet) -> tuple[list[float], list[int]]:
    """Each FLASH sample's latency (ms) and the ROUTINE depth it saw."""
    kim = net.client("KOR", "kim")
    screen = AlertWatcher(net.nodes["JPN"].url, net.nodes["JPN"].tokens["sato"])
    screen.ready.wait(10)
    backlog = _Backlog(net)
    margin = BACKLOG + 4 * BURST  # what a sample drains is well under a thousand items
    backlog.top_up(margin + 2 * BURST)  # all of it queued before the first sample
    latencies, depths = [], []
    try:
        for sample in range(FLASH_SAMPLES):
            before = backlog.top_up(margin)
            started = time.perf_counter()
            kim.publish_batch([_item(2 * ITEMS + sample, "FLASH")])
            if not screen.wait_for(sample + 1, 10):
                raise SystemExit(f"FLASH sample {sample} raised no alert within 10 s")
            latencies.append((screen.events[sample][0] - started) * 1000)
            depths.append(min(before, backlog.depth()))
            time.sleep(0.02)
    finally:
        screen.close()
    if min(depths) < BACKLOG:
        raise SystemExit(
            f"a FLASH sample saw only {min(depths):,} ROUTINE items queued (< {BACKLOG:,}): "
            "the figure would not measure FLASH behind a backlog"
        )
    demoted = _demoted(net.client("JPN", "tanaka").metrics())
    if demoted:
        raise SystemExit(
            f"JPN handled {demoted:g} FLASH samples as IMMEDIATE (its FLASH budget, ADR 0092): "
            "the figure would time demoted messages, not FLASH"
        )
    return latencies, depths


def _demoted(exposition: str) -> float:
    """`gsomia_flash_demoted_total`, summed over peers, in a Prometheus text exposition."""
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in exposition.splitlines()
        if line.startswith("gsomia_flash_demoted_total")
    )


def _flash_figures(net: DevNet, flash_ms: float, suffix: str, where: str) -> dict[str, Figure]:
    load = machine_load()
    latencies, depths = _flash_latencies(net)
    p50 = statistics.median(latencies)
    p99 = statistics.quantiles(latencies, n=100)[98]
    note = (
        f"{len(latencies)} FLASH items, publish on KOR to the SSE event on JPN, {where}; "
        f"ROUTINE queued on KOR at each sample: min {min(depths):,}, median "
        f"{statistics.median(depths):,.0f} (run fails under {BACKLOG:,}); {load} before the "
        f"backlog was built, {machine_load()} after the last sample; the KOR-JPN agreement's "
        "FLASH budget raised above the samples (bench.exchange_world), so each is FLASH, not "
        "demoted to IMMEDIATE (ADR 0092); goal p99 ≤ 50 ms; lower is better"
    )
    anchor = f"one FLASH item's crypto, both sides, raw cryptography ({flash_ms:.2f} ms)"
    return {
        f"flash_latency_{q}_ms{suffix}": Figure(value, "ms", anchor, flash_ms, note)
        for q, value in (("p50", p50), ("p99", p99))
    }


def _cpu_seconds(net: DevNet) -> dict[str, float]:
    """Each node's CPU time so far (user + system, Linux `/proc`): its process and its
    running children, the bulk processes that seal and open its batches (ADR 0122)."""
    spent = {}
    for nation, proc in net.nodes.items():
        assert proc.process is not None
        spent[nation] = sum(_cpu_of(pid) for pid in _family(proc.process.pid))
    return spent


def _family(pid: int) -> list[int]:
    """`pid` and its descendants now running."""
    family, i = [pid], 0
    while i < len(family):
        for task in Path(f"/proc/{family[i]}/task").glob("*/children"):
            try:
                family += [int(child) for child in task.read_text().split()]
            except OSError:  # the thread ended meanwhile
                continue
        i += 1
    return family


def _cpu_of(pid: int) -> float:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # ended meanwhile
        return 0.0
    return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")


def _exchange_figure(net: DevNet, floor: tuple[float, str], where: str) -> Figure:
    load = machine_load()
    before = _cpu_seconds(net)
    per_s, received, refused = _throughput(net)
    after = _cpu_seconds(net)
    # On a shared machine the rate is the load's; each node's CPU per item is not.
    cpu_ms = {n: 1000 * (after[n] - before[n]) / max(1, received) for n in ("KOR", "JPN")}
    rate, anchor = floor
    return Figure(
        per_s,
        "items/s",
        anchor,
        rate,
        f"{ITEMS} ROUTINE 1 KiB items, bursts of {BURST}, publish to signed receipt, {where}; "
        f"counts the {received:,} JPN accepted ({refused:,} refused); CPU per accepted item "
        f"KOR {cpu_ms['KOR']:.2f} ms, JPN {cpu_ms['JPN']:.2f} ms (publishing included, and "
        f"each node's bulk child processes): "
        f"{1000 / max(cpu_ms.values()):,.0f}/s with a core per node; {load} at the start, "
        f"{machine_load()} at the end; goal ≥ 1,000/s; higher is better",
    )


def _floors() -> tuple[tuple[float, str], float]:
    ops = operation_seconds(1024, 6.0)
    sides = side_seconds(ops, batch=BULK_BATCH, burst=BURST)
    slower = max(sides, key=lambda side: sides[side])
    rate = 1 / sides[slower]
    anchor = (
        f"the {slower}'s crypto per item at the product's signature count (batches of "
        f"{BULK_BATCH}, bursts of {BURST}), raw cryptography, same run ({rate:,.0f}/s)"
    )
    flash = sum(side_seconds(ops, batch=1, burst=1).values()) * 1000
    return (rate, anchor), flash


def run() -> dict[str, Figure]:
    floor, flash_ms = _floors()
    figures: dict[str, Figure] = {}
    where = "two node processes on SQLite, loopback, mutual TLS"
    with tempfile.TemporaryDirectory() as root, _network(Path(root) / "sqlite") as net:
        figures["exchange_items_per_s"] = _exchange_figure(net, floor, where)
        figures |= _flash_figures(net, flash_ms, "", where)
    admin = postgres_admin_url_or_none()
    if admin is not None:
        where = "two node processes on PostgreSQL, loopback, mutual TLS"
        made = {nation: fresh_postgres_database(admin) for nation in ("KOR", "JPN")}
        try:
            urls = {nation: url for nation, (url, _) in made.items()}
            with tempfile.TemporaryDirectory() as root, _network(Path(root), urls) as net:
                figures["exchange_items_per_s_postgres"] = _exchange_figure(net, floor, where)
                figures |= _flash_figures(net, flash_ms, "_postgres", where)
        finally:
            for _, name in made.values():
                drop_postgres_database(admin, name)
    return figures
