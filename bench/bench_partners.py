"""One KOR node and 24 partners (issue 16): the exchange, FLASH under load, lists at 1 M.

KOR is served as a ministry would run it for 24 partners: `gsomia serve --workers 2
--delivery 2` on PostgreSQL (two API processes, two delivery processes claiming outbox rows,
ADR 0111). The 24 partners are real nodes' peer APIs (`bench.partners_host`: mutual TLS
pinned to each card, every batch opened, verified, stored and answered with signed receipts),
each on a SQLite database of its own; the first alone in a process, serving its user API too
for the screen a FLASH alert reaches, the other 23 together in a second process. Each partner
has an agreement with KOR in force (copies of KOR–USA, `bench.partners_world`). The first
partner holds 1 M holdings before the exchange starts: copies of one it received, the newest
2,000 each sealed at rest under its own id (`bench_lists._grow`), the rest whole rows copied in
SQL (`_bulk`), older than those, never reached by the first page.

`exchange_items_per_s_24_partners`: 1 KiB ROUTINE items of a feed released by a standing rule
to all 24 partners, published in bursts, until every partner answered every one; the figure
counts messages (an item to 24 partners is 24), those answered "received". Anchor: the
sender's crypto per message at the product's signature count, raw `cryptography`, same run.
`flash_latency_p99_ms_24_partners`: a FLASH item released to all 24, from publish on KOR to
the Server-Sent Event on the first partner's screen, with KOR's ROUTINE queue kept at
`BACKLOG` messages or more (its depth recorded at each sample). Anchor: one FLASH item's
crypto, both sides. `list_p99_ms_1m_holdings`: the first page of the first partner's holdings
as its list use case answers it (read in index order, opened at rest, decided for the
person) at 1 M holdings; anchor: the same page at the store's size after the warm-up
exchange, measured in the same run before it grew. Every note records the load average.
"""

from __future__ import annotations

import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from functools import partial
from pathlib import Path

import httpx
from rich.progress import Progress
from sqlalchemy import func, select

from bench.bench_exchange import _floors
from bench.bench_lists import _grow, _node, _p99s
from bench.figures import Figure, machine_load
from bench.partners_world import PARTNERS, install
from gsomia.client import AlertWatcher, NodeClient
from gsomia.devnet import free_port
from gsomia.exchange.outbox import priority
from gsomia.node import listing
from gsomia.node.assembly import assemble
from gsomia.node.home import init_home, load_home
from gsomia.node.partners import pin_partner
from gsomia.node.runtime import Node, utcnow
from gsomia.node.tokens import issue_token
from gsomia.node.users import PersonDraft, register
from gsomia.store.scratch import (
    drop_postgres_database,
    fresh_postgres_database,
    postgres_admin_url_or_none,
)
from gsomia.store.tables import holdings as holdings_table
from gsomia.store.tables import outbox
from gsomia.store.users import get_user
from gsomia.treaty.items import Precedence

ITEMS = int(os.environ.get("GSOMIA_BENCH_PARTNER_ITEMS", "500"))  # × 24 messages
#: 0: the first partner is not grown and the list figure is not taken (the growth is most of
#: the run's 40 minutes and 20 GB); the exchange and FLASH figures say what it held.
HOLDINGS = int(os.environ.get("GSOMIA_BENCH_HOLDINGS", "1000000"))
FLASH_SAMPLES = int(os.environ.get("GSOMIA_BENCH_FLASH_SAMPLES", "40"))
BACKLOG = int(os.environ.get("GSOMIA_BENCH_PARTNER_BACKLOG", "2400"))  # ROUTINE messages
BURST = 50
FEED = "radar-bench"
ROUTINE = priority(Precedence.ROUTINE)
WAIT = 600.0
#: Holdings copied one by one, each sealed at rest under its own id (what a page opens);
#: beyond them, copies made in SQL (`_bulk`).
SEALED = 2000
BULK_CHUNK = 50_000
REPO = Path(__file__).resolve().parent.parent


def _item(n: int, precedence: str = "ROUTINE") -> dict[str, object]:
    return {
        "title": f"radar plot {n}",
        "level": "군사III급비밀",
        "releasable_to": list(PARTNERS),
        "purpose": "missile-warning",
        "precedence": precedence,
        "feed": FEED,
        "text": f"{n:08d} " + "x" * 1015,
    }


