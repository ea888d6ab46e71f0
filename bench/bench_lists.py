"""Lists as the store grows, and what an item costs to store on each side (issue 14).

`list_*_p99_ms_{1k,100k}`: the first page (100 rows, the API's default) of `GET /items` on KOR
and `GET /holdings` on JPN, as the node's list use case answers it (`node.listing`: read in
index order, every row opened at rest and decided for the person), p99 over `SAMPLES` asks,
in a store of 1,000 rows and in a copy grown to 100,000, asked in turn (so the load of the
shared machine falls on both alike). The rows are copies of an item and a holding
that came through a real exchange (two node processes), each re-inserted under its own id
through the store, so each is sealed at rest under its own keys, at its real size. The 100k
figures are anchored on the 1k ones (goal ≤ 1.5: flat in store size); the 1k figures on the
way the lists were read before pages (every row read, sorted, opened and decided), same run.
`list_holdings_text_p99_ms_100k`: the same first page with a word of the title asked for, one
title in 5 matching (anchored on the unfiltered page).

`store_bytes_per_item_{sender,receiver}`: what 300 1 KiB items published by KOR and held by
JPN added to each SQLite database (dbstat pages of every table and index), per item; the
anchor is the item's own content (1 KiB). Two node processes, loopback, mutual TLS.

The machine is shared (two cores, other work running): the figures are ratios to anchors
measured in the same run for that reason.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from functools import partial
from pathlib import Path

from rich.progress import Progress
from sqlalchemy import func, select, text

from bench.figures import Figure
from gsomia.devnet import DevNet
from gsomia.node import listing, read
from gsomia.node.assembly import assemble
from gsomia.node.home import load_home
from gsomia.node.runtime import Node, utcnow
from gsomia.store import holdings, items
from gsomia.store.tables import outbox
from gsomia.store.users import get_user
from gsomia.treaty.listing import ListFilter, Shown

EXCHANGED = 300
SAMPLES = 200
BEFORE_SAMPLES = 20  # the way lists were read before pages: seconds a sample
# Smaller only while developing (the figures' names keep saying 1k and 100k).
SIZES = tuple(int(n) for n in os.environ.get("GSOMIA_BENCH_LIST_ROWS", "1000,100000").split(","))
CHUNK = 2_000
FEED = "lists-bench"


def _item(n: int) -> dict[str, object]:
    return {
        "title": f"radar plot {n}",
        "level": "군사III급비밀",
        "releasable_to": ["JPN"],
        "purpose": "missile-warning",
        "precedence": "ROUTINE",
        "feed": FEED,
        "text": f"{n:08d} " + "x" * 1015,
    }


def _bytes(node: Node) -> dict[str, int]:
    with node.engine.connect() as conn:
        rows = conn.execute(text("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"))
        return {str(name): int(size) for name, size in rows}


def _queued(node: Node) -> int:
    with node.engine.connect() as conn:
        query = select(func.count()).where(outbox.c.state == "queued")
        return int(conn.execute(query).scalar_one())


def _exchange(net: DevNet) -> dict[str, tuple[float, str]]:
    """Publish `EXCHANGED` items on KOR until JPN answered every one; bytes per item per side,
    with the tables that took most."""
    net.client("KOR", "park").set_release_rule(
        feed=FEED,
        to_nations=["JPN"],
        ceiling="군사II급비밀",
        purpose="missile-warning",
        valid_until=(utcnow() + timedelta(days=1)).isoformat(),
    )
    before = {nation: _bytes(net.node(nation)) for nation in ("KOR", "JPN")}
    kim = net.client("KOR", "kim")
    for first in range(0, EXCHANGED, 100):
        kim.publish_batch([_item(n) for n in range(first, first + 100)])
    while _queued(net.node("KOR")):
        time.sleep(0.1)
    net.stop("KOR")
    net.stop("JPN")
    added = {}
    for nation in ("KOR", "JPN"):
        after = _bytes(net.node(nation))
        grown = {name: size - before[nation].get(name, 0) for name, size in after.items()}
        top = sorted(grown.items(), key=lambda kv: -kv[1])[:4]
        parts = ", ".join(f"{name} {size / EXCHANGED:,.0f}" for name, size in top)
        added[nation] = (sum(grown.values()) / EXCHANGED, parts)
    return added


def _p99s(asks: dict[str, Callable[[], object]], samples: int = SAMPLES) -> dict[str, float]:
    """p99 (ms) of each ask, the asks interleaved sample by sample (in turn, the order
    rotating), so the load the shared machine puts on one falls on all alike."""
    for ask in asks.values():
        for _ in range(3):
            ask()  # warm the caches
    times: dict[str, list[float]] = {name: [] for name in asks}
    order = list(asks)
    for sample in range(samples):
        for name in order[sample % len(order) :] + order[: sample % len(order)]:
            start = time.perf_counter()
            asks[name]()
            times[name].append((time.perf_counter() - start) * 1000)
    return {name: statistics.quantiles(found, n=100)[98] for name, found in times.items()}


def _grow(node: Node, kind: str, upto: int, have: int, progress: Progress) -> None:
    """Copies of the node's first item or holding, each under its own id, until `upto`."""
    vault = node.vault
    with node.engine.connect() as conn:
        if kind == "items":
            model_item = items.newest(conn, 1, vault)[0]
        else:
            model = holdings.newest(conn, vault, 1)[0]
            envelope = holdings.envelope_of(model, vault)
    task = progress.add_task(f"{kind} → {upto:,}", total=upto - have)
    start = model_item.created_at if kind == "items" else model.received_at
    for first in range(have, upto, CHUNK):
        batch = range(first, min(first + CHUNK, upto))
        with node.engine.begin() as conn:
            if kind == "items":
                items.add_all(
                    conn,
                    [
                        replace(
                            model_item,
                            id=f"KOR-bench-{n:06d}",
                            title=f"radar plot {n} {'launch' if n % 5 == 0 else 'survey'}",
                            created_at=start - timedelta(seconds=n + 1),
                        )
                        for n in batch
                    ],
                    vault,
                )
            else:
                holdings.add_all(
                    conn,
                    [
                        replace(
                            model,
                            id=f"JPN-bench-{n:06d}",
                            envelope_id=f"env-bench-{n:06d}",
                            item_id=f"KOR-bench-{n:06d}",
                            title=f"radar plot {n} {'launch' if n % 5 == 0 else 'survey'}",
                            received_at=start - timedelta(seconds=n + 1),
                            envelope=envelope,
                            data_key=None,
                        )
                        for n in batch
                    ],
                    vault,
                )
        progress.advance(task, len(batch))


