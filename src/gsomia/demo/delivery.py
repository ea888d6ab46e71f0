"""Steps 1–5 of `gsomia demo`: one FLASH item's way from KOR to JPN (DESIGN.md).

A KOR analyst publishes a launch track at 군사II급비밀 for JPN; a KOR officer releases it; it
reaches JPN at once and is re-marked 極秘; a JPN reader cleared 極秘 reads it, one cleared only
秘 is refused; USA never receives it. Every step goes through the nodes' user API, as a person
at a screen would.
"""

from __future__ import annotations

import time
from typing import Any

from rich.panel import Panel
from rich.table import Table

from gsomia.client import AlertWatcher, NodeClient
from gsomia.demo.story import Story, console, step
from gsomia.devnet import DevNet
from gsomia.errors import PolicyDenied

TRACK = (
    "DPRK launch track 27-11: ballistic missile launched 05:57 KST from Sunan, "
    "apogee 1,100 km, impact in the East Sea 05:59 KST outside the EEZ."
)


def _wait_settled(client: NodeClient, item_id: str, timeout: float = 20.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        transfers = [t for t in client.transfers() if t["item_id"] == item_id]
        if transfers and all(t["state"] != "queued" for t in transfers):
            return transfers
        if time.monotonic() > deadline:
            return transfers
        time.sleep(0.05)


def delivery(net: DevNet, story: Story) -> tuple[str, str]:
    """Steps 1–5: the item's way to JPN; its id and JPN's holding id."""
    jpn = net.nodes["JPN"]
    screen = AlertWatcher(jpn.url, jpn.tokens["sato"], cacert=jpn.cacert)
    screen.ready.wait(10)
    step(1, "A KOR analyst publishes a FLASH launch track for JPN")
    item_id = publish_step(net, story)
    step(2, "A KOR officer releases it; the treaty decides for each partner")
    started = time.perf_counter()
    release_step(net, story, item_id)
    step(3, "Delivery: FLASH first, a signed receipt back")
    receipt_step(net, story, item_id, screen, started)
    step(4, "JPN holds it under its own marking, the originator's beside it (Art. 4.2)")
    holding_id = holding_step(net, story, item_id)
    step(5, "Who may read it in JPN")
    reading_step(net, story, item_id, holding_id)
    return item_id, holding_id


def publish_step(net: DevNet, story: Story) -> str:
    """Step 1: the analyst's item waits as a draft; its id."""
    kim = net.client("KOR", "kim")
    item_id = kim.publish(
        title="DPRK launch track",
        level="군사Ⅱ급비밀",
        releasable_to=["JPN"],
        purpose="missile-warning",
        precedence="FLASH",
        text=TRACK,
    )
    console.print(f"  kim (KOR, 군사II급비밀) → item [bold]{item_id}[/], REL TO JPN, FLASH")
    console.print(
        "  typed as [italic]군사Ⅱ급비밀[/] (Roman numeral Ⅱ), read as 군사II급비밀 (NFKC)"
    )
    story.check(
        "the item waits as a draft: nothing is shared automatically (R50)",
        kim.item(item_id)["state"] == "draft",
    )
    return item_id


def release_step(net: DevNet, story: Story, item_id: str) -> None:
    """Step 2: the officer's release, one decision per partner."""
    outcomes = net.client("KOR", "park").release(item_id)
    table = Table("partner", "decision", "reason", "article")
    for o in outcomes:
        d = o["decision"]
        table.add_row(
            o["nation"],
            "[green]allowed[/]" if d["allowed"] else "[red]denied[/]",
            d["reason"],
            f"{d['article']} {d['requirement']}",
        )
    console.print(table)
    story.check(
        "the release to JPN is allowed under KOR-JPN-2016",
        [o["nation"] for o in outcomes if o["decision"]["allowed"]] == ["JPN"],
    )


def receipt_step(
    net: DevNet, story: Story, item_id: str, screen: AlertWatcher, started: float
) -> None:
    """Step 3: the signed receipt back, and the alert on a JPN reader's open screen."""
    transfers = _wait_settled(net.client("KOR", "park"), item_id)
    for t in transfers:
        console.print(f"  → {t['peer']}: [bold]{t['state']}[/], marked there as {t.get('marked')}")
    story.check(
        "JPN's node received it and answered with a signed receipt",
        [t["state"] for t in transfers] == ["received"],
    )
    arrived = screen.wait_for(1, 10)
    if arrived:
        latency = (screen.events[0][0] - started) * 1000
        console.print(f"  alert on sato's open screen {latency:.0f} ms after the release")
    story.check(
        "the FLASH alert reached the open screen of a JPN reader allowed to read it", arrived
    )
    screen.close()


def holding_step(net: DevNet, story: Story, item_id: str) -> str:
    """Step 4: JPN's holding under both markings; its id (the item's if none arrived)."""
    held = [h for h in net.client("JPN", "sato").holdings() if h["item_id"] == item_id]
    if held:
        h = held[0]
        console.print(
            Panel.fit(
                f"[bold]{h['marking']}[/]  (originator KOR: {h['original_marking']})\n"
                f"{h['title']} — {h['agreement']} — purpose {h['purpose']}",
                title="JPN holding",
                border_style="red",
            )
        )
    story.check(
        "JPN marks it 極秘 and keeps KOR's 군사II급비밀",
        bool(held)
        and held[0]["marking"] == "極秘"
        and held[0]["original_marking"] == "군사II급비밀",
    )
    return str(held[0]["id"]) if held else item_id


def reading_step(net: DevNet, story: Story, item_id: str, holding_id: str) -> None:
    """Step 5: who may read it in JPN, and that USA never received it."""
    content, _ = net.client("JPN", "sato").read(holding_id)
    console.print(f"  sato (JPN, 極秘, missile-warning) reads: [italic]{content.decode()[:60]}…[/]")
    story.check("a reader cleared 極秘 with need-to-know reads it", content.decode() == TRACK)
    try:
        net.client("JPN", "suzuki").read(holding_id)
        refused = ""
    except PolicyDenied as denial:
        refused = f"{denial.message} [{denial.article}]"
    console.print(f"  suzuki (JPN, 秘) is refused: [red]{refused}[/]")
    story.check("a reader cleared only 秘 is refused, with the reason", bool(refused))
    usa = [h for h in net.client("USA", "smith").holdings() if h["item_id"] == item_id]
    story.check(f"USA never receives it (not releasable to USA): {len(usa)} held", not usa)