class World:
    """The homes, processes and clients of one run."""

    def __init__(self, root: Path, database_url: str) -> None:
        self.root = root
        self.passphrase = secrets.token_urlsafe(16)
        self.kor_port, self.kor_peer, self.screen_port = free_port(), free_port(), free_port()
        self.tokens: dict[str, str] = {}
        self.processes: list[subprocess.Popen[bytes]] = []
        self._setup(database_url)

    def _setup(self, database_url: str) -> None:
        ports = {code: free_port() for code in PARTNERS}
        kor_home = init_home(
            self.root / "kor", "KOR", "Republic of Korea MND", self.passphrase,
            database_url=database_url, endpoints=(f"https://127.0.0.1:{self.kor_peer}",),
            peer_listen=f"127.0.0.1:{self.kor_peer}",
        )  # fmt: skip
        homes = {
            code: init_home(
                self.root / "partners" / code.lower(),
                code,
                f"{code} MOD",
                self.passphrase,
                endpoints=(f"https://127.0.0.1:{port}",),
                peer_listen=f"127.0.0.1:{port}",
            )
            for code, port in ports.items()
        }
        kor = assemble(kor_home)
        kor.migrate()
        expires = date(utcnow().year + 2, 12, 31)
        for name, level, role in (
            ("kim", "군사II급비밀", "analyst"),
            ("park", "군사I급비밀", "officer"),
        ):
            register(kor, PersonDraft(name, "KOR", level, expires, ("missile-warning",), role))
            self.tokens[name] = issue_token(kor, name)
        for code, home in homes.items():
            pin_partner(kor, home.card.to_bytes())
            partner = assemble(home)
            partner.migrate()
            pin_partner(partner, kor_home.card.to_bytes())
            if code == PARTNERS[0]:
                draft = PersonDraft(
                    "reader", code, "SECRET", expires, ("missile-warning",), "analyst"
                )
                register(partner, draft)
                self.tokens["reader"] = issue_token(partner, "reader")
            partner.engine.dispose()
        kor.engine.dispose()

    def env(self) -> dict[str, str]:
        path = os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])
        return {**os.environ, "GSOMIA_PASSPHRASE": self.passphrase, "PYTHONPATH": path}

    def _launch(self, args: list[str], log: str) -> None:
        with (self.root / log).open("ab") as out:
            self.processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", *args],
                    env=self.env(),
                    cwd=REPO,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                )
            )

    def start(self) -> None:
        first, rest = PARTNERS[0], ",".join(PARTNERS[1:])
        self._launch(
            ["bench.partners_host", str(self.root), str(self.screen_port), first], "p1.log"
        )
        self._launch(["bench.partners_host", str(self.root), "0", rest], "p23.log")
        self._launch(
            [
                "bench.partners_world", "gsomia", "serve", "--home", str(self.root / "kor"),
                "--listen", f"127.0.0.1:{self.kor_port}",
                "--peer-listen", f"127.0.0.1:{self.kor_peer}",
                "--workers", "2", "--delivery", "2", "--log-level", "warning",
            ],
            "kor.log",
        )  # fmt: skip
        self._until((self.root / f"ready-{first}").exists, f"{first}'s node")
        self._until((self.root / f"ready-{PARTNERS[1]}").exists, "the other partners")
        self._until(lambda: _ready(f"http://127.0.0.1:{self.kor_port}"), "KOR")

    def _until(self, condition: object, what: str) -> None:
        deadline = time.monotonic() + WAIT
        while not condition():  # type: ignore[operator]
            if any(p.poll() is not None for p in self.processes):
                raise SystemExit(f"a process ended while waiting for {what}: see {self.root}")
            if time.monotonic() > deadline:
                raise SystemExit(f"{what} did not become ready: see {self.root}")
            time.sleep(0.2)

    def client(self, name: str) -> NodeClient:
        return NodeClient(f"http://127.0.0.1:{self.kor_port}", self.tokens[name])

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def _states(kor: Node) -> dict[str, int]:
    with kor.engine.connect() as conn:
        rows = conn.execute(select(outbox.c.state, func.count()).group_by(outbox.c.state))
        return {state: int(count) for state, count in rows}


def _routine_depth(kor: Node) -> int:
    with kor.engine.connect() as conn:
        query = select(func.count()).where(outbox.c.state == "queued", outbox.c.priority == ROUTINE)
        return int(conn.execute(query).scalar_one())


def _settle(kor: Node, expected: int) -> dict[str, int]:
    deadline = time.monotonic() + WAIT
    while (states := _states(kor)).get("queued", 0) or sum(states.values()) < expected:
        if time.monotonic() > deadline:
            raise SystemExit(f"the exchange did not settle: {states}")
        time.sleep(0.05)
    return states


