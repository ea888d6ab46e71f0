"""The audit log at scale: batched appends to SQLite WAL, proof latency at 1 M and 10 M leaves.

- `log_appends_per_s`: LogEvents appended through `SqlLog.append` in batches of 1,000 per
  transaction (as a node under load), up to 1,000,000 events, on the node's own SQLite engine
  (WAL, synchronous=FULL). Anchor: Trillian Tessera POSIX ≈ 2,900 writes/s, published on other
  hardware, not measured in this run (immudb embedded reaches ≈ 1.2–1.8 M entries/s batched).
- `log_inclusion_proof_ms_*`, `log_consistency_proof_ms_*`: median over random requests (p99 in
  the note), through
  `SqlLog` (SQLAlchemy, one primary-key query, slicing). The 10 M log is built directly:
  leaf hashes generated, subtree hashes computed through the same `Frontier` and bulk-inserted.
  Anchor: the 1 ms goal.
- `log_peak_memory_mb`: peak RSS of a fresh process that made all the appends and the 1 M
  proofs; anchor: peak RSS of another fresh process that made the first 10 % of the appends, in
  this run. A ratio near 1 means memory does not grow with the log. `ru_maxrss` is a process's
  lifetime peak, so each is measured in its own process (spawned, not forked: nothing of the
  benchmarks run before it counts).
"""

from __future__ import annotations

import os
import random
import resource
import sqlite3
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine

from bench.figures import Figure, machine_load
from gsomia.ledger.events import EventKind, LogEvent
from gsomia.ledger.frontier import Frontier
from gsomia.ledger.merkle import hash_leaf, verify_consistency, verify_inclusion
from gsomia.store.checkpoints import log_checkpoints, log_cosignatures
from gsomia.store.db import make_engine
from gsomia.store.ledger import SqlLog
from gsomia.store.merkle_log import log_leaves, log_state
from gsomia.store.schema import metadata

