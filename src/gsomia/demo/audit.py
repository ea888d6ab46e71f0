"""Step 11 of `gsomia demo`, last: each log verifies, and KOR and JPN hold each other's
cosigned checkpoints (`gsomia audit verify` and `gsomia audit status`, read at the console)."""

from __future__ import annotations

import time

from gsomia.demo.story import Story, console, step
from gsomia.devnet import DevNet
from gsomia.node import log_console


def _cosigned(net: DevNet, nation: str, partner: str) -> int:
    found = log_console.log_status(net.nodes[nation].home)
    cosigned = found.status.cosigned_by.items()
    return max((size for o, size in cosigned if found.partners.get(o) == partner), default=0)


def audit(net: DevNet, story: Story, timeout: float = 30.0) -> Story:
    """Step 11: each log verifies, and the partners cosigned each other's."""
    step(11, "Each log verified, and cosigned by the partner")
    pair = [n for n in ("KOR", "JPN") if n in net.nodes]
    sizes = {n: log_console.log_status(net.nodes[n].home).status.size for n in pair}
    verified = 0
    for nation in pair:
        try:
            report = log_console.verify(net.nodes[nation].home)
        except log_console.TamperedLog as tampered:
            console.print(f"  {nation}: [red]{tampered.message}[/]")
            continue
        verified += 1
        console.print(
            f"  {nation}: {report.size} entries, {report.checkpoints} signed checkpoints verified"
        )
    story.check("`gsomia audit verify` passes on KOR and JPN", verified == len(pair))
    deadline = time.monotonic() + timeout
    with console.status("waiting for each partner to cosign the latest checkpoint…"):
        while True:
            held = {n: _cosigned(net, n, p) for n, p in zip(pair, reversed(pair), strict=True)}
            if all(held[n] >= sizes[n] for n in pair) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    for nation, partner in zip(pair, reversed(pair), strict=True):
        console.print(f"  {nation}'s log cosigned by {partner} up to size {held[nation]}")
    story.check(
        "KOR and JPN hold each other's cosignatures of their logs (gsomia audit status)",
        all(held[n] >= sizes[n] > 0 for n in pair),
    )
    return story