def _throughput(world: World, kor: Node) -> Figure:
    rate, anchor = _floors()[0]
    load = machine_load()
    kim = world.client("kim")
    before = sum(_states(kor).values())
    start = time.perf_counter()
    for first in range(0, ITEMS, BURST):
        kim.publish_batch([_item(10_000 + n) for n in range(first, min(first + BURST, ITEMS))])
    states = _settle(kor, before + ITEMS * len(PARTNERS))
    elapsed = time.perf_counter() - start
    received = states.get("received", 0) - before
    return Figure(
        received / elapsed,
        "messages/s",
        anchor,
        rate,
        f"{ITEMS} ROUTINE 1 KiB items each released to {len(PARTNERS)} partners "
        f"({ITEMS * len(PARTNERS):,} messages), bursts of {BURST}, publish to signed receipt; "
        f"KOR: 2 API + 2 delivery processes on PostgreSQL; partners: 24 real peer APIs in "
        f"two processes (1 + 23), SQLite, the first {_held()}; counts "
        f"{received:,} received; "
        f"{load} at the start, {machine_load()} at the end; higher is better",
    )


def _flash(world: World, kor: Node) -> Figure:
    flash_ms = _floors()[1]
    kim = world.client("kim")
    screen = AlertWatcher(f"http://127.0.0.1:{world.screen_port}", world.tokens["reader"])
    if not screen.ready.wait(30):
        raise SystemExit(f"the screen on {PARTNERS[0]} did not open its alert stream")
    serial = 100_000
    latencies, depths, loads, paused = [], [], [], []
    try:
        for sample in range(FLASH_SAMPLES):
            while (depth := _routine_depth(kor)) < BACKLOG:
                kim.publish_batch([_item(serial + n) for n in range(BURST)])
                serial += BURST
            loads.append(os.getloadavg()[0])
            wall, started = time.time(), time.perf_counter()
            kim.publish_batch([_item(serial, "FLASH")])
            serial += 1
            if not screen.wait_for(sample + 1, 30):
                raise SystemExit(f"FLASH sample {sample} raised no alert within 30 s")
            latencies.append((screen.events[sample][0] - started) * 1000)
            # The wall clock running ahead of the monotonic one: the machine was paused (a
            # VM snapshot paused this one for two minutes in a run), said in the note.
            paused.append((time.time() - wall) - (time.perf_counter() - started))
            depths.append(min(depth, _routine_depth(kor)))
    finally:
        screen.close()
    # Within the samples: the default ("exclusive") method puts the 99th percentile of 40
    # samples past the slowest one (the last run's 7,562 ms over a slowest of 6,690).
    p99 = statistics.quantiles(latencies, n=100, method="inclusive")[98]
    slowest = ", ".join(f"{ms:,.0f}" for ms in sorted(latencies)[-3:])
    pauses = [f"{s:.1f} s in sample {n}" for n, s in enumerate(paused) if s > 1.0]
    return Figure(
        p99,
        "ms",
        f"one FLASH item's crypto, both sides, raw cryptography ({flash_ms:.2f} ms)",
        flash_ms,
        f"{len(latencies)} FLASH items each released to {len(PARTNERS)} partners, publish on "
        f"KOR to the SSE event on {PARTNERS[0]}'s screen; p50 {statistics.median(latencies):.1f}"
        f" ms, the slowest three {slowest} ms; the machine paused (wall clock ahead of the "
        f"monotonic one): {', '.join(pauses) or 'never'}; the first partner {_held()}; "
        f"ROUTINE messages queued on KOR at each sample: min {min(depths):,}, median "
        f"{statistics.median(depths):,.0f}, max {max(depths):,} (topped up to ≥ {BACKLOG:,} "
        f"before each); 1-min load average at the samples {min(loads):.1f}–{max(loads):.1f} "
        f"on {os.cpu_count()} "
        "cores; lower is better",
    )


