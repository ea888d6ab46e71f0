"""A classification change among three real node processes (R14, Art. 6(g)).

KOR provides an item to JPN and USA; USA's node is down when KOR's officer downgrades it.
JPN re-marks and acknowledges at once; USA stays outstanding until it is back, then re-marks
under KOR–USA and acknowledges. The CLI shows the notice as the originator sees it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from tests.integration.conftest import MakeNet
from typer.testing import CliRunner

from gsomia.cli import app

pytestmark = pytest.mark.integration


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def test_a_downgrade_reaches_every_holder_and_each_acknowledges(make_net: MakeNet) -> None:
    net = make_net(("KOR", "JPN", "USA"))
    net.start_all()
    kim, park = net.client("KOR", "kim"), net.client("KOR", "park")
    sato, smith = net.client("JPN", "sato"), net.client("USA", "smith")
    item_id = kim.publish(
        title="DPRK launch track",
        level="군사II급비밀",
        releasable_to=["JPN", "USA"],
        purpose="missile-warning",
        precedence="IMMEDIATE",
        text="track 1",
    )
    outcomes = park.release(item_id)
    assert all(o["decision"]["allowed"] for o in outcomes), outcomes

    def held(client: Any) -> dict[str, Any] | None:
        found = [h for h in client.holdings() if h["item_id"] == item_id]
        return found[0] if found else None

    def delivered() -> bool:
        sent = park.item(item_id)["transfers"]
        return len(sent) == 2 and all(t["state"] == "received" for t in sent)

    _wait(delivered, 60, "both deliveries to be answered")
    assert held(sato)["marking"] == "極秘"  # type: ignore[index]
    assert held(smith)["marking"] == "SECRET"  # type: ignore[index]

    net.stop("USA")
    proc = net.nodes["KOR"]
    as_park = ["--url", proc.url, "--token", proc.tokens["park"]]
    cli = CliRunner()
    issued = cli.invoke(
        app,
        [
            "item",
            "reclassify",
            item_id,
            "--change",
            "downgrade",
            "--level",
            "군사III급비밀",
            *as_park,
        ],
    )
    assert issued.exit_code == 0, issued.output
    assert "notice issued" in issued.output
    [notice] = [n for n in park.get("/api/v1/notices") if n["item_id"] == item_id]
    assert notice["holders"] == ["JPN", "USA"]

    def outstanding() -> list[str]:
        return list(park.get(f"/api/v1/notices/{notice['id']}")["outstanding"])

    _wait(lambda: outstanding() == ["USA"], 60, "JPN's acknowledgement")
    jpn = held(sato)
    assert jpn is not None
    assert (jpn["marking"], jpn["original_marking"]) == ("秘", "군사III급비밀")
    time.sleep(1)
    assert outstanding() == ["USA"]  # down: still waited for

    net.start("USA")
    _wait(lambda: outstanding() == [], 90, "USA's acknowledgement once it is back")
    usa = held(smith)
    assert usa is not None
    assert (usa["marking"], usa["original_marking"]) == ("CONFIDENTIAL", "군사III급비밀")
    done = park.get(f"/api/v1/notices/{notice['id']}")
    assert {a["holder"]: a["level"] for a in done["acknowledged"]} == {
        "JPN": "秘",
        "USA": "CONFIDENTIAL",
    }
    jones = net.client("USA", "jones")  # notices are for officers and auditors (R14)
    received = jones.get(f"/api/v1/notices/{notice['id']}")
    assert received["direction"] == "received"

    listed = cli.invoke(app, ["notice", "list", *as_park])
    assert listed.exit_code == 0, listed.output
    assert notice["id"] in listed.output
    shown = cli.invoke(app, ["notice", "show", notice["id"], *as_park])
    assert shown.exit_code == 0, shown.output
    assert "every holder acknowledged" in shown.output
    assert "CONFIDENTIAL" in shown.output
