"""Three real node processes: how fast the originator's control travels (issue 5).

Each figure is a whole workflow over the nodes' HTTP APIs, signed messages both ways:
`control_consent_ms`, JPN asks KOR's consent for USA until JPN holds KOR's signed grant (KOR's
officer grants as soon as the request shows); `control_notice_ms`, KOR downgrades an item held
by JPN and USA until both acknowledgements are in; `control_compromise_ms`, a possible
compromise reported on JPN until KOR's API shows the case its node committed (R37 asks
"immediately"; the agreement's limit is 10 minutes). The anchor is one FLASH provision in the
same run: KOR's release until JPN's signed receipt is settled on KOR.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.figures import Figure
from gsomia.client import NodeClient
from gsomia.devnet import DevNet

SAMPLES = 12
POLL = 0.005


def _until(probe: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := probe()):
        if time.monotonic() > deadline:
            raise TimeoutError("the workflow did not complete in time")
        time.sleep(POLL)
    return found


def _provide(net: DevNet, to: list[str]) -> tuple[str, float]:
    """A FLASH item released to `to`; its id and the release-to-settled-receipts time (ms)."""
    kim, park = net.client("KOR", "kim"), net.client("KOR", "park")
    item_id = kim.publish(
        title="launch track",
        level="군사II급비밀",
        releasable_to=to,
        purpose="missile-warning",
        precedence="FLASH",
        text="track",
    )
    started = time.perf_counter()
    park.release(item_id)

    def settled() -> bool:
        states = [t["state"] for t in park.transfers() if t["item_id"] == item_id]
        return len(states) == len(to) and all(s == "received" for s in states)

    _until(settled)
    return item_id, (time.perf_counter() - started) * 1000


def _holding(client: NodeClient, item_id: str) -> str:
    return str(next(h["id"] for h in client.holdings() if h["item_id"] == item_id))


def _consent(net: DevNet, holding_id: str) -> float:
    tanaka, park = net.client("JPN", "tanaka"), net.client("KOR", "park")
    until = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    started = time.perf_counter()
    asked = tanaka.post(
        "/api/v1/consents",
        {
            "holding_id": holding_id,
            "recipient": "USA",
            "purpose": "missile-warning",
            "until": until,
        },
    )
    _until(lambda: any(c["id"] == asked["id"] for c in park.get("/api/v1/consents")))
    park.post(f"/api/v1/consents/{asked['id']}/grant", {})
    _until(lambda: tanaka.get(f"/api/v1/consents/{asked['id']}")["status"] == "granted")
    return (time.perf_counter() - started) * 1000


def _notice(net: DevNet, item_id: str) -> float:
    park = net.client("KOR", "park")
    started = time.perf_counter()
    notice = park.post(
        f"/api/v1/items/{item_id}/classification", {"change": "downgrade", "level": "군사III급비밀"}
    )
    _until(lambda: not park.get(f"/api/v1/notices/{notice['id']}")["outstanding"])
    return (time.perf_counter() - started) * 1000


def _compromise(net: DevNet, holding_id: str) -> float:
    """From JPN's report until KOR's node shows the case it committed, seen through KOR's API:
    not the node's own `now`, which is taken before it verified the report."""
    sato, park = net.client("JPN", "sato"), net.client("KOR", "park")
    started = time.perf_counter()
    case = sato.post(
        "/api/v1/compromises",
        {"holding_id": holding_id, "description": "bench", "actual": False},
    )
    _until(lambda: any(c["id"] == case["id"] for c in park.get("/api/v1/compromises")))
    return (time.perf_counter() - started) * 1000


def run() -> dict[str, Figure]:
    provisions: list[float] = []
    taken: dict[str, list[float]] = {"consent": [], "notice": [], "compromise": []}
    with tempfile.TemporaryDirectory() as root, DevNet(Path(root), ("KOR", "JPN", "USA")) as net:
        net.setup()
        net.start_all()
        sato = net.client("JPN", "sato")
        for _ in range(SAMPLES):
            item_id, provision = _provide(net, ["JPN"])
            provisions.append(provision)
            holding_id = _holding(sato, item_id)
            taken["consent"].append(_consent(net, holding_id))
            taken["compromise"].append(_compromise(net, holding_id))
            shared, _ = _provide(net, ["JPN", "USA"])
            taken["notice"].append(_notice(net, shared))
    anchor_ms = statistics.median(provisions)
    anchor = f"one FLASH provision, release to settled receipt, same run ({anchor_ms:.0f} ms)"
    notes = {
        "consent": "JPN asks, KOR grants at once, until JPN holds the signed grant: 2 messages",
        "notice": "KOR downgrades, JPN and USA re-mark, until both acknowledgements: 4 messages",
        "compromise": "report on JPN until KOR's API shows the case its node committed "
        "(FLASH); limit 600,000 ms",
    }
    return {
        f"control_{name}_ms": Figure(
            statistics.median(values),
            "ms",
            anchor,
            anchor_ms,
            f"median of {len(values)}, three node processes on SQLite; {notes[name]}; "
            "lower is better",
        )
        for name, values in taken.items()
    }