def _bulk(node: Node, upto: int) -> None:
    """Holdings up to `upto`, copied in SQL from the oldest one, older than every sealed copy:
    each a whole row (its ~20 KB envelope included) under ids of its own. Their sealed
    columns stay bound to the copied holding's id, so none of them would open; the first
    page, newest first, never reaches them. An hour of sealing each (1 M rows on two cores)
    becomes minutes of SQLite's own copying."""
    columns = [column.name for column in holdings_table.c]
    fresh = {
        "id": "'bulk-' || lower(hex(randomblob(12)))",
        "envelope_id": "'bulk-' || lower(hex(randomblob(12)))",
        "item_id": "'KOR-bulk-' || lower(hex(randomblob(12)))",
    }
    chosen = ", ".join(fresh.get(name, f"t.{name}") for name in columns)
    with node.engine.connect() as conn:
        have = int(conn.execute(select(func.count()).select_from(holdings_table)).scalar_one())
        oldest = conn.execute(
            select(holdings_table.c.id).order_by(holdings_table.c.received_at).limit(1)
        ).scalar_one()
    while have < upto:
        count = min(BULK_CHUNK, upto - have)
        with node.engine.begin() as conn:
            conn.exec_driver_sql(
                "WITH RECURSIVE k(x) AS "
                f"(SELECT 1 UNION ALL SELECT x + 1 FROM k WHERE x < {count}) "
                f"INSERT INTO holdings ({', '.join(columns)}) SELECT {chosen} FROM k, "
                "(SELECT * FROM holdings WHERE id = ?) AS t",
                (oldest,),
            )
        have += count


def _list_stores(world: World) -> tuple[Node, Node]:
    """The first partner's node grown to `HOLDINGS`, and a copy of it taken at `SEALED`."""
    home = world.root / "partners" / PARTNERS[0].lower()
    partner = assemble(load_home(home, world.passphrase))
    with Progress() as progress:
        _grow(partner, "holdings", min(SEALED, HOLDINGS), BURST, progress)
    partner.engine.dispose()
    small = _node(home, world.passphrase, world.root / "small")
    partner = assemble(load_home(home, world.passphrase))
    _bulk(partner, HOLDINGS)
    return partner, small


def _list_figure(large: Node, small: Node) -> Figure:
    """The first page of each store, asked in turn (so the shared machine's load falls on
    both alike)."""
    load = machine_load()
    p99 = _p99s(
        {
            "small": partial(listing.holdings_page, small, _reader(small)),
            "large": partial(listing.holdings_page, large, _reader(large)),
        }
    )
    return Figure(
        p99["large"],
        "ms",
        f"the same first page in a copy of the store at {min(SEALED, HOLDINGS):,} holdings, "
        f"asked in turn with it, same run ({p99['small']:.2f} ms)",
        p99["small"],
        f"first page (100) of {PARTNERS[0]}'s holdings at {HOLDINGS:,}, read in index order, "
        f"opened at rest and decided for the reader; {load} before, {machine_load()} after; "
        "goal ratio ≤ 1.5 (flat in store size); lower is better",
    )


def run() -> dict[str, Figure]:
    admin = postgres_admin_url_or_none()
    if admin is None:
        raise SystemExit("bench_partners needs PostgreSQL (GSOMIA_TEST_POSTGRES)")
    install()
    root = Path(tempfile.mkdtemp(prefix="gsomia-partners-"))
    url, name = fresh_postgres_database(admin)
    world = World(root, url)
    kor = assemble(load_home(root / "kor", world.passphrase))
    figures: dict[str, Figure] = {}
    try:
        world.start()
        world.client("park").set_release_rule(
            feed=FEED,
            to_nations=list(PARTNERS),
            ceiling="군사II급비밀",
            purpose="missile-warning",
            valid_until=(utcnow() + timedelta(days=1)).isoformat(),
        )
        world.client("kim").publish_batch([_item(n) for n in range(BURST)])  # warm-up
        _settle(kor, BURST * len(PARTNERS))
        if HOLDINGS:
            partner, small = _list_stores(world)
            figures["list_p99_ms_1m_holdings"] = _list_figure(partner, small)
            for node in (partner, small):
                node.engine.dispose()
        figures["exchange_items_per_s_24_partners"] = _throughput(world, kor)
        figures["flash_latency_p99_ms_24_partners"] = _flash(world, kor)
    finally:
        world.stop()
        kor.engine.dispose()
        drop_postgres_database(admin, name)
        if not os.environ.get("GSOMIA_BENCH_KEEP"):
            shutil.rmtree(root, ignore_errors=True)
    return figures


def _held() -> str:
    if HOLDINGS:
        return f"holding {HOLDINGS:,}"
    return "holding only what the run sent it (not grown: GSOMIA_BENCH_HOLDINGS=0)"


def _reader(node: Node):  # type: ignore[no-untyped-def]
    with node.engine.connect() as conn:
        return get_user(conn, "reader", node.vault)
