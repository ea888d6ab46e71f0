"""What an outsider, or a partner misbehaving, can make a real node hold (issue 13).

`peer_chunked_1g_peak_mb`: the JPN node's resident growth (peak, sampled every 10 ms, minus
the size before) while KOR, over its pinned mutual-TLS link, posts a 1 GB chunked body to the
peer API and the node refuses it. Before the gate the body was read whole: 2.2 GB resident.

`peer_batch_peak_mb`: the resident growth of a JPN node process started for this figure alone
while KOR posts it a batch just under the peer door's 96 MB cap that is nothing but empty maps
where messages go, anchored on the body's size. Before the batch was bounded as it is decoded
(ADR 0085) cbor2 built a dict of 72 bytes per byte: ≈ 7 GB, more than the bench machine has.

`metrics_bytes_after_100k_garbage`: the size of JPN's `/metrics` after KOR sent 100,000
messages, each of a different made-up kind, against its size before (same run). Before fixed
label sets, each kind became a time series: 512 k messages grew `/metrics` to 112 MB.
"""

from __future__ import annotations

import contextlib
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx

from bench.figures import Figure
from gsomia.devnet import DevNet
from gsomia.exchange.wire import CBOR, MAX_BATCH, V2_PATH
from gsomia.seal import cbor
from gsomia.seal.sealed import MAX_BATCH_BYTES, Plain, seal_batch

MB = 1 << 20
GB = 1 << 30
GARBAGE = 100_000


def _resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc")


def _one_gigabyte() -> Iterator[bytes]:
    chunk = b"{" * MB
    for _ in range(GB // MB):
        yield chunk


def _chunked_peak(net: DevNet, pid: int) -> float:
    before, peak = _resident_mb(pid), 0.0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.wait(0.01):
            peak = max(peak, _resident_mb(pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    # A 413 sent while the body still streams may arrive as a reset.
    with net.peer_http("KOR", "JPN") as kor, contextlib.suppress(httpx.TransportError):
        kor.post(V2_PATH, content=_one_gigabyte())
    stop.set()
    sampler.join()
    return max(peak, _resident_mb(pid)) - before


def _hostile_batch() -> bytes:
    """A batch of empty maps in the messages' place, as large as the peer door admits."""
    count = MAX_BATCH_BYTES - 4096
    empty = cbor.dumps({"head": {}, "msgs": [], "sig": [], "shared": b""})
    flood = b"\x64msgs\x9a" + count.to_bytes(4, "big") + b"\xa0" * count  # canonical CBOR
    return empty.replace(b"\x64msgs\x80", flood)


def _batch_peak(net: DevNet, pid: int, body: bytes) -> float:
    before, peak = _resident_mb(pid), 0.0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.wait(0.01):
            peak = max(peak, _resident_mb(pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    with net.peer_http("KOR", "JPN") as kor:
        answer = kor.post(V2_PATH, content=body, headers={"Content-Type": CBOR})
    stop.set()
    sampler.join()
    if answer.status_code < 400:
        raise RuntimeError(f"the hostile batch was not refused: {answer.status_code}")
    return max(peak, _resident_mb(pid)) - before


def _garbage(net: DevNet) -> None:
    """KOR's node sends JPN's 100,000 messages of made-up kinds, sealed and signed as its
    worker would (envelope v2: the kind is inside the sealed message)."""
    sender, receiver = net.node("KOR"), net.node("JPN")
    with net.peer_http("KOR", "JPN") as kor:
        for start in range(0, GARBAGE, MAX_BATCH):
            messages = [
                Plain(f"g-{i}", f"garbage-{i:06d}-kind", {}, b"garbage")
                for i in range(start, min(start + MAX_BATCH, GARBAGE))
            ]
            batch = seal_batch(
                messages,
                keys=sender.keys,
                sender="KOR",
                recipient=receiver.card,
                now=sender.clock(),
            )
            answer = kor.post(V2_PATH, content=batch, headers={"Content-Type": CBOR})
            answer.raise_for_status()


def run() -> dict[str, Figure]:
    with tempfile.TemporaryDirectory() as root, DevNet(Path(root), ("KOR", "JPN")) as net:
        net.setup()
        net.start("JPN")
        process = net.nodes["JPN"].process
        assert process is not None
        growth = _chunked_peak(net, process.pid)
        officer = {"Authorization": f"Bearer {net.nodes['JPN'].tokens['tanaka']}"}
        scrape = f"{net.nodes['JPN'].url}/metrics"
        before = len(httpx.get(scrape, headers=officer).content)
        _garbage(net)
        after = len(httpx.get(scrape, headers=officer).content)
        net.stop("JPN")  # a fresh process of its own for the next memory figure
        net.start("JPN")
        hostile = _hostile_batch()
        jpn = net.nodes["JPN"].process
        assert jpn is not None
        batch_growth = _batch_peak(net, jpn.pid, hostile)
    return {
        "peer_batch_peak_mb": Figure(
            round(batch_growth, 2),
            "MB",
            f"the hostile batch's own size ({len(hostile) / MB:.1f} MB)",
            round(len(hostile) / MB, 2),
            "resident growth of a fresh node process while it refuses a max-size batch of "
            "empty maps from a pinned partner; lower is better (before ADR 0085: ≈ 72× the body)",
        ),
        "peer_chunked_1g_peak_mb": Figure(
            round(growth, 2),
            "MB",
            "goal of issue 13: at most 64 MB",
            64.0,
            "resident growth of a real node process while it refuses a 1 GB chunked body "
            "from a pinned partner; lower is better (before the gate: 2.2 GB)",
        ),
        "metrics_bytes_after_100k_garbage": Figure(
            float(after),
            "bytes",
            f"/metrics before, same run ({before} bytes); goal: at most 2×",
            float(before),
            f"{GARBAGE:,} messages of made-up kinds from a pinned partner; lower is better",
        ),
    }