def _before_pages(node: Node, kind: str, name: str) -> Callable[[], object]:
    """The list as it was read before pages: every row, sorted, opened and decided."""
    user = _user(node, name)
    asker = listing._asker(node, user)

    def every_holding() -> object:
        with node.reader.connect() as conn:
            records = holdings.newest(conn, node.vault)
        return [
            read.view_of(r, node.vault)
            for r in records
            if listing._holding_listing(node, asker, r) is not Shown.HIDDEN
        ][:100]

    def every_item() -> object:
        with node.reader.connect() as conn:
            records = items.newest(conn, 1_000_000, node.vault)
        return [r for r in records if listing._item_listing(node, asker, r) is not Shown.HIDDEN][
            :100
        ]

    return every_item if kind == "items" else every_holding


def _user(node: Node, name: str):  # type: ignore[no-untyped-def]
    with node.engine.connect() as conn:
        return get_user(conn, name, node.vault)


def _node(home: Path, passphrase: str, copy: Path | None = None) -> Node:
    """The node of `home`, or of a copy of it at `copy` (its database copied too)."""
    if copy is None:
        return assemble(load_home(home, passphrase))
    shutil.copytree(home, copy)
    loaded = load_home(copy, passphrase)
    url = f"sqlite:///{(copy / 'node.db').resolve()}"
    return assemble(replace(loaded, config=replace(loaded.config, database_url=url)))


