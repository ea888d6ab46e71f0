"""Step 9 of `gsomia demo`: KOR gives notice of termination; new provisions stop on the
effective date, the protection of what was exchanged does not (R44).

What JPN's node will decide on that day is asked of it now (`gsomia.node.survival`): the
treaty core is a function of `now`, so the day need not come.
"""

from __future__ import annotations

from datetime import UTC, datetime
from datetime import time as clock_time

from gsomia.demo.story import Story, console, until
from gsomia.devnet import DevNet
from gsomia.node.survival import decisions_on_day


def termination_step(net: DevNet, story: Story, holding_id: str) -> None:
    """Step 9: notice of termination; new provisions stop on the effective date, protection not."""
    park, tanaka = net.client("KOR", "park"), net.client("JPN", "tanaka")
    today = datetime.now(UTC).date()
    park.record_agreement_event(
        "KOR-JPN-2016", kind="termination_notice", on=today.isoformat(),
        note="note verbale (demo)", party="KOR", step=None,
    )  # fmt: skip
    mine = park.agreement("KOR-JPN-2016")
    theirs = until(lambda: (a := tanaka.agreement("KOR-JPN-2016"))["state"] == mine["state"] and a)
    effective = mine["termination_effective"]
    console.print(
        f"  KOR gives notice; both nodes: [bold]{mine['state']}[/], effective {effective}"
    )
    story.check(
        "JPN's node holds the same record of the notice",
        theirs is not None and theirs["termination_effective"] == effective,
    )
    if not effective:
        return
    # What JPN's node will decide on that day: the treaty core is a function of `now`.
    day = datetime.combine(datetime.fromisoformat(effective).date(), clock_time(12), tzinfo=UTC)
    then = decisions_on_day(net.node("JPN"), holding_id, "sato", day)
    fresh, still = then.new_provision, then.access
    console.print(f"  on {effective}: a new provision → [red]{fresh.reason}[/] [{fresh.article}]")
    console.print(f"  on {effective}: sato reads what is held → {still.reason}")
    story.check("from that day no new provision is accepted (R44)", not fresh.allowed)
    story.check("what was exchanged stays under the same access rules (R44)", still.allowed)
