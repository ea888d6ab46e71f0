"""FLASH alerts reach the open screens of exactly the users the access decision allows."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.node.node_fixtures import Cast

from gsomia.node.acceptance import Accepted
from gsomia.node.alerts import AlertBroker
from gsomia.node.live import push_flash

WATCHERS = ("sato", "suzuki", "tanaka", "nakamura", "miller")


def received(cast: Cast, precedence: str) -> list[Accepted]:
    item_id = cast.publish("KOR", "kim", precedence=precedence, title=f"{precedence} track")
    _, accepted = cast.send("KOR", "JPN", cast.release("KOR", "park", item_id))
    return accepted


async def _watch(
    cast: Cast, accepted: list[Accepted], flash_title: str
) -> dict[str, list[dict[str, Any]]]:
    jpn = cast["JPN"]
    jpn.alerts.bind(asyncio.get_running_loop())
    async with (
        jpn.alerts.subscribe("sato") as sato,
        jpn.alerts.subscribe("suzuki") as suzuki,
        jpn.alerts.subscribe("tanaka") as tanaka,
        jpn.alerts.subscribe("nakamura") as nakamura,
        jpn.alerts.subscribe("miller") as miller,
    ):
        assert jpn.alerts.users == set(WATCHERS)
        # The node calls push_flash from a worker thread, as the peer API does.
        await asyncio.to_thread(push_flash, jpn, accepted)
        first = await asyncio.wait_for(sato.get(), timeout=5)
        assert first["title"] == flash_title
        # One delivery callback fills every allowed queue; let it finish before looking.
        await asyncio.sleep(0)
        queues = {"sato": sato, "suzuki": suzuki, "tanaka": tanaka, "nakamura": nakamura}
        queues["miller"] = miller
        seen = {name: [] if name != "sato" else [first] for name in WATCHERS}
        for name, queue in queues.items():
            while not queue.empty():
                seen[name].append(queue.get_nowait())
    assert jpn.alerts.users == set()
    return seen


def test_only_allowed_watchers_get_the_flash_alert(cast: Cast) -> None:
    routine = received(cast, "ROUTINE")
    flash = received(cast, "FLASH")
    seen = asyncio.run(_watch(cast, routine + flash, "FLASH track"))
    # 極秘 holding: sato (極秘) and tanaka (機密) may read; suzuki (秘) is below it, nakamura
    # has no need-to-know, miller is a third-country national (R19–R21).
    assert {name for name, events in seen.items() if events} == {"sato", "tanaka"}
    [event] = seen["tanaka"]
    assert event == seen["sato"][0]
    assert event["holding"] == flash[0].holding_id
    assert (event["marking"], event["original_marking"]) == ("極秘", "군사II급비밀")
    assert (event["originator"], event["precedence"]) == ("KOR", "FLASH")


def test_nothing_is_pushed_without_flash_or_watchers(cast: Cast) -> None:
    routine = received(cast, "ROUTINE")

    async def scenario() -> bool:
        jpn = cast["JPN"]
        jpn.alerts.bind(asyncio.get_running_loop())
        push_flash(jpn, received(cast, "FLASH"))  # no one is watching: returns at once
        async with jpn.alerts.subscribe("sato") as sato:
            push_flash(jpn, routine)
            await asyncio.sleep(0.01)
            return sato.empty()

    assert asyncio.run(scenario())


def test_an_unbound_broker_drops_events_and_a_full_queue_drops_the_oldest() -> None:
    broker = AlertBroker()
    broker.publish({"sato"}, {"n": 0})  # no loop bound yet: nothing to deliver into

    async def scenario() -> list[int]:
        broker.bind(asyncio.get_running_loop())
        async with broker.subscribe("sato") as queue:
            for n in range(300):
                broker.publish({"sato"}, {"n": n})
            await asyncio.sleep(0.01)
            got = []
            while not queue.empty():
                got.append(queue.get_nowait()["n"])
            return got

    got = asyncio.run(scenario())
    assert len(got) == 256
    assert got == list(range(300 - 256, 300))