def _lists(net: DevNet, root: Path) -> dict[str, Figure]:
    """Two stores of each side, one grown to 1k rows and one to 100k; the first pages of
    both measured interleaved."""
    small, large = SIZES
    homes = {nation: net.nodes[nation].home for nation in ("KOR", "JPN")}
    nodes = {
        (nation, size): _node(
            home, net.passphrase, None if size == small else root / f"{nation}-{size}"
        )
        for nation, home in homes.items()
        for size in SIZES
    }
    with Progress() as progress:
        for size in SIZES:
            _grow(nodes["KOR", size], "items", size, EXCHANGED, progress)
            _grow(nodes["JPN", size], "holdings", size, EXCHANGED, progress)
    users = {key: _user(node, "kim" if key[0] == "KOR" else "sato") for key, node in nodes.items()}
    asks: dict[str, Callable[[], object]] = {}
    for size in SIZES:
        kor, jpn = ("KOR", size), ("JPN", size)
        asks[f"items {size}"] = partial(listing.items_page, nodes[kor], users[kor])
        asks[f"holdings {size}"] = partial(listing.holdings_page, nodes[jpn], users[jpn])
    jpn_large = ("JPN", large)
    asks[f"holdings_text {large}"] = partial(
        listing.holdings_page, nodes[jpn_large], users[jpn_large], ListFilter(text="launch")
    )
    measured = _p99s(asks)
    before = _p99s(
        {
            "items": _before_pages(nodes["KOR", small], "items", "kim"),
            "holdings": _before_pages(nodes["JPN", small], "holdings", "sato"),
        },
        BEFORE_SAMPLES,
    )
    for node in nodes.values():
        node.engine.dispose()
    return _list_figures(measured, before)


def _list_figures(measured: dict[str, float], before: dict[str, float]) -> dict[str, Figure]:
    small, large = SIZES
    figures = {}
    for kind in ("items", "holdings"):
        figures[f"list_{kind}_p99_ms_1k"] = Figure(
            measured[f"{kind} {small}"],
            "ms",
            f"the same first page read as before pages: every row read, sorted, opened and "
            f"decided, {small:,} rows, same run ({before[kind]:.1f} ms)",
            before[kind],
            f"first page of 100, {small:,} rows sealed at rest, SQLite; p99 of {SAMPLES}; "
            "lower is better",
        )
        figures[f"list_{kind}_p99_ms_100k"] = Figure(
            measured[f"{kind} {large}"],
            "ms",
            f"the same page with {small:,} rows, asked in turn with it ("
            f"{measured[f'{kind} {small}']:.2f} ms)",
            measured[f"{kind} {small}"],
            f"first page of 100, {large:,} rows sealed at rest, SQLite; p99 of {SAMPLES}; "
            "goal ratio ≤ 1.5 (flat in store size); lower is better",
        )
    figures["list_holdings_text_p99_ms_100k"] = Figure(
        measured[f"holdings_text {large}"],
        "ms",
        f"the unfiltered first page, {large:,} rows, asked in turn with it "
        f"({measured[f'holdings {large}']:.2f} ms)",
        measured[f"holdings {large}"],
        f"first page of 100 with a title word one row in 5 has (titles sealed at rest: "
        f"opened in index order until the page fills), {large:,} rows; p99 of {SAMPLES}; "
        "lower is better",
    )
    return figures


def run() -> dict[str, Figure]:
    with tempfile.TemporaryDirectory() as root:
        net = DevNet(Path(root), ("KOR", "JPN"))
        net.setup()
        net.start_all()
        try:
            added = _exchange(net)
            net.close()
            figures = _lists(net, Path(root))
        finally:
            net.close()
    for side, nation in (("sender", "KOR"), ("receiver", "JPN")):
        per_item, parts = added[nation]
        figures[f"store_bytes_per_item_{side}"] = Figure(
            per_item,
            "bytes",
            "the item's content (1 KiB)",
            1024,
            f"{EXCHANGED} 1 KiB items KOR→JPN through two node processes, SQLite dbstat pages "
            f"added on {nation} per item; most: {parts}; lower is better",
        )
    return figures
