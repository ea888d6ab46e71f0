"""The whole demo: a three-nation network on this machine, the story told over it, and (unless
asked to stop) the nodes left serving with their people's tokens until Ctrl-C."""

from __future__ import annotations

import signal
from pathlib import Path

from rich.panel import Panel

from gsomia.demo.audit import audit
from gsomia.demo.control import originator_in_control
from gsomia.demo.courier import courier_step
from gsomia.demo.delivery import delivery
from gsomia.demo.story import Story, console
from gsomia.devnet import DevNet


def run_story(net: DevNet) -> Story:
    """The whole story, steps 1 to 11; each step's checks are in the `Story`."""
    story = Story()
    item_id, holding_id = delivery(net, story)
    originator_in_control(net, story, item_id, holding_id)
    courier_step(net, story)
    return audit(net, story)


def run_demo(root: Path, *, keep_serving: bool) -> bool:
    """Start KOR, JPN and USA nodes under `root`, tell the story; whether every step behaved
    as required. With `keep_serving`, the nodes serve on until Ctrl-C."""
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
            console.print(
                f"  {nation}  {proc.url}  peers: {proc.peer_url} (mutual TLS)  (home {proc.home})"
            )
        story = run_story(net)
        console.print()
        verdict = (
            "[bold green]every step behaved as required[/]"
            if story.passed
            else ("[bold red]some steps did not behave as required[/]")
        )
        console.print(verdict)
        if keep_serving:
            _serve(net)
    return story.passed


def _serve(net: DevNet) -> None:
    console.print("\nThe nodes keep serving; tokens for their people:")
    for nation, proc in net.nodes.items():
        for name, token in proc.tokens.items():
            console.print(f"  {nation} {name:<7} {token}", highlight=False)
    console.print("Press Ctrl-C to stop.")
    try:
        signal.pause()
    except KeyboardInterrupt:
        console.print("stopping")