APPENDS = int(os.environ.get("GSOMIA_BENCH_LOG_APPENDS", "1000000"))
BIG = int(os.environ.get("GSOMIA_BENCH_LOG_BIG", "10000000"))
BATCH = 1_000
SAMPLES = 2_000
T = TypeVar("T")
TABLES = [log_leaves, log_state, log_checkpoints, log_cosignatures]
WHEN = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _engine(path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{path}")
    metadata.create_all(engine, tables=TABLES)
    return engine


def _event(i: int) -> LogEvent:
    return LogEvent(
        EventKind.DECISION,
        WHEN,
        "jpn-analyst-7",
        (f"item:{i}", "agreement:KOR-JPN-2016"),
        {"action": "read", "allowed": True, "article": "Art. 5(b)", "marking": "極秘"},
    )


def _appends(engine: Engine, count: int) -> tuple[float, float]:
    """Events per second, appending `count` events in batches of `BATCH`: by the clock, and
    by this process's own CPU time (what one idle core would do, whatever the machine's load;
    the fsyncs' waits are not in it)."""
    template = [_event(i) for i in range(BATCH)]
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(0, count, BATCH):
        with engine.begin() as conn:
            SqlLog(conn).append(template)
    return count / (time.perf_counter() - start), count / (time.process_time() - cpu)


Proofs = tuple[tuple[float, float], tuple[float, float]]


def _appends_and_proofs(path: str) -> tuple[tuple[float, float], Proofs, float]:
    """In its own process: the append rate, the proofs at that size, then the peak RSS (MB)."""
    engine = _engine(Path(path))
    rate = _appends(engine, APPENDS)
    template = [hash_leaf(_event(i).encode()) for i in range(BATCH)]
    proofs = _proofs(engine, APPENDS, lambda i: template[i % BATCH])  # the batch repeats
    engine.dispose()
    return rate, proofs, _rss_mb()


def _early_rss(path: str) -> float:
    """In its own process: the peak RSS (MB) after the first 10 % of the appends."""
    engine = _engine(Path(path))
    _appends(engine, APPENDS // 10)
    engine.dispose()
    return _rss_mb()


def _alone(function: Callable[[str], T], path: Path) -> T:
    """`function(path)`'s result, computed in a fresh process of its own."""
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        return pool.submit(function, str(path)).result()


def _build_directly(path: Path, size: int) -> None:
    """A log of `size` leaves, written with sqlite3 executemany in big batches (fast setup)."""
    _engine(path).dispose()
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    frontier = Frontier(0)
    chunk = 200_000
    for start in range(0, size, chunk):
        entries = [i.to_bytes(8, "big") for i in range(start, min(size, start + chunk))]
        hashes = [hash_leaf(e) for e in entries]
        frontier, subtrees = frontier.append_rows(hashes)
        db.executemany(
            "INSERT INTO log_leaves (idx, kind, leaf_hash, subtrees, entry) "
            "VALUES (?, 'bench', ?, ?, ?)",
            zip(range(start, start + len(entries)), hashes, subtrees, entries, strict=True),
        )
        db.commit()
    db.execute(
        "INSERT INTO log_state (id, size, frontier) VALUES (1, ?, ?)",
        (frontier.size, frontier.to_bytes()),
    )
    db.commit()
    db.close()


def _quantiles_ms(samples: list[float]) -> tuple[float, float]:
    """(median, p99) in ms."""
    samples.sort()
    return samples[len(samples) // 2] * 1000, samples[int(len(samples) * 0.99)] * 1000


def _proofs(
    engine: Engine, size: int, leaf: Callable[[int], bytes]
) -> tuple[tuple[float, float], tuple[float, float]]:
    """(median, p99) latency in ms of inclusion and of consistency proofs, each checked once."""
    rng = random.Random(size)
    inclusion: list[float] = []
    consistency: list[float] = []
    with engine.connect() as conn:
        log = SqlLog(conn)
        root = log.root()
        for _ in range(SAMPLES):
            index = rng.randrange(size)
            t = time.perf_counter()
            proof = log.inclusion_proof(index, size)
            inclusion.append(time.perf_counter() - t)
        verify_inclusion(index, size, leaf(index), proof, root)
        for _ in range(SAMPLES):
            old = rng.randrange(1, size)
            t = time.perf_counter()
            proof = log.consistency_proof(old, size)
            consistency.append(time.perf_counter() - t)
        verify_consistency(old, size, log.root(old), root, proof)
    return _quantiles_ms(inclusion), _quantiles_ms(consistency)


def _proof_figures(size: int, label: str, proofs: Proofs) -> dict[str, Figure]:
    figures = {}
    for kind, (median, p99) in zip(("inclusion", "consistency"), proofs, strict=True):
        print(f"{size:,} leaves: {kind} median {median:.3f} ms, p99 {p99:.3f} ms")
        figures[f"log_{kind}_proof_ms_{label}"] = Figure(
            median,
            "ms",
            "goal: 1 ms",
            1.0,
            f"median of {SAMPLES} random {kind} proofs at {size:,} leaves via SqlLog on "
            f"SQLite (p99 {p99:.2f} ms on this shared 2-core machine); lower is better",
        )
    return figures


def run() -> dict[str, Figure]:
    figures: dict[str, Figure] = {}
    with tempfile.TemporaryDirectory(prefix="gsomia-bench-ledger-") as tmp:
        load = machine_load()
        (rate, cpu_rate), proofs, log_rss = _alone(_appends_and_proofs, Path(tmp) / "appends.db")
        early_rss = _alone(_early_rss, Path(tmp) / "early.db")
        print(f"appended {APPENDS:,} events: {rate:,.0f}/s ({cpu_rate:,.0f}/s of CPU time)")
        figures["log_appends_per_s"] = Figure(
            rate,
            "events/s",
            "Trillian Tessera POSIX, published (other hardware, not this run)",
            2_900,
            f"SqlLog.append, {BATCH} events per transaction, SQLite WAL synchronous=FULL, "
            f"{APPENDS:,} events; {cpu_rate:,.0f}/s by the process's own CPU time (the rate on "
            f"an idle core); {load} before, {machine_load()} after; goal ≥ 50,000/s; higher "
            "is better",
        )
        figures |= _proof_figures(APPENDS, "1m", proofs)
        start = time.perf_counter()
        _build_directly(Path(tmp) / "big.db", BIG)
        print(f"built {BIG:,} leaves in {time.perf_counter() - start:.0f} s")
        engine = _engine(Path(tmp) / "big.db")
        big = _proofs(engine, BIG, lambda i: hash_leaf(i.to_bytes(8, "big")))
        figures |= _proof_figures(BIG, "10m", big)
        engine.dispose()
    figures["log_peak_memory_mb"] = Figure(
        log_rss,
        "MB",
        "peak RSS of a process that made the first 10 % of the appends (same run)",
        early_rss,
        f"peak RSS of a process that made {APPENDS:,} appends and the proofs at that size, "
        "each figure in its own spawned process; ratio ≈ 1 means memory does not grow with "
        "the log; lower is better",
    )
    return figures
