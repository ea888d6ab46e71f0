"""Consent and onward release among three real node processes: KOR, JPN, USA (R12).

KOR provides a FLASH item to JPN; JPN asks KOR for consent to give it to USA; KOR grants; JPN
releases onward; USA holds it marked SECRET; KOR's custody shows KOR → JPN → USA. Every message
travels through the delivery workers over HTTP.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from tests.integration.conftest import MakeNet

pytestmark = pytest.mark.integration


def _until(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def test_request_grant_onward_and_custody(make_net: MakeNet) -> None:
    net = make_net(("KOR", "JPN", "USA"))
    net.start_all()
    kim, park = net.client("KOR", "kim"), net.client("KOR", "park")
    tanaka, jones = net.client("JPN", "tanaka"), net.client("USA", "jones")
    item_id = kim.publish(
        title="DPRK launch track",
        level="군사II급비밀",
        releasable_to=["JPN"],
        purpose="missile-warning",
        precedence="FLASH",
        text="track 1",
    )
    park.release(item_id)
    held = _until(
        lambda: [h for h in tanaka.holdings() if h["item_id"] == item_id], 30, "JPN's holding"
    )[0]
    case = tanaka.post(
        "/api/v1/consents",
        {
            "holding_id": held["id"],
            "recipient": "USA",
            "purpose": "allied missile defence",
            "until": "2099-01-01T00:00:00+00:00",
        },
    )
    _until(
        lambda: [c for c in park.get("/api/v1/consents") if c["id"] == case["id"]],
        30,
        "KOR to see the request",
    )
    assert park.post(f"/api/v1/consents/{case['id']}/grant")["status"] == "granted"
    _until(
        lambda: tanaka.get(f"/api/v1/consents/{case['id']}")["status"] == "granted",
        30,
        "JPN to hold the consent",
    )
    sent = tanaka.post(
        f"/api/v1/holdings/{held['id']}/onward", {"to": "USA", "consent_id": case["id"]}
    )
    assert sent["transfer"]["level"] == "SECRET"
    at_usa = _until(
        lambda: [h for h in jones.holdings() if h["item_id"] == item_id], 30, "USA's holding"
    )[0]
    assert (at_usa["marking"], at_usa["originator"], at_usa["sender"]) == ("SECRET", "KOR", "JPN")
    chain = _until(
        lambda: (c := park.get(f"/api/v1/items/{item_id}/custody"))["paths"].get("USA") and c,
        30,
        "KOR to learn of the onward transfer",
    )
    assert chain["paths"]["USA"] == ["KOR", "JPN", "USA"]
    assert chain["holders"] == ["JPN", "KOR", "USA"]
