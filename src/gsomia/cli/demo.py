"""`gsomia demo`: three nations' nodes on this machine, and one FLASH item's way through them.

Steps 1–5 of "one item's way" (DESIGN.md): a KOR analyst publishes a launch track at
군사II급비밀 for JPN; a KOR officer releases it; it reaches JPN at once and is re-marked 極秘; a
JPN reader cleared 極秘 reads it, one cleared only 秘 is refused; USA never receives it. Steps
6–9 (`gsomia.cli.demo_control`): consent to USA, a downgrade, a compromise report, notice of
termination. Step 10 last: each log verifies, and KOR and JPN hold each other's cosigned
checkpoints.
"""

from __future__ import annotations

import signal
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.panel import Panel
from rich.table import Table

from gsomia.cli.app import app, console
from gsomia.cli.demo_control import originator_in_control
from gsomia.cli.demo_story import Story, step
from gsomia.client import AlertWatcher, NodeClient
from gsomia.devnet import DevNet
from gsomia.errors import PolicyDenied
from gsomia.node import log_console

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


def run_story(net: DevNet) -> Story:
    """The whole story, steps 1 to 10; each step's checks are in the `Story`."""
    story = Story()
    item_id, holding_id = delivery(net, story)
    originator_in_control(net, story, item_id, holding_id)
    return audit(net, story)


def delivery(net: DevNet, story: Story) -> tuple[str, str]:
    """Steps 1–5: the item's way to JPN; its id and JPN's holding id."""
    kim, park = net.client("KOR", "kim"), net.client("KOR", "park")
    sato, suzuki = net.client("JPN", "sato"), net.client("JPN", "suzuki")
    smith = net.client("USA", "smith")
    screen = AlertWatcher(net.nodes["JPN"].url, net.nodes["JPN"].tokens["sato"])
    screen.ready.wait(10)

    step(1, "A KOR analyst publishes a FLASH launch track for JPN")
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

    step(2, "A KOR officer releases it; the treaty decides for each partner")
    started = time.perf_counter()
    outcomes = park.release(item_id)
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

    step(3, "Delivery: FLASH first, a signed receipt back")
    transfers = _wait_settled(park, item_id)
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

    step(4, "JPN holds it under its own marking, the originator's beside it (Art. 4.2)")
    held = [h for h in sato.holdings() if h["item_id"] == item_id]
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

    step(5, "Who may read it in JPN")
    holding_id = held[0]["id"] if held else item_id
    content, _ = sato.read(holding_id)
    console.print(f"  sato (JPN, 極秘, missile-warning) reads: [italic]{content.decode()[:60]}…[/]")
    story.check("a reader cleared 極秘 with need-to-know reads it", content.decode() == TRACK)
    try:
        suzuki.read(holding_id)
        refused = ""
    except PolicyDenied as denial:
        refused = f"{denial.message} [{denial.article}]"
    console.print(f"  suzuki (JPN, 秘) is refused: [red]{refused}[/]")
    story.check("a reader cleared only 秘 is refused, with the reason", bool(refused))
    usa = [h for h in smith.holdings() if h["item_id"] == item_id]
    story.check(f"USA never receives it (not releasable to USA): {len(usa)} held", not usa)
    return item_id, holding_id


def _cosigned(net: DevNet, nation: str, partner: str) -> int:
    found = log_console.log_status(net.nodes[nation].home)
    cosigned = found.status.cosigned_by.items()
    return max((size for o, size in cosigned if found.partners.get(o) == partner), default=0)


def audit(net: DevNet, story: Story, timeout: float = 30.0) -> Story:
    """Step 10: each log verifies, and the partners cosigned each other's."""
    step(10, "Each log verified, and cosigned by the partner")
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


@app.command("demo")
def demo(
    exit_: Annotated[bool, typer.Option("--exit", help="check every step, then stop")] = False,
    workdir: Annotated[Path | None, typer.Option(help="keep the node homes here")] = None,
) -> None:
    """Start KOR, JPN and USA nodes and follow one FLASH item's way through them."""
    root = workdir or Path(tempfile.mkdtemp(prefix="gsomia-demo-"))
    if workdir is not None and workdir.exists() and any(workdir.iterdir()):
        raise typer.BadParameter(f"{workdir} is not empty", param_hint="--workdir")
    console.print(
        Panel.fit(
            "Three nations' nodes on this machine, each its own process, keys and database.\n"
            "Agreements: KOR–JPN (2016, Art. 4 table), KOR–USA (1987), JPN–USA (2007).",
            title="gsomia demo",
            border_style="blue",
        )
    )
    with DevNet(root) as net:
        with console.status("creating node homes, keys and people…"):
            net.setup()
        with console.status("starting the KOR, JPN and USA nodes…"):
            net.start_all()
        for nation, proc in net.nodes.items():
            console.print(f"  {nation}  {proc.url}  (home {proc.home})")
        story = run_story(net)
        console.print()
        verdict = (
            "[bold green]every step behaved as required[/]"
            if story.passed
            else ("[bold red]some steps did not behave as required[/]")
        )
        console.print(verdict)
        if exit_:
            raise typer.Exit(0 if story.passed else 1)
        console.print("\nThe nodes keep serving; tokens for their people:")
        for nation, proc in net.nodes.items():
            for name, token in proc.tokens.items():
                console.print(f"  {nation} {name:<7} {token}", highlight=False)
        console.print("Press Ctrl-C to stop.")
        try:
            signal.pause()
        except KeyboardInterrupt:
            console.print("stopping")
